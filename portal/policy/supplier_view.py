"""What a reader may see of a review: the one rule every page, API answer, e-mail and export applies.

A decision the reviewer marked internal (``visible_to_supplier`` false) is the buyer's working note: the
supplier sees neither its comment nor that a decision exists, so not even its code can leak. The reviewer's
name is the buyer's alone: the supplier hears the outcome from the buyer organisation. The outcome comment is
written to the supplier with the outcome, so both sides see it once it is recorded; a remark for the buyer's
staff only belongs in an internal item decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.assessments.models import Assessment, ReviewDecision


@dataclass(frozen=True)
class ShownReview:
    """The part of one item's review a reader sees."""

    decision: str
    comment: str | None


def shown_review(decision: ReviewDecision | None, *, to_supplier: bool) -> ShownReview | None:
    """The review of one item as the supplier's people (``to_supplier``) or the buyer's staff may see it."""
    if decision is None or (to_supplier and not decision.visible_to_supplier):
        return None
    return ShownReview(str(decision.decision), decision.comment)


def shown_outcome_comment(assessment: Assessment, *, to_supplier: bool) -> str | None:
    """The comment recorded with the outcome as the reader may see it: it is addressed to the supplier, so both
    sides see it (every page, e-mail, log and export asks here, so a rule for internal ones would go here)."""
    del to_supplier  # the same for both sides today
    return assessment.outcome_comment or None
