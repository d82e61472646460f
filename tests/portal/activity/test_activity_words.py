"""Both sides' activity logs of an assessment say every entry in words, in the page's language: no internal
code (``assessment.decided``, ``under_review``) reaches either page, whatever kind of entry the code writes."""

import ast
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

from portal.accounts.operations import create_user
from portal.assessments.activity_view import ACTION_LABELS, buyer_activity, supplier_activity
from portal.assessments.models import Decision
from portal.assessments.operations import (
    AnswerInput,
    assign_section,
    attach_evidence,
    detach_evidence,
    save_answer,
    submit_assessment,
    tell_owners_ready,
)
from portal.assessments.registration import (
    accept_registration,
    choose_registration,
    return_registration,
    withdraw_registration,
)
from portal.assessments.reuse import accept_suggestions
from portal.campaigns.operations import withdraw_assessment
from portal.claims.models import Claim, ClaimKind
from portal.extensions import db
from portal.organizations.models import Role
from portal.organizations.operations import add_member
from portal.review.operations import ActionInput, decide_item, decide_outcome, return_for_clarification
from portal.suppliers.models import Supplier
from tests.conftest import PASSWORD, sign_in
from tests.workflow_fixtures import pdf_file

PORTAL = Path(__file__).resolve().parents[3] / "portal"
#: A dotted kind (assessment.decided) or a snake_case code (under_review, accepted_with_conditions).
RAW_CODE = re.compile(r"\b[a-z]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b")
OUTCOME_COMMENT = "是正計画を3月末までにご提出ください。"


def assessment_kinds() -> set[str]:
    """Every kind of activity entry the portal's code writes on an assessment."""
    kinds = set()
    for path in PORTAL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            subject = {k.arg: k.value for k in node.keywords}.get("subject_type")
            on_assessment = isinstance(subject, ast.Constant) and subject.value == "assessment"
            if name in ("record_transition", "_record_answering") or (name == "record" and on_assessment):
                kinds.add(str(node.args[0].value))
    return kinds


