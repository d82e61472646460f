"""Writing to the activity log. Every state change of interest goes through ``record``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.activity.models import ActivityEntry
from portal.extensions import db

if TYPE_CHECKING:
    from portal.accounts.models import User


def record(
    action: str,
    *,
    actor: User | None,
    subject_type: str,
    subject_id: int | None,
    organization_id: int | None,
    **details: Any,
) -> ActivityEntry:
    """Append one entry; ``details`` holds ``field=[old, new]`` pairs or other small facts."""
    entry = ActivityEntry(
        action=action,
        actor_id=actor.id if actor is not None else None,
        subject_type=subject_type,
        subject_id=subject_id,
        organization_id=organization_id,
        details=details,
    )
    db.session.add(entry)
    return entry
