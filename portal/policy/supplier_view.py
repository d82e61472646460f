"""What a reader may see of a review: the one rule every page, API answer, e-mail and export applies.

A decision the reviewer marked internal (``visible_to_supplier`` false) is the buyer's working note: the
supplier sees neither its comment nor that a decision exists, so not even its code can leak. The outcome
comment and the reviewer's name are the buyer's alone: what a supplier is shown carries neither, and the
supplier hears the outcome from the buyer organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.assessments.models import ReviewDecision


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