def test_every_kind_written_on_an_assessment_has_words():
    kinds = assessment_kinds()
    assert {"answer.saved", "assessment.decided", "review.decided", "assessment.withdrawn"} <= kinds
    assert kinds <= set(ACTION_LABELS), kinds - set(ACTION_LABELS)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.inside += tag == "table"

    def handle_endtag(self, tag):
        self.inside -= tag == "table"

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def table_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def test_both_logs_say_every_entry_in_words(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    other, _ = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier, other], by=admin)
    assessment, withdrawn = sorted(campaign.assessments, key=lambda a: a.supplier_id != supplier.id)
    responder = create_user(email="responder@example.com", name="回答 三郎", password=PASSWORD)
    add_member(supplier.organization, responder, Role.SUPPLIER_RESPONDER, by=None)

    # Every kind of entry, from the answering to the outcome, and a withdrawal.
    assign_section(assessment, "staff", responder, by=owner)
    saved = {
        item_id: save_answer(assessment, AnswerInput(item_id, code, "手順書あり", None, 0), by=responder)
        for item_id, code in {"POL-01": "yes", "STF-01": "partial", "STF-02": "no"}.items()
    }
    spare = pdf_file(supplier.organization_id, "古い規程.pdf", fill="a")
    attach_evidence(assessment, "POL-01", spare, by=responder)
    detach_evidence(assessment, "POL-01", spare.id, by=responder)
    attach_evidence(assessment, "POL-01", pdf_file(supplier.organization_id, "規程.pdf", fill="b"), by=responder)
    explained = AnswerInput("STF-02", "no", "手順書あり", None, saved["STF-02"].version, evidence_note="口頭で周知")
    saved["STF-02"] = save_answer(assessment, explained, by=responder)
    tell_owners_ready(assessment, by=responder)
    submit_assessment(assessment, by=owner)
    decide_item(assessment, "STF-01", Decision.CLARIFICATION, comment="範囲は?", visible_to_supplier=True, by=admin)
    return_for_clarification(assessment, by=admin)
    save_answer(assessment, AnswerInput("STF-01", "yes", "全員に実施", None, saved["STF-01"].version), by=owner)
    submit_assessment(assessment, by=owner)
    decide_item(assessment, "STF-01", Decision.ACCEPTED, comment=None, visible_to_supplier=True, by=admin)
    decide_item(assessment, "STF-02", Decision.NONCONFORMING, comment="手順がない", visible_to_supplier=True, by=admin)
    decide_outcome(
        assessment,
        "accept_with_conditions",
        comment=OUTCOME_COMMENT,
        actions=[ActionInput("STF-02", "総務部", date.today() + timedelta(days=30))],
        by=admin,
        today=date.today(),
    )
    withdraw_assessment(campaign, withdrawn.id, "取引終了のため", by=admin)
    db.session.commit()
    # Another buyer's request, answered from the supplier's answer library.
    second_buyer, second_admin = make_buyer()
    record = Supplier(
        buyer=second_buyer, organization=supplier.organization, name="x", contact_email=owner.email, tier="T1"
    )
    db.session.add(record)
    db.session.commit()
    (reused,) = make_campaign(second_buyer, [record], by=second_admin).assessments
    accept_suggestions(reused, ["STF-01"], by=owner)
    db.session.commit()
    # A request answered by a METI SCS registration: chosen, returned, withdrawn, chosen again, accepted.
    (registered,) = make_campaign(buyer, [supplier], by=admin, accepts_registration_level=3).assessments
    claim = Claim(
        organization_id=supplier.organization_id,
        kind=ClaimKind.METI_SCS,
        number="SCS3-0001",
        level=3,
        valid_until=date.today() + timedelta(days=365),
    )
    db.session.add(claim)
    db.session.flush()
    choose_registration(registered, claim.id, by=owner, today=date.today())
    return_registration(registered, "登録番号を確認できません", by=admin)
    withdraw_registration(registered, by=owner)
    choose_registration(registered, claim.id, by=owner, today=date.today())
    accept_registration(registered, by=admin, today=date.today())
    db.session.commit()

    walked = (assessment, withdrawn, reused, registered)
    shown = {str(row.what) for one in walked for row in buyer_activity(one, "en")}
    assert shown == {str(ACTION_LABELS[kind]) for kind in assessment_kinds()}  # the walk wrote every kind

    sign_in(client, admin.email)
    pages = {
        "buyer": client.get(f"/review/{assessment.id}/activity").get_data(as_text=True),
        "buyer, withdrawn": client.get(f"/review/{withdrawn.id}/activity").get_data(as_text=True),
    }
    client.post("/sign-out")
    sign_in(client, owner.email)
    pages["supplier"] = client.get(f"/assessments/{assessment.id}/activity").get_data(as_text=True)
    for side, page in pages.items():
        text = table_text(page)
        assert text.strip(), side
        assert not RAW_CODE.findall(text), (side, RAW_CODE.findall(text))
    buyer_text, supplier_text = table_text(pages["buyer"]), table_text(pages["supplier"])
    assert "審査結果を記録" in buyer_text and "条件付き承認" in buyer_text and "不適合" in buyer_text
    assert "取引終了のため" in table_text(pages["buyer, withdrawn"])
    # The outcome and its comment are in both logs; the buyer's internal review of items is the buyer's.
    assert OUTCOME_COMMENT in buyer_text and OUTCOME_COMMENT in supplier_text
    assert "項目を審査" in buyer_text and "項目を審査" not in supplier_text
    # The buyer sees that the supplier answered, not what it typed before submitting.
    assert "手順書あり" not in buyer_text and "手順書あり" in supplier_text
    assert "証跡の代わりの説明" in supplier_text and "口頭で周知" in supplier_text
    assert supplier_activity(assessment, "en")[0].what == ACTION_LABELS["assessment.decided"]  # newest first
