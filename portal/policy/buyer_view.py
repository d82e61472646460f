"""What a buyer may see of a supplier's answers: the one rule the review page, the API, exports and downloads apply.

Answers are the supplier's own until it submits them: before the first submission the buyer sees how far
the supplier is (answered items out of those in scope), never an answer, comment, N/A reason or evidence
file. After a return for clarification the items not reopened keep their submitted answers and stay
shown; the reopened ones are hidden again until the supplier resubmits, since what is stored for them now
is the supplier's unfinished rework, not what it submitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from portal.activity.models import ActivityEntry
from portal.assessments.models import Assessment, AssessmentState

T = TypeVar("T")

#: Entries the supplier's people write while answering: the buyer sees that they happened, not the values.
ANSWERING_ACTIONS = frozenset(
    {
        "answer.saved",
        "evidence.attached",
        "evidence.detached",
        "citation.added",
        "citation.removed",
        # Which of the supplier's earlier answers (to which buyer) was taken is the supplier's own record.
        "suggestion.accepted",
    }
)


def answers_shown(assessment: Assessment) -> bool:
    """Whether the buyer sees any answer at all: only once the supplier has submitted."""
    return assessment.submitted_at is not None


def item_shown(assessment: Assessment, item_id: str) -> bool:
    """Whether the buyer sees the answer and evidence of this item now."""
    if not answers_shown(assessment):
        return False
    return not (assessment.state == AssessmentState.RETURNED and item_id in assessment.reopened_items)


def shown_to_buyer(assessment: Assessment, by_item: Mapping[str, T]) -> dict[str, T]:
    """The entries of ``by_item`` (answers, evidence, … per item id) the buyer may see now."""
    return {item_id: value for item_id, value in by_item.items() if item_shown(assessment, item_id)}


def activity_details(entry: ActivityEntry) -> dict[str, Any]:
    """An activity entry's details as the buyer's log shows them: the item of an answering entry, no values.

    The log keeps every draft the supplier typed; the submitted answers are on the review page.
    """
    details = dict(entry.details or {})
    if entry.action in ANSWERING_ACTIONS:
        return {"item": details["item"]} if "item" in details else {}
    return details
