"""Stored XSS: every text a person can type (or import) is shown back escaped, on every page that shows it.

The values are typed through the same forms and JSON calls the pages use, each tagged with the field it
went into (``hostile("supplier-name")``), so a page check can say which field is shown and how.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from portal.actions.models import CorrectiveAction
from portal.assessments.models import Assessment, AssessmentState
from portal.audits.models import Audit, AuditState
from portal.background.models import BackgroundJob
from portal.campaigns.models import Campaign
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.suppliers.models import Supplier
from tests.conftest import PASSWORD, outbox_links, path_of, sign_in
from tests.portal.audits.helpers import audit_form
from tests.security.helpers import (
    PDF,
    SCRIPT,
    assert_nothing_raw,
    assert_shown_escaped,
    hostile,
    hostile_definition,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ADMIN_EMAIL = "xss-admin@example.com"
OWNER_EMAIL = "xss-owner@example.com"
FILE_B = "file-b <img src=x onerror=alert(1)>.pdf"
FILE_B_SHOWN = "file-b _img src=x onerror=alert(1)_.pdf"


@dataclass
class World:
    operator: Any
    assessment_id: int
    campaign_id: int
    supplier_id: int
    review_action_id: int
    audit_action_id: int
    audit_id: int
    export_job_id: int


def register(client: Any, email: str, name: str) -> None:
    """Accept the latest invitation to ``email`` through the registration form."""
    link = path_of([link for link in outbox_links(email) if "/invitations/" in link][-1])
    response = client.post(link, data={"name": name, "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/sign-out")


def ok(response: Any) -> Any:
    assert response.status_code in (200, 302), (response.status_code, response.get_data(as_text=True)[:2000])
    return response


@pytest.fixture
def world(app, client, make_user, make_version) -> World:
    version = make_version(hostile_definition(hostile))
    operator = make_user("xss-operator@example.com", name=hostile("operator-name"), is_operator=True)
    due = (date.today() + timedelta(days=30)).isoformat()

    # The operator creates the buyer; its administrator registers with a hostile name.
    sign_in(client, operator.email)
    ok(client.post("/operator/organizations", data={"name": hostile("buyer-name"), "admin_email": ADMIN_EMAIL}))
    client.post("/sign-out")
    register(client, ADMIN_EMAIL, hostile("admin-name"))

    # The buyer adds the supplier (whose contact registers) and sends it a campaign.
    sign_in(client, ADMIN_EMAIL)
    ok(
        client.post(
            "/suppliers/new", data={"name": hostile("supplier-name"), "contact_email": OWNER_EMAIL, "tier": "T1"}
        )
    )
    supplier = db.session.scalar(sa.select(Supplier))
    ok(client.post("/settings/api-tokens", data={"name": hostile("token-name")}))
    ok(
        client.post(
            "/campaigns/new",
            data={
                "name": hostile("campaign-name"),
                "questionnaire_version_id": version.id,
                "tier": "",
                "due_date": due,
                "pass_threshold": "80",
                "reminder_days": "7,3,1",
                "remind_when_overdue": "y",
                "show_score_to_supplier": "y",
                "supplier_ids": [supplier.id],
            },
        )
    )
    campaign = db.session.scalar(sa.select(Campaign))
    ok(client.post(f"/campaigns/{campaign.id}/launch"))
    client.post("/sign-out")
    register(client, OWNER_EMAIL, hostile("owner-name"))

    # The supplier answers with hostile comments and N/A reason, uploads hostile file names and submits.
    assessment = db.session.scalar(sa.select(Assessment))
    sign_in(client, OWNER_EMAIL)
    answers = {
        "POL-01": {"code": "yes", "comment": hostile("comment-pol01")},
        "STF-01": {"code": "na", "na_reason": hostile("na-reason-stf01")},
        "STF-02": {"code": "no", "comment": hostile("comment-stf02")},
        "OPS-01": {"code": "yes", "comment": hostile("comment-ops01")},
    }
    for item_id, fields in answers.items():
        saved = client.post(f"/assessments/{assessment.id}/items/{item_id}", json={"version": 0, **fields})
        assert saved.status_code == 200, saved.get_json()
    # Browsers send a double quote in a file name as %22; the test client's encoding would lose the file.
    for content, name in ((PDF, f"file-a {SCRIPT}.pdf"), (PDF + b"%2", FILE_B)):
        ok(
            client.post(
                f"/assessments/{assessment.id}/items/POL-01/evidence",
                data={"files": (io.BytesIO(content), name)},
                content_type="multipart/form-data",
            )
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 2
    ok(client.post(f"/assessments/{assessment.id}/submit", data={"confirm": "yes"}))
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED
    client.post("/sign-out")

    # The buyer reviews with hostile comments and closes with a corrective action of hostile title and owner.
    sign_in(client, ADMIN_EMAIL)
    for item_id, decision in (("POL-01", "accepted"), ("STF-01", "accepted"), ("STF-02", "nonconforming")):
        data = {"decision": decision, "comment": hostile(f"review-{item_id}"), "visible_to_supplier": "yes"}
        ok(client.post(f"/review/{assessment.id}/items/{item_id}", data=data))
    ok(client.post(f"/review/{assessment.id}/items/OPS-01", data={"decision": "accepted"}))
    ok(
        client.post(
            f"/review/{assessment.id}/outcome",
            data={
                "outcome": "accept_with_conditions",
                "comment": hostile("outcome-comment"),
                "action_item": "STF-02",
                "owner_STF-02": hostile("action-owner"),
                "due_STF-02": due,
                "title_STF-02": hostile("action-title"),
            },
        )
    )
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.ACCEPTED_WITH_CONDITIONS
    review_action = db.session.scalar(sa.select(CorrectiveAction))
    export = client.post(f"/review/{assessment.id}/export", data={"lang": "ja"})
    export_job_id = int(export.headers["Location"].rsplit("/", 1)[-1])

    # An audit: hostile participants; the supplier proposes a date with a hostile note.
    ok(client.post("/audits/new", data=audit_form(supplier.id, version.id, participants=hostile("audit-participants"))))
    audit = db.session.scalar(sa.select(Audit))
    assert audit is not None
    client.post("/sign-out")
    sign_in(client, OWNER_EMAIL)
    ok(client.post(f"/actions/{review_action.id}/plan", data={"plan": hostile("review-action-plan")}))
    later = (date.today() + timedelta(days=12)).isoformat()
    ok(client.post(f"/audits/{audit.id}/propose", data={"proposed_date": later, "note": hostile("proposal-note")}))
    client.post("/sign-out")

    # The proposal is on the audit page until the buyer agrees to it; then the auditor conducts it:
    # hostile notes, a photo with a hostile name, findings with hostile text.
    sign_in(client, ADMIN_EMAIL)
    assert_shown_escaped(page(client, f"/audits/{audit.id}"), "the audit page with a proposal", "proposal-note")
    ok(client.post(f"/audits/{audit.id}/accept-date"))
    saved = client.post(
        f"/audits/{audit.id}/items/POL-01", json={"result": "observation", "note": hostile("audit-note"), "version": 0}
    )
    assert saved.status_code == 200, saved.get_json()
    ok(
        client.post(
            f"/audits/{audit.id}/photos",
            data={"item_id": "POL-01", "photos": (io.BytesIO(PNG), f"photo {SCRIPT}.png")},
            content_type="multipart/form-data",
        )
    )
    ok(
        client.post(
            f"/audits/{audit.id}/close",
            data={
                "finding": ["0"],
                "severity_0": "major",
                "item_0": "STF-02",
                "description_0": hostile("finding-description"),
                "owner_0": hostile("finding-owner"),
                "due_0": due,
                "summary": hostile("audit-summary"),
            },
        )
    )
    db.session.refresh(audit)
    assert audit.state == AuditState.CLOSED
    audit_action = db.session.scalar(sa.select(CorrectiveAction).where(CorrectiveAction.audit_id == audit.id))
    client.post("/sign-out")

    sign_in(client, OWNER_EMAIL)
    ok(client.post(f"/actions/{audit_action.id}/plan", data={"plan": hostile("audit-action-plan")}))
    client.post("/sign-out")
    # The corrective actions' verification: a plan accepted, one sent back, evidence of the fix, the closing.
    sign_in(client, ADMIN_EMAIL)
    ok(client.post(f"/actions/{review_action.id}/plan/accept", data={"comment": hostile("plan-accepted")}))
    ok(client.post(f"/actions/{audit_action.id}/plan/return", data={"comment": hostile("plan-returned")}))
    client.post("/sign-out")
    sign_in(client, OWNER_EMAIL)
    ok(client.post(f"/actions/{review_action.id}/evidence", data={"note": hostile("evidence-note")}))
    client.post("/sign-out")
    sign_in(client, ADMIN_EMAIL)
    ok(client.post(f"/actions/{review_action.id}/close", data={"comment": hostile("closing-comment")}))
    client.post("/sign-out")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) >= 1
    return World(
        operator=operator,
        assessment_id=assessment.id,
        campaign_id=campaign.id,
        supplier_id=supplier.id,
        review_action_id=review_action.id,
        audit_action_id=audit_action.id,
        audit_id=audit.id,
        export_job_id=export_job_id,
    )


def page(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_buyers_pages_show_every_hostile_text_escaped(client, world):
    a, c, s, audit = world.assessment_id, world.campaign_id, world.supplier_id, world.audit_id
    expected = {
        "/": ("campaign-name", "supplier-name", "buyer-name", "admin-name", "finding-description"),
        "/suppliers/": ("supplier-name",),
        f"/suppliers/{s}": ("supplier-name",),
        "/campaigns/": ("campaign-name", "q-title"),
        f"/campaigns/{c}": ("campaign-name", "supplier-name", "q-title"),
        f"/review/{a}": (
            "supplier-name",
            "campaign-name",
            "q-item-pol01",
            "q-item-stf02",
            "q-section-policy",
            "q-label-yes",
            "comment-pol01",
            "na-reason-stf01",
            "review-POL-01",
            "review-STF-02",
        ),
        # The buyer's log names who saved which item, never what they typed (the review page shows that).
        f"/review/{a}/activity": ("owner-name",),
        "/actions/": ("action-title", "action-owner", "supplier-name", "finding-description", "finding-owner"),
        f"/actions/{world.review_action_id}": (
            *("action-title", "action-owner", "review-action-plan", "closing-comment"),
            *("plan-accepted", "evidence-note"),
        ),
        f"/actions/{world.audit_action_id}": (
            *("finding-description", "finding-owner", "audit-action-plan", "plan-returned"),
        ),
        "/audits/": ("supplier-name", "finding-description"),
        f"/audits/{audit}": ("audit-participants", "finding-description", "finding-owner", "audit-summary"),
        f"/audits/{audit}/conduct": ("audit-note", "comment-pol01", "na-reason-stf01", "q-item-pol01", "q-label-yes"),
        "/audits/new": ("supplier-name", "q-title", "q-section-policy"),
        "/organization/members": ("admin-name",),
        "/settings": ("token-name",),
    }
    sign_in(client, ADMIN_EMAIL)
    for path, tags in expected.items():
        assert_shown_escaped(page(client, path), path, *tags)
    assert FILE_B_SHOWN in page(client, f"/review/{a}")  # the uploaded name, cleaned of its markup
    status = page(client, f"/exports/{world.export_job_id}")
    assert_nothing_raw(status, "the export status page")


def test_the_suppliers_pages_show_every_hostile_text_escaped(client, world):
    a, audit = world.assessment_id, world.audit_id
    expected = {
        "/": ("buyer-name", "owner-name", "finding-description"),  # what waits on the supplier: the audit action
        "/assessments/": ("campaign-name", "buyer-name"),
        f"/assessments/{a}": (
            "campaign-name",
            "q-item-pol01",
            "q-guidance-pol01",
            "q-evidence-pol01",
            "q-section-policy",
            "q-label-yes",
            "comment-pol01",
            "na-reason-stf01",
            "review-STF-02",
            "owner-name",
        ),
        f"/assessments/{a}/submit": ("owner-name",),
        f"/assessments/{a}/activity": ("owner-name", "comment-pol01", "na-reason-stf01", "q-item-pol01"),
        "/actions/": ("action-title", "action-owner", "finding-description"),
        f"/actions/{world.review_action_id}": (
            *("action-title", "action-owner", "review-action-plan", "review-STF-02"),
            *("plan-accepted", "evidence-note", "closing-comment"),
        ),
        f"/actions/{world.audit_action_id}": (
            *("finding-description", "finding-owner", "audit-action-plan", "plan-returned"),
        ),
        "/audits/": ("supplier-name",),
        f"/audits/{audit}": ("finding-description", "audit-participants", "q-title"),
        "/organization/members": ("owner-name",),
    }
    sign_in(client, OWNER_EMAIL)
    for path, tags in expected.items():
        assert_shown_escaped(page(client, path), path, *tags)
    assert FILE_B_SHOWN in page(client, f"/assessments/{a}")


def test_the_operators_pages_and_the_outbox_show_them_escaped(client, world):
    sign_in(client, world.operator.email)
    assert_shown_escaped(page(client, "/operator/organizations"), "operator organisations", "buyer-name")
    outbox = page(client, "/operator/outbox")
    # The development outbox shows the bodies, which name the buyer, supplier and campaign.
    assert_shown_escaped(outbox, "the outbox")
    assert re.search(r"(buyer-name|supplier-name|campaign-name) &lt;script&gt;", outbox)
    # Uploaded file names lose markup characters before they are stored (and are escaped as well).
    names = db.session.scalars(sa.select(Evidence.filename)).all()
    assert len(names) >= 3
    assert not any(ch in name for name in names for ch in '<>"/\\')
