"""One assessment as one reader may see it: the items of its tier, each with its answer, evidence and review.

The answering page, the review page, the API's assessment and the checksheet exports all read this, so what
a reader may see is decided here, once, by the policy's rules: the buyer's staff see the supplier's answers
and evidence only as ``policy.buyer_view`` allows; the supplier's people see only the review decisions
``policy.supplier_view`` lets through, and no scoring rule (weights, critical items, threshold) or score
when the buyer hides the score from them. Loading takes the same few queries for any number of items.

Scope is decided here too, once: an item whose condition does not hold for the answers (PI-02 while PI-01
is いいえ) is out of scope, whatever answer was stored for it before the condition changed, and no condition
reads that stale answer (``questionnaires.scope``). It is not
listed for the buyer's staff, so no review, export or count reaches it, and the scorer leaves it out by
the same condition (``questionnaires.scoring``). Only the supplier's people, while they may still change
answers, see it listed (``visible`` false), since their answering page shows it the moment its condition
holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.assessments.models import Answer, Assessment
from portal.assessments.operations import answers_of, editable_item_ids, evidence_of, questionnaire_for
from portal.assessments.rules import Progress, is_answered, is_text_item, progress
from portal.evidence.models import Evidence
from portal.policy.buyer_view import answers_shown, item_shown, shown_to_buyer
from portal.policy.supplier_view import ShownReview, shown_outcome_comment, shown_review
from portal.review.operations import decisions_of
from portal.scoring.queries import current_scores
from questionnaires import Item, Questionnaire, Section
from questionnaires.scope import visibility


@dataclass(frozen=True)
class SheetItem:
    """One item of the assessment's tier as the reader may see it."""

    item: Item
    #: Its place among the items of the tier, from 1.
    number: int
    is_text: bool
    #: Whether its condition holds for the answers the reader sees: out of scope when not. Such an item is
    #: only listed for the supplier's people while they answer, and never counted.
    visible: bool
    #: None when there is none or the reader may not see it; ``evidence`` likewise empty.
    answer: Answer | None
    evidence: list[Evidence]
    review: ShownReview | None
    #: The review is the buyer's internal note: only ever true for the buyer's staff, who alone see it.
    review_internal: bool
    #: The buyer sees the other submitted answers, but this reopened item's rework only once resubmitted.
    withheld: bool
    #: The supplier's people may change the answer now; never for the buyer's staff.
    editable: bool
    #: The question or its scale differs from the previous round.
    changed: bool
    #: Scoring rules; None when the reader may not see them.
    weight: float | None
    critical: bool | None

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0

    @property
    def is_answered(self) -> bool:
        # The inbox's and the campaign's counts use the same rule.
        return self.answer is not None and is_answered(self.is_text, self.answer.code, bool(self.answer.comment))


@dataclass(frozen=True)
class SheetSection:
    section: Section
    items: tuple[SheetItem, ...]

    @property
    def answered(self) -> int:
        return sum(1 for entry in self.items if entry.visible and entry.is_answered)

    @property
    def total(self) -> int:
        return sum(1 for entry in self.items if entry.visible)


@dataclass(frozen=True)
class Sheet:
    assessment: Assessment
    questionnaire: Questionnaire
    to_supplier: bool
    items: tuple[SheetItem, ...]
    #: Whether the reader sees answers at all: the buyer's staff only once the supplier has submitted.
    answers_shown: bool
    #: Answered items out of those in scope, over every stored answer: counts, which every reader may see.
    progress: Progress
    #: Whether the reader sees the scoring rules and scores.
    scoring_shown: bool
    pass_threshold: float | None
    #: The current scores as :func:`shown_scores` gives them to the reader.
    scores: dict[str, Any] | None
    #: The comment the reviewer gave with the outcome, when the reader may see it.
    outcome_comment: str | None = None

    @property
    def in_scope(self) -> tuple[SheetItem, ...]:
        """The items whose condition holds: what is reviewed, exported, counted and scored."""
        return tuple(entry for entry in self.items if entry.visible)

    @property
    def sections(self) -> list[SheetSection]:
        """The sections with items in this tier, in questionnaire order."""
        by_section: dict[str, list[SheetItem]] = {}
        for entry in self.items:
            by_section.setdefault(entry.item.section_id, []).append(entry)
        return [
            SheetSection(section, tuple(by_section[section.id]))
            for section in self.questionnaire.sections
            if section.id in by_section
        ]


