"""How an offline import's changes and conflicts read to a person: each item with its question, and answers
as the labels of the page's language, never the codes the portal stores."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from portal.assessments.models import Assessment
from portal.assessments.operations import questionnaire_for
from portal.reports.offline import ImportConflict, Values
from portal.reports.offline_import import Change
from questionnaires import Item, Questionnaire


@dataclass(frozen=True)
class ShownRow:
    """One item: what it holds ``before`` and ``after`` (for a conflict: as saved now, and in the file), with
    answers as labels."""

    item_id: str
    question: str
    before: Values
    after: Values


def change_rows(assessment: Assessment, changes: Iterable[Change], lang: str) -> list[ShownRow]:
    pairs = [
        (
            change.item_id,
            Values(change.old_code, change.old_comment, change.old_na_reason, change.old_evidence_note),
            Values(change.new_code, change.new_comment, change.new_na_reason, change.new_evidence_note),
        )
        for change in changes
    ]
    return _rows(questionnaire_for(assessment), pairs, lang)


def conflict_rows(assessment: Assessment, conflicts: Iterable[ImportConflict], lang: str) -> list[ShownRow]:
    pairs = [(conflict.item_id, conflict.current, conflict.file) for conflict in conflicts]
    return _rows(questionnaire_for(assessment), pairs, lang)


def _rows(questionnaire: Questionnaire, pairs: list[tuple[str, Values, Values]], lang: str) -> list[ShownRow]:
    items = {item.id: item for item in questionnaire.items}

    def shown(item: Item, values: Values) -> Values:
        choice = questionnaire.scale_of(item).choice(values.answer) if values.answer is not None else None
        # A code the scale lacks (a free-text answer) is shown as it is.
        return replace(values, answer=choice.label.get(lang)) if choice is not None else values

    return [
        ShownRow(item_id, items[item_id].text.get(lang), shown(items[item_id], before), shown(items[item_id], after))
        for item_id, before, after in pairs
    ]
