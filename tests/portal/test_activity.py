import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry, AppendOnlyError
from portal.activity.operations import record
from portal.extensions import db


def test_entries_can_be_added_but_never_changed_or_deleted(app, make_user):
    user = make_user()
    entry = record(
        "supplier.tier_changed",
        actor=user,
        subject_type="supplier",
        subject_id=7,
        organization_id=None,
        tier=["T1", "T2"],
    )
    db.session.commit()
    stored = db.session.get(ActivityEntry, entry.id)
    assert stored.details == {"tier": ["T1", "T2"]}
    assert stored.actor_id == user.id and stored.created_at.tzinfo is not None

    stored.action = "something.else"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ActivityEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(ActivityEntry.action).where(ActivityEntry.id == entry.id))
        == "supplier.tier_changed"
    )
