"""What the questionnaire says about one assessment: its items, what is in scope, what is missing.

Pure functions over the engine's Questionnaire and the stored answers; no database access.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from portal.catalog.changes import compare
from questionnaires import Item, Questionnaire
from questionnaires.model import EvidenceRule
from questionnaires.scope import visibility

NA_CODE = "na"


@dataclass(frozen=True)
class AnswerState:
    code: str | None
    comment: str | None
    na_reason: str | None
    evidence_count: int
    #: An explanation written instead of an evidence file: enough to submit (the score still lacks evidence).
    evidence_note: str | None = None


@dataclass(frozen=True)
class Missing:
    item_id: str
    #: ``unanswered``, ``na_reason`` or ``evidence``
    reason: str


def is_text_item(questionnaire: Questionnaire, item: Item) -> bool:
    return questionnaire.scale_of(item).kind == "text"


def in_scope(questionnaire: Questionnaire, tier: str, codes: Mapping[str, str | None]) -> list[Item]:
    """Items at or below ``tier`` whose visibility condition holds for the answers given so far (answers of
    items out of scope are not read: ``questionnaires.scope``)."""
    shown = visibility(questionnaire, tier, codes)
    return [item for item in questionnaire.items_for_tier(tier) if shown[item.id]]


def gating_item_ids(questionnaire: Questionnaire) -> frozenset[str]:
    """Items whose answer another item's condition reads: saving one can show or hide others."""
    return frozenset(ref for item in questionnaire.items if item.condition for ref in item.condition.item_ids())


def conditional_visibility(questionnaire: Questionnaire, tier: str, codes: Mapping[str, str | None]) -> dict[str, bool]:
    """Whether each item at or below ``tier`` that has a condition is shown now (the same test as :func:`in_scope`)."""
    shown = visibility(questionnaire, tier, codes)
    return {item.id: shown[item.id] for item in questionnaire.items_for_tier(tier) if item.condition}


def is_answered(is_text: bool, code: str | None, has_text: bool) -> bool:
    """A text item needs its text; any other item a chosen answer (a comment alone is not an answer)."""
    return has_text if is_text else code is not None


@dataclass(frozen=True)
class Progress:
    """Answered items out of those in scope: items hidden by a condition count in neither."""

    answered: int
    total: int


def progress(
    questionnaire: Questionnaire, tier: str, codes: Mapping[str, str | None], with_text: Collection[str]
) -> Progress:
    """How far an assessment is: ``codes`` are the answers' codes, ``with_text`` the items with a comment.

    Answers to items hidden by a condition are kept (they count again once shown), but not counted now.
    """
    items = in_scope(questionnaire, tier, codes)
    answered = sum(
        1 for item in items if is_answered(is_text_item(questionnaire, item), codes.get(item.id), item.id in with_text)
    )
    return Progress(answered, len(items))


def missing_for_submit(questionnaire: Questionnaire, tier: str, answers: Mapping[str, AnswerState]) -> list[Missing]:
    """Everything that stops a submission, in questionnaire order."""
    codes = {item_id: state.code for item_id, state in answers.items()}
    missing = []
    for item in in_scope(questionnaire, tier, codes):
        state = answers.get(item.id)
        if is_text_item(questionnaire, item):
            if item.required and not (state and (state.comment or "").strip()):
                missing.append(Missing(item.id, "unanswered"))
            continue
        if state is None or state.code is None:
            if item.required:
                missing.append(Missing(item.id, "unanswered"))
            continue
        if state.code == NA_CODE and not (state.na_reason or "").strip():
            missing.append(Missing(item.id, "na_reason"))
        choice = questionnaire.scale_of(item).choice(state.code)
        if item.evidence.is_required_for(choice) and state.evidence_count == 0 and not state.evidence_note:
            missing.append(Missing(item.id, "evidence"))
    return missing


class DatedFile(Protocol):
    """What the evidence rule reads of a file (``portal.evidence.models.Evidence``)."""

    @property
    def document_date(self) -> date | None: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def kind(self) -> str | None: ...
    @property
    def uploaded_at(self) -> datetime: ...


@dataclass(frozen=True)
class Shortfall:
    """Why a file does not satisfy an item's evidence rule."""

    #: ``expired`` (past its valid-until date), ``too_old`` (older than ``max_age_days``) or ``wrong_kind``
    reason: str
    age_days: int = 0
    max_age_days: int = 0
    valid_until: date | None = None
    kinds: tuple[str, ...] = ()


def shortfall(rule: EvidenceRule, file: DatedFile, today: date) -> Shortfall | None:
    """Whether ``file`` fails ``rule`` on ``today``: expired, older than the rule allows (its document date,
    else its upload date), or of a kind the rule does not name; None when it satisfies it.

    A file whose kind nobody gave (uploaded before kinds were asked, or left blank) is not refused for its
    kind: the upload offers only the rule's kinds, so a kind is known wrong only when someone chose it.
    """
    if file.valid_until is not None and file.valid_until < today:
        return Shortfall("expired", valid_until=file.valid_until)
    if rule.max_age_days is not None:
        age = (today - (file.document_date or file.uploaded_at.date())).days
        if age > rule.max_age_days:
            return Shortfall("too_old", age_days=age, max_age_days=rule.max_age_days)
    if rule.kinds and file.kind is not None and file.kind not in rule.kinds:
        return Shortfall("wrong_kind", kinds=rule.kinds)
    return None


def satisfying(rule: EvidenceRule, files: Iterable[DatedFile], today: date) -> int:
    """How many of ``files`` satisfy ``rule`` on ``today``: what the check for submission counts."""
    return sum(1 for file in files if shortfall(rule, file, today) is None)


def changed_item_ids(old: Questionnaire | None, new: Questionnaire, ids: Iterable[str]) -> list[str]:
    """Items whose question or answer scale differs from the previous round (new items included): what the
    version page shows as asked differently (``portal.catalog.changes``, the one notion of change)."""
    if old is None:
        return []
    marked = compare(old, new).marked_ids()
    return [item_id for item_id in ids if item_id in marked]
