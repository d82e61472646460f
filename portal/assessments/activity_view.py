"""The supplier's activity log of one assessment, made readable: labels instead of codes, old → new."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import questionnaire_for
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.extensions import db

ACTION_LABELS = {
    "answer.saved": _l("Answer saved"),
    "evidence.attached": _l("Evidence attached"),
    "evidence.detached": _l("Evidence removed"),
    "section.assigned": _l("Section assigned"),
    "assessment.ready": _l("Told the owner the answers are ready"),
    "assessment.submitted": _l("Submitted"),
    "assessment.returned": _l("Returned for clarification"),
}

#: Entries the buyer's reviewer made: the supplier sees the buyer organisation's name, not the reviewer's.
BY_THE_BUYER = frozenset({"assessment.returned"})

FIELD_LABELS = {
    "code": _l("Answer"),
    "comment": _l("Comment"),
    "na_reason": _l("N/A reason"),
    "state": _l("State"),
    "user": _l("Assigned to"),
}


@dataclass
class Change:
    label: Any
    old: str
    new: str


@dataclass
class ActivityRow:
    when: datetime
    who: str
    what: Any
    subject: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""


def supplier_activity(assessment: Assessment, lang: str) -> list[ActivityRow]:
    """Entries kept for the supplier organisation on this assessment.

    That is its own changes and the buyer's returns for clarification; the buyer's internal review (its
    decisions and comments, recorded under the buyer's organisation) is not here.
    """
    entries = db.session.scalars(
        sa.select(ActivityEntry)
        .where(
            ActivityEntry.subject_type == "assessment",
            ActivityEntry.subject_id == assessment.id,
            ActivityEntry.organization_id == assessment.supplier.organization_id,
        )
        .order_by(ActivityEntry.id.desc())
    ).all()
    user_ids = {e.actor_id for e in entries if e.actor_id}
    for entry in entries:
        user_ids |= {u for u in entry.details.get("user") or [] if isinstance(u, int)}
    names = {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    questionnaire = questionnaire_for(assessment)
    items = {item.id: item for item in questionnaire.items}
    sections = {section.id: section.title.get(lang) for section in questionnaire.sections}

    def who(entry: ActivityEntry) -> str:
        if entry.action in BY_THE_BUYER:
            return str(assessment.campaign.buyer.name)
        return names.get(entry.actor_id, "—") if entry.actor_id else "—"

    def describe(item_id: str) -> str:
        return f"{item_id} {items[item_id].text.get(lang)}" if item_id in items else item_id

    def show(name: str, value: Any, item_id: str | None) -> str:
        if value is None or value == "":
            return "—"
        if name == "code" and item_id in items:
            choice = questionnaire.scale_of(items[item_id]).choice(value)
            return choice.label.get(lang) if choice else str(value)
        if name == "state" and value in AssessmentState.__members__.values():
            return str(ASSESSMENT_STATE_LABELS[AssessmentState(value)])
        if name == "user":
            return names.get(value, "—")
        return str(value)

    rows = []
    for entry in entries:
        details = entry.details or {}
        item_id = details.get("item")
        if item_id in items:
            subject = describe(item_id)
        elif details.get("section") in sections:
            subject = sections[details["section"]]
        elif isinstance(details.get("items"), list):  # the items a return for clarification reopened
            subject = " / ".join(describe(str(i)) for i in details["items"])
        else:
            subject = ""
        changes = [
            Change(FIELD_LABELS.get(name, name), show(name, value[0], item_id), show(name, value[1], item_id))
            for name, value in details.items()
            if isinstance(value, list) and len(value) == 2 and name in FIELD_LABELS
        ]
        rows.append(
            ActivityRow(
                when=entry.created_at,
                who=who(entry),
                what=ACTION_LABELS.get(entry.action, entry.action),
                subject=subject,
                changes=changes,
                note=str(details.get("file") or ""),
            )
        )
    return rows
