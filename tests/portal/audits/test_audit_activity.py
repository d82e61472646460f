"""An audit's activity is filed under its buyer, whatever step wrote it."""

import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.audits.models import Audit
from portal.extensions import db
from tests.conftest import sign_in
from tests.portal.audits.test_audits import plan, save, submitted_supplier


def test_every_step_of_an_audit_is_logged_on_the_audit_under_the_buyer(
    app, client, make_buyer, make_supplier, make_campaign
):
    buyer, admin, supplier, _, campaign, _ = submitted_supplier(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    plan(client, supplier, campaign.questionnaire_version_id)
    audit = db.session.scalar(sa.select(Audit))
    save(client, audit, "STF-02", "not_verified")
    client.post(f"/audits/{audit.id}/cancel")

    entries = list(
        db.session.scalars(
            sa.select(ActivityEntry).where(ActivityEntry.action.like("audit.%")).order_by(ActivityEntry.id)
        )
    )
    assert entries[0].action == "audit.planned"
    assert {"audit.result", "audit.cancelled"} <= {e.action for e in entries}
    assert {(e.subject_type, e.subject_id, e.organization_id, e.actor_id) for e in entries} == {
        ("audit", audit.id, buyer.id, admin.id)
    }
    assert entries[0].details["supplier"] == supplier.name
