"""What a buyer sees of its supplier's own subcontractors (再委託先): the one sharing rule for citations and the chain.

Each relationship carries the sharing its supplier allows upward (``Supplier.sharing``): nothing, the
names and grades of its subcontractors, or their full results. Along a chain the most restrictive setting on
the path wins (``narrowest``). A buyer never gets a link into a subcontractor's assessment, whatever the
setting: it sees the facts below, never the answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from portal.assessments.models import AssessmentState
from portal.suppliers.models import Sharing

#: Most restrictive first.
_ORDER = (Sharing.NOTHING, Sharing.NAMES_AND_GRADES, Sharing.FULL)


def narrowest(sharings: Iterable[Sharing]) -> Sharing:
    """The most restrictive of the settings on a path (FULL when there are none: nothing restricts)."""
    return min(sharings, key=_ORDER.index, default=Sharing.FULL)


def shows_names_and_grades(sharing: Sharing) -> bool:
    return sharing != Sharing.NOTHING


def shows_results(sharing: Sharing) -> bool:
    """Whether the state, dates and open actions are shown too (the full results)."""
    return sharing == Sharing.FULL


@dataclass(frozen=True)
class SubAssessmentFacts:
    """A subcontractor's assessment as far as a buyer may ever see it; None where the setting hides a fact."""

    name: str | None
    grade: str | None
    state: AssessmentState | None
    submitted_at: datetime | None

    @property
    def hidden(self) -> bool:
        """Nothing but the fact that there is one (shown as 委託先の評価（非公開）)."""
        return self.name is None


def shown_sub_assessment(sharing: Sharing, facts: SubAssessmentFacts) -> SubAssessmentFacts:
    """``facts`` as a buyer sees them through a relationship with ``sharing``: NOTHING hides everything,
    NAMES_AND_GRADES shows the name and grade, FULL also the state and submission date."""
    if not shows_names_and_grades(sharing):
        return SubAssessmentFacts(None, None, None, None)
    if not shows_results(sharing):
        return SubAssessmentFacts(facts.name, facts.grade, None, None)
    return facts


# The chain view (portal/suppliers/chain.py): each company below a buyer's supplier, level by level ----------


def shown_below(seen: Sharing, sharing: Sharing) -> Sharing:
    """What a buyer sees of the subcontractors of a company it sees at ``seen`` (FULL: its own supplier), whose
    relationship to its own buyer shares ``sharing``: the narrower of the two, so the narrowest on the path."""
    return narrowest((seen, sharing))


@dataclass(frozen=True)
class ChainFacts:
    """A company in the chain as far as a buyer may see it; None where the setting hides a fact."""

    grade: str | None
    state: AssessmentState | None
    due_date: date | None
    open_actions: int | None


def shown_in_chain(seen: Sharing, facts: ChainFacts) -> ChainFacts:
    """``facts`` of a company the buyer sees at ``seen``: the grade with NAMES_AND_GRADES (its name is shown
    by being listed), also the state, due date and open corrective actions with FULL."""
    if not shows_names_and_grades(seen):
        return ChainFacts(None, None, None, None)
    if not shows_results(seen):
        return ChainFacts(facts.grade, None, None, None)
    return facts
