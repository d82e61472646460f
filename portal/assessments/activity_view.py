"""The activity log of one assessment, made readable for either side: labels instead of codes, old → new.

One wording for the supplier's page and the buyer's (the review's activity page): every kind of entry written
on an assessment has a label here, every value it carries is shown as its label (an answer's choice, a state,
a decision, a person), and the details the reader may not see are left out: the buyer sees that the supplier
answered, not the values (``policy.buyer_view.activity_details``); the supplier sees its own entries, the
returns for clarification, the outcome and a withdrawal, never the buyer's internal review.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.assessments.models import Assessment, AssessmentState, Decision
from portal.assessments.operations import questionnaire_for
from portal.campaigns.forms import ASSESSMENT_STATE_LABELS
from portal.extensions import db
from portal.policy.buyer_view import activity_details
from portal.policy.supplier_view import shown_outcome_comment

ACTION_LABELS = {
    "answer.saved": _l("Answer saved"),
    "suggestion.accepted": _l("Suggestion accepted from the answer library"),
    "evidence.attached": _l("Evidence attached"),
    "evidence.detached": _l("Evidence removed"),
    "citation.added": _l("Subcontractor's assessment cited"),
    "citation.removed": _l("Citation of a subcontractor's assessment removed"),
    "section.assigned": _l("Section assigned"),
    "assessment.ready": _l("Told the owner the answers are ready"),
    "assessment.submitted": _l("Submitted"),
    "assessment.returned": _l("Returned for clarification"),
    "review.decided": _l("Item reviewed"),
    "assessment.decided": _l("Outcome recorded"),
    "assessment.withdrawn": _l("Withdrawn"),
    "registration.chosen": _l("Answered by METI SCS registration"),
    "registration.withdrawn": _l("Answer by registration withdrawn"),
    "registration.accepted": _l("Registration verified and accepted"),
    "registration.returned": _l("Registration returned"),
}

#: Entries the buyer's staff made that the supplier's log shows too: under the buyer organisation's name.
BY_THE_BUYER = frozenset(
    {
        "assessment.returned",
        "assessment.decided",
        "assessment.withdrawn",
        "registration.accepted",
        "registration.returned",
    }
)

FIELD_LABELS = {
    "code": _l("Answer"),
    "comment": _l("Comment"),
    "na_reason": _l("N/A reason"),
    "evidence_note": _l("Explanation instead of evidence"),
    "state": _l("State"),
    "user": _l("Assigned to"),
    "decision": _l("Review decision"),
}

DECISION_LABELS = {
    Decision.ACCEPTED: _l("Conforming"),
    Decision.CLARIFICATION: _l("Clarification"),
    Decision.NONCONFORMING: _l("Nonconforming"),
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
    notes: list[str] = field(default_factory=list)


def supplier_activity(assessment: Assessment, lang: str) -> list[ActivityRow]:
    """The supplier's log: its own entries (filed under its organisation), and the buyer's returns for
    clarification, outcome and withdrawal; the buyer's internal review is not here."""
    return activity_rows(assessment, lang, to_supplier=True)


def buyer_activity(assessment: Assessment, lang: str) -> list[ActivityRow]:
    """The buyer's log: every entry of the assessment, the supplier's answering without the values typed."""
    return activity_rows(assessment, lang, to_supplier=False)


def _entries(assessment: Assessment, *, to_supplier: bool) -> list[ActivityEntry]:
    query = sa.select(ActivityEntry).where(
        ActivityEntry.subject_type == "assessment", ActivityEntry.subject_id == assessment.id
    )
    if to_supplier:
        query = query.where(
            sa.or_(
                ActivityEntry.organization_id == assessment.supplier.organization_id,
                ActivityEntry.action.in_(BY_THE_BUYER),
            )
        )
    return list(db.session.scalars(query.order_by(ActivityEntry.id.desc())))


def _names(entries: list[ActivityEntry], details: Mapping[int, Mapping[str, Any]]) -> dict[int, str]:
    user_ids = {e.actor_id for e in entries if e.actor_id}
    for shown in details.values():
        user_ids |= {u for u in shown.get("user") or [] if isinstance(u, int)}
    if not user_ids:
        return {}
    return {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}