def scoring_shown(assessment: Assessment, *, to_supplier: bool) -> bool:
    """The buyer's staff always; the supplier's people only when the campaign shows them their score."""
    return not to_supplier or assessment.campaign.show_score_to_supplier


def shown_scores(assessment: Assessment, *, to_supplier: bool) -> dict[str, Any] | None:
    """The current scores as the reader may see them: the supplier's people only their self score (when shown),
    neither the score after review nor a scoring error; None before any submission."""
    if not scoring_shown(assessment, to_supplier=to_supplier):
        return None
    scores = current_scores(assessment)
    if scores is None or not to_supplier:
        return scores
    return {**scores, "reviewed": None, "error": None}


def load_sheet(assessment: Assessment, *, to_supplier: bool) -> Sheet:
    """The assessment as the supplier's people (``to_supplier``) or the buyer's staff may see it."""
    questionnaire = questionnaire_for(assessment)
    stored, evidence = answers_of(assessment), evidence_of(assessment)
    answers = stored
    if not to_supplier:
        answers, evidence = shown_to_buyer(assessment, stored), shown_to_buyer(assessment, evidence)
    decisions = decisions_of(assessment)
    editable = editable_item_ids(assessment, questionnaire) if to_supplier else set()
    codes = {item_id: answer.code for item_id, answer in answers.items()}
    show_scoring = scoring_shown(assessment, to_supplier=to_supplier)
    shown = visibility(questionnaire, assessment.tier, codes)
    items = []
    for number, item in enumerate(questionnaire.items_for_tier(assessment.tier), start=1):
        visible = shown[item.id]
        if not visible and not (to_supplier and editable):
            continue  # out of scope: see the module's docstring
        decision = decisions.get(item.id)
        review = shown_review(decision, to_supplier=to_supplier)
        items.append(
            SheetItem(
                item=item,
                number=number,
                is_text=is_text_item(questionnaire, item),
                visible=visible,
                answer=answers.get(item.id),
                evidence=evidence.get(item.id, []),
                review=review,
                review_internal=review is not None and decision is not None and not decision.visible_to_supplier,
                withheld=not to_supplier and answers_shown(assessment) and not item_shown(assessment, item.id),
                editable=item.id in editable,
                changed=item.id in assessment.changed_items,
                weight=float(item.weight) if show_scoring else None,
                critical=item.critical if show_scoring else None,
            )
        )
    return Sheet(
        assessment=assessment,
        questionnaire=questionnaire,
        to_supplier=to_supplier,
        items=tuple(items),
        answers_shown=to_supplier or answers_shown(assessment),
        progress=_progress(assessment, questionnaire, stored),
        scoring_shown=show_scoring,
        pass_threshold=assessment.campaign.pass_threshold if show_scoring else None,
        scores=shown_scores(assessment, to_supplier=to_supplier),
        outcome_comment=shown_outcome_comment(assessment, to_supplier=to_supplier),
    )


def _progress(assessment: Assessment, questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> Progress:
    # As ``progress_of`` counts it: rows with neither a code nor a comment are as good as none.
    given = {item_id: a for item_id, a in answers.items() if a.code is not None or a.comment is not None}
    codes = {item_id: a.code for item_id, a in given.items()}
    with_text = {item_id for item_id, a in given.items() if a.comment is not None}
    return progress(questionnaire, assessment.tier, codes, with_text)
