"""Formula injection in every export: text people typed (or imported) comes back as text, never as a formula.

Hostile values go in through the pages (answers, comments, names, notes) and a questionnaire whose texts
and labels look like formulas; each export is downloaded and reopened with openpyxl. The only formulas
allowed are the checksheet summary's own (``summary_formulas``), which must be exactly where and what
that function says, even with a hostile answer label inside their COUNTIF criteria.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from portal.actions.models import CorrectiveAction
from portal.assessments.models import Answer, Assessment, ReviewDecision
from portal.audits.models import Audit, AuditFinding, AuditItemResult
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.reports.checksheet import summary_formulas
from portal.reports.from_assessment import checksheet_data
from portal.suppliers.models import Supplier
from tests.conftest import sign_in
from tests.portal.audits.helpers import audit_form
from tests.security.helpers import FORMULAS, PDF, hostile_definition
from tests.workbooks import formula_cells, open_book
from tests.workflow_fixtures import only_assessment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HYPERLINK, PLUS, MINUS, AT, TAB, CR = FORMULAS

#: The questionnaire's texts: every tag of ``hostile_definition`` gets a formula-like text.
QUESTIONNAIRE = {
    "q-title": HYPERLINK,
    "q-label-yes": '=HYPERLINK("http://x","実施")',
    "q-section-policy": CR + " policy",
    "q-section-staff": TAB + " staff",
    "q-section-ops": "@ops",
    "q-item-pol01": HYPERLINK,
    "q-item-pol02": PLUS,
    "q-item-stf01": MINUS,
    "q-item-stf02": AT,
    "q-item-ops01": TAB,
    "q-guidance-pol01": CR,
    "q-evidence-pol01": "=1+1",
}
#: A name with a line break: the campaign's reaches the portfolio download's file name too.
BROKEN_NAME = "-1+1\r\nX-Injected: yes"


@dataclass
class Exports:
    review: bytes
    supplier: bytes
    portfolio: bytes
    all_suppliers: bytes
    audit: bytes
    assessment: Assessment
    audit_row: Audit


def download(client: Any, response: Any) -> bytes:
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    file = client.get(response.headers["Location"] + "/download")
    assert file.status_code == 200, file.status_code
    disposition = file.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and "X-Injected" not in file.headers
    return file.data


@pytest.fixture
def exports(app, client, make_buyer, make_supplier, make_campaign, make_version) -> Exports:
    version = make_version(hostile_definition(lambda tag: QUESTIONNAIRE.get(tag, f"={tag}")))
    buyer, admin = make_buyer(name=HYPERLINK)
    supplier, owner = make_supplier(buyer, name=AT)
    campaign = make_campaign(buyer, [supplier], by=admin, version=version)
    # Names with line breaks and tabs are refused at input now: these are values stored before that.
    campaign.name = BROKEN_NAME
    db.session.commit()
    assessment = only_assessment(campaign)
    due = (date.today() + timedelta(days=30)).isoformat()

    sign_in(client, admin.email)
    for n, name in enumerate([*FORMULAS, BROKEN_NAME]):
        typed = f"stored before names were checked {n}" if name != name.strip() or "\n" in name else name
        data = {"name": typed, "contact_email": f"formula{n}@example.com", "tier": "T1"}
        assert client.post("/suppliers/new", data=data).status_code == 302, name
        db.session.scalar(sa.select(Supplier).where(Supplier.name == typed)).name = name
    db.session.commit()
    client.post("/sign-out")

    sign_in(client, owner.email)
    answers = {
        "POL-01": {"code": "yes", "comment": HYPERLINK},
        "STF-01": {"code": "na", "na_reason": PLUS},
        "STF-02": {"code": "no", "comment": MINUS},
        "OPS-01": {"code": "yes", "comment": TAB + AT},
    }
    for item_id, fields in answers.items():
        saved = client.post(f"/assessments/{assessment.id}/items/{item_id}", json={"version": 0, **fields})
        assert saved.status_code == 200, saved.get_json()
    uploaded = client.post(
        f"/assessments/{assessment.id}/items/POL-01/evidence",
        data={"files": (io.BytesIO(PDF), "=HYPERLINK(x).pdf")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    assert client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"}).status_code == 302
    client.post("/sign-out")

    sign_in(client, admin.email)
    for item_id, decision, comment in (
        ("POL-01", "accepted", AT),
        ("STF-01", "accepted", CR + "=1"),
        ("STF-02", "nonconforming", HYPERLINK),
        ("OPS-01", "accepted", None),
    ):
        data = {"decision": decision, "visible_to_supplier": "yes", **({"comment": comment} if comment else {})}
        assert client.post(f"/review/{assessment.id}/items/{item_id}", data=data).status_code == 302
    outcome = {
        "outcome": "accept_with_conditions",
        "action_item": "STF-02",
        "owner_STF-02": PLUS,
        "due_STF-02": due,
        "title_STF-02": MINUS,
    }
    assert client.post(f"/review/{assessment.id}/outcome", data=outcome).status_code == 302
    action = db.session.scalar(sa.select(CorrectiveAction))
    client.post("/sign-out")
    sign_in(client, owner.email)
    assert client.post(f"/actions/{action.id}/plan", data={"plan": "@SUM(A1) by March"}).status_code == 302
    client.post("/sign-out")

    sign_in(client, admin.email)
    planned = client.post("/audits/new", data=audit_form(supplier.id, version.id, days=7, participants=HYPERLINK))
    assert planned.status_code == 302
    audit = db.session.scalar(sa.select(Audit))
    for item_id, note in (("POL-01", PLUS), ("STF-01", "-2+3"), ("STF-02", "@cmd|'/c calc'!A0")):
        saved = client.post(f"/audits/{audit.id}/items/{item_id}", json={"result": "observation", "note": note})
        assert saved.status_code == 200
    photo = client.post(
        f"/audits/{audit.id}/photos",
        data={"item_id": "POL-01", "photos": (io.BytesIO(PNG), "+photo.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 302
    closed = client.post(
        f"/audits/{audit.id}/close",
        data={
            "finding": ["0"],
            "severity_0": "major",
            "item_0": "STF-02",
            "description_0": '=HYPERLINK("http://x","finding")',
            "owner_0": "-owner",
            "due_0": due,
            "summary": "=1+2",
        },
    )
    assert closed.status_code == 302

    review = download(client, client.post(f"/review/{assessment.id}/export", data={"lang": "ja"}))
    portfolio = download(client, client.post("/exports/portfolio", data={"campaign_id": campaign.id, "lang": "ja"}))
    all_suppliers = download(client, client.post("/exports/portfolio", data={"lang": "en"}))
    audit_report = download(client, client.post(f"/audits/{audit.id}/export", data={"lang": "ja"}))
    client.post("/sign-out")
    sign_in(client, owner.email)
    own = download(client, client.post(f"/assessments/{assessment.id}/export", data={"lang": "en"}))
    return Exports(review, own, portfolio, all_suppliers, audit_report, assessment, audit)


def text_cells(book: Any) -> set[str]:
    """Every text value in the workbook (a carriage return reads back from the XML as a line feed)."""
    return {
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "s" and isinstance(cell.value, str)
    }


def as_read_back(values: Any) -> set[str]:
    return {value.replace("\r\n", "\n").replace("\r", "\n") for value in values if value}


def assessment_texts(assessment: Assessment, *, internal: bool) -> set[str]:
    answers = db.session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment.id)).all()
    decisions = db.session.scalars(sa.select(ReviewDecision).where(ReviewDecision.assessment_id == assessment.id)).all()
    texts = {a.comment for a in answers} | {a.na_reason for a in answers}
    texts |= {d.comment for d in decisions if internal or d.visible_to_supplier}
    texts |= set(db.session.scalars(sa.select(Evidence.filename)).all()) - {"+photo.png"}
    texts |= {assessment.supplier.name, QUESTIONNAIRE["q-item-pol01"], QUESTIONNAIRE["q-item-stf02"]}
    return as_read_back(texts)


def test_the_reviewers_checksheet_keeps_every_hostile_text_as_text(exports):
    book = open_book(exports.review)
    data = checksheet_data(exports.assessment, lang="ja", for_supplier=False)
    expected = [(book.worksheets[0].title, f.cell, f.formula) for f in summary_formulas(data, "ja")]
    assert expected and formula_cells(book) == expected
    # The hostile answer label is inside the COUNTIF criteria, quoted, not closing the string early.
    assert any('"==HYPERLINK(""http://x"",""実施"")"' in formula for _, _, formula in expected)
    texts = text_cells(book)
    missing = assessment_texts(exports.assessment, internal=True) - texts
    assert not missing, missing
    action = db.session.scalar(sa.select(CorrectiveAction).where(CorrectiveAction.assessment_id.is_not(None)))
    assert {action.title, action.owner} <= texts


def test_the_suppliers_checksheet_keeps_every_hostile_text_as_text(exports):
    book = open_book(exports.supplier)
    data = checksheet_data(exports.assessment, lang="en", for_supplier=True)
    expected = [(book.worksheets[0].title, f.cell, f.formula) for f in summary_formulas(data, "en")]
    assert formula_cells(book) == expected
    missing = assessment_texts(exports.assessment, internal=False) - text_cells(book)
    assert not missing, missing


def test_the_portfolios_have_no_formula_and_keep_names_and_questions_as_text(exports):
    campaign_book, all_book = open_book(exports.portfolio), open_book(exports.all_suppliers)
    assert formula_cells(campaign_book) == [] and formula_cells(all_book) == []
    assert as_read_back({exports.assessment.supplier.name, QUESTIONNAIRE["q-item-pol01"]}) <= text_cells(campaign_book)
    names = as_read_back(db.session.scalars(sa.select(Supplier.name)).all())
    assert len(names) >= len(FORMULAS)
    missing = names - text_cells(all_book)
    assert not missing, missing


def test_the_audit_report_has_no_formula_and_keeps_notes_and_findings_as_text(exports):
    book = open_book(exports.audit)
    assert formula_cells(book) == []
    audit = exports.audit_row
    notes = db.session.scalars(sa.select(AuditItemResult.note).where(AuditItemResult.audit_id == audit.id)).all()
    findings = db.session.scalars(sa.select(AuditFinding.description)).all()
    actions = db.session.scalars(sa.select(CorrectiveAction.owner).where(CorrectiveAction.audit_id == audit.id)).all()
    expected = as_read_back(
        [*notes, *findings, *actions, audit.participants, audit.summary, audit.supplier.name, HYPERLINK, "+photo.png"]
    )
    assert len(expected) >= 8
    missing = expected - text_cells(book)
    assert not missing, missing