def activity_rows(assessment: Assessment, lang: str, *, to_supplier: bool) -> list[ActivityRow]:
    """The entries of the assessment the reader may see, newest first, each in words in ``lang``."""
    entries = _entries(assessment, to_supplier=to_supplier)
    details = {e.id: (dict(e.details or {}) if to_supplier else activity_details(e)) for e in entries}
    names = _names(entries, details)
    questionnaire = questionnaire_for(assessment)
    items = {item.id: item for item in questionnaire.items}
    sections = {section.id: section.title.get(lang) for section in questionnaire.sections}

    def who(entry: ActivityEntry) -> str:
        if to_supplier and entry.action in BY_THE_BUYER:
            return str(assessment.campaign.buyer.name)
        return names.get(entry.actor_id, "—") if entry.actor_id else "—"

    def describe(item_id: str) -> str:
        return f"{item_id} {items[item_id].text.get(lang)}" if item_id in items else item_id

    def label(name: str, value: Any, item_id: str | None) -> str:
        if value is None or value == "":
            return "—"
        if name == "code" and item_id in items:
            choice = questionnaire.scale_of(items[item_id]).choice(value)
            return choice.label.get(lang) if choice else "—"
        shown = _VALUE_LABELS.get(name)
        if shown is not None:
            return shown(value, names)
        return str(value)

    rows = []
    for entry in entries:
        shown = details[entry.id]
        item_id = shown.get("item")
        if item_id in items:
            subject = describe(item_id)
        elif shown.get("section") in sections:
            subject = sections[shown["section"]]
        elif isinstance(shown.get("items"), list):  # the items a return for clarification reopened
            subject = " / ".join(describe(str(i)) for i in shown["items"])
        else:
            subject = ""
        changes = [
            Change(FIELD_LABELS[name], label(name, value[0], item_id), label(name, value[1], item_id))
            for name, value in shown.items()
            if isinstance(value, list) and len(value) == 2 and name in FIELD_LABELS
        ]
        rows.append(
            ActivityRow(
                when=entry.created_at,
                who=who(entry),
                what=ACTION_LABELS.get(entry.action, _l("Other change")),
                subject=subject,
                changes=changes,
                notes=_notes(entry.action, shown, assessment, to_supplier=to_supplier),
            )
        )
    return rows


def _state_label(value: Any, names: Mapping[int, str]) -> str:
    if value in AssessmentState.__members__.values():
        return str(ASSESSMENT_STATE_LABELS[AssessmentState(value)])
    return "—"


def _decision_label(value: Any, names: Mapping[int, str]) -> str:
    if value in Decision.__members__.values():
        return str(DECISION_LABELS[Decision(value)])
    return "—"


def _user_label(value: Any, names: Mapping[int, str]) -> str:
    return names.get(value, "—") if isinstance(value, int) else "—"


_VALUE_LABELS: dict[str, Callable[[Any, Mapping[int, str]], str]] = {
    "state": _state_label,
    "decision": _decision_label,
    "user": _user_label,
}


def _notes(action: str, details: Mapping[str, Any], assessment: Assessment, *, to_supplier: bool) -> list[str]:
    """What else the entry says, in words: the file, the reason, the corrective actions, the outcome comment."""
    notes = []
    if details.get("file"):
        notes.append(str(details["file"]))
    if action.startswith("registration.") and details.get("level"):
        notes.append(
            str(_l("SCS ★%(level)s registration %(number)s", level=details["level"], number=details.get("number")))
        )
        if details.get("comment"):
            notes.append(str(details["comment"]))
    if action == "assessment.withdrawn" and details.get("reason"):
        notes.append(str(_l("Reason: %(reason)s", reason=details["reason"])))
    if action == "assessment.decided":
        raised = details.get("corrective_actions")
        if isinstance(raised, list) and raised:
            notes.append(
                str(lazy_ngettext("%(num)d corrective action raised", "%(num)d corrective actions raised", len(raised)))
            )
        comment = shown_outcome_comment(assessment, to_supplier=to_supplier)
        if comment:
            notes.append(comment)
    return notes
