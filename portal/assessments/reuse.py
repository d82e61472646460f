"""The supplier's answer library: its submitted answers, offered as suggestions (回答候補) on a new assessment.

The library is not a table of its own: it is every answer in an assessment the supplier organisation has
submitted, to any buyer (one organisation per company, ``Supplier.organization_id``), with the evidence
linked to it. Opening an assessment matches its unanswered items against the library in two queries,
whatever the size of either: the same item (same questionnaire key and item id), the same reference (the
items cite one reference of one scheme, ``Item.references``), or related by the crosswalk (a crosswalk file
maps a reference of one onto one of the other, ``questionnaires.crosswalk``). Nothing is answered until the supplier
accepts a suggestion; accepting goes through ``save_answer`` and ``attach_evidence`` like any other change,
and the activity log records each accept. Only the supplier's own people ever see a suggestion: the buyer
of the new assessment sees an accepted answer like any other, and nothing of one it was not given.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.assessments import lifecycle
from portal.assessments.models import Answer, AnswerEvidence, Assessment
from portal.assessments.operations import (
    KEEP,
    AnswerInput,
    _record_answering,
    answers_of,
    attach_evidence,
    editable_item_ids,
    questionnaire_for,
    save_answer,
)
from portal.assessments.rules import NA_CODE, is_answered, is_text_item
from portal.campaigns.models import Campaign
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_by_id
from portal.errors import Conflict
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier
from questionnaires import Item, Questionnaire
from questionnaires.crosswalk import Crosswalk, load_crosswalk, reference_keys
from questionnaires.scope import visibility


class Match(enum.StrEnum):
    """How close a library entry is to the item, closest first."""

    SAME_ITEM = "same_item"
    SAME_REFERENCE = "same_reference"
    RELATED = "related"


MATCH_LABELS = {
    Match.SAME_ITEM: _l("Same item"),
    Match.SAME_REFERENCE: _l("Same reference"),
    Match.RELATED: _l("Related by the crosswalk"),
}


@dataclass(frozen=True)
class Entry:
    """One submitted answer of the library, with where it came from (the supplier's own records)."""

    assessment_id: int
    questionnaire: Questionnaire
    item: Item
    code: str | None
    comment: str | None
    na_reason: str | None
    evidence_note: str | None
    submitted_at: datetime
    buyer_name: str
    campaign_name: str


@dataclass
class Suggestion:
    item_id: str
    entry: Entry
    match: Match
    #: Why they match: the references both cite ("meti_scs 1-3-1"), or the crosswalk's pairs that relate them
    #: ("iso27001 A.5.1 ↔ meti_scs 1-3-1").
    shared: list[str] = field(default_factory=list)
    #: The entry's evidence files (the organisation's own), attached too on accepting.
    evidence: list[Evidence] = field(default_factory=list)

    def answer_words(self, lang: str) -> str:
        """The earlier answer as its choice's words (never the code); a text item's answer is its comment."""
        if self.entry.code is None:
            return ""
        choice = self.entry.questionnaire.scale_of(self.entry.item).choice(self.entry.code)
        return choice.label.get(lang) if choice else ""


#: Each item's canonical references, worked out once per process: items belong to questionnaires built once
#: (``questionnaire_of``), and a library reads thousands of them on every page. Keyed by identity (an item
#: holds a dict, so it is not hashable); the item is kept with its entry, so its id is never reused.
_REFERENCES: dict[int, tuple[Item, frozenset[tuple[str, str]]]] = {}


def _references(item: Item) -> frozenset[tuple[str, str]]:
    cached = _REFERENCES.get(id(item))
    if cached is None or cached[0] is not item:
        cached = _REFERENCES[id(item)] = (item, reference_keys(item.references))  # "A.5.1" and "A5.1" are one
    return cached[1]


def _fits(entry: Entry, questionnaire: Questionnaire, item: Item) -> bool:
    """Whether the earlier answer can be given to ``item`` as it is: a text for a text item, else a choice
    its scale offers under the same code (the built-in scales share theirs)."""
    if is_text_item(questionnaire, item):
        return is_text_item(entry.questionnaire, entry.item) and bool(entry.comment)
    return entry.code is not None and questionnaire.scale_of(item).choice(entry.code) is not None


def match_items(
    questionnaire: Questionnaire, items: Iterable[Item], entries: Iterable[Entry], crosswalk: Crosswalk | None = None
) -> dict[str, Suggestion]:
    """The closest fitting entry for each item that has one: the same item, else the same reference, else one
    related by the crosswalk; within a kind the newest (``entries`` come newest first)."""
    crosswalk = crosswalk or load_crosswalk()
    by_item: dict[tuple[str, str], Entry] = {}
    by_reference: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        key = (entry.questionnaire.key, entry.item.id)
        if key in by_item:
            continue  # an older answer to the same item: the newest stands for it
        by_item[key] = entry
        for reference in _references(entry.item):
            by_reference.setdefault(reference, []).append(entry)

    def newest(references: Iterable[tuple[str, str]], item: Item) -> Entry | None:
        fitting = [e for ref in references for e in by_reference.get(ref, []) if _fits(e, questionnaire, item)]
        return max(fitting, key=lambda e: e.submitted_at) if fitting else None

    found: dict[str, Suggestion] = {}
    for item in items:
        same = by_item.get((questionnaire.key, item.id))
        if same is not None and _fits(same, questionnaire, item):
            found[item.id] = Suggestion(item.id, same, Match.SAME_ITEM)
            continue
        own = _references(item)
        best = newest(own, item)
        if best is not None:
            shared = sorted(f"{scheme} {ref}" for scheme, ref in own & _references(best.item))
            found[item.id] = Suggestion(item.id, best, Match.SAME_REFERENCE, shared)
            continue
        near = {other: ref for ref in sorted(own) for other in crosswalk.related(ref)}
        best = newest(near, item)
        if best is not None:
            pairs = sorted(f"{near[o][0]} {near[o][1]} ↔ {o[0]} {o[1]}" for o in _references(best.item) if o in near)
            found[item.id] = Suggestion(item.id, best, Match.RELATED, pairs)
    return found


def library_entries(organization_id: int, *, besides: int | None = None) -> list[Entry]:
    """Every answer in the organisation's submitted assessments (to any buyer), newest first, in one query."""
    buyer = sa.orm.aliased(Organization)
    rows = db.session.execute(
        sa.select(
            Answer.assessment_id,
            Answer.item_id,
            Answer.code,
            Answer.comment,
            Answer.na_reason,
            Answer.evidence_note,
            Assessment.submitted_at,
            Campaign.name,
            buyer.name,
            QuestionnaireVersion.id,
            QuestionnaireVersion.content_hash,
        )
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .join(buyer, buyer.id == Campaign.buyer_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Campaign.questionnaire_version_id)
        .where(
            Supplier.organization_id == organization_id,
            Assessment.submitted_at.is_not(None),
            Assessment.id != (besides or 0),
            sa.or_(Answer.code.is_not(None), Answer.comment.is_not(None)),
        )
        .order_by(Assessment.submitted_at.desc(), Answer.id)
    )
    entries = []
    items: dict[int, dict[str, Item]] = {}  # per questionnaire version: a look-up, not a walk, per row
    for assessment_id, item_id, code, comment, na_reason, note, submitted_at, campaign, buyer_name, vid, digest in rows:
        questionnaire = questionnaire_by_id(vid, digest)
        if vid not in items:
            items[vid] = {item.id: item for item in questionnaire.items}
        item = items[vid].get(item_id)
        if item is None or submitted_at is None:  # submitted_at: the query asks for submitted ones only
            continue
        entries.append(
            Entry(
                assessment_id, questionnaire, item, code, comment, na_reason, note, submitted_at, buyer_name, campaign
            )
        )
    return entries


def _evidence_for(suggestions: Iterable[Suggestion], organization_id: int) -> None:
    """Each suggestion's evidence files, in one query; only files of the same organisation."""
    wanted = {(s.entry.assessment_id, s.entry.item.id): s for s in suggestions}
    if not wanted:
        return
    by_entry: dict[tuple[int, str], list[Evidence]] = {}
    rows = db.session.execute(
        sa.select(AnswerEvidence.assessment_id, AnswerEvidence.item_id, Evidence)
        .join(Evidence, Evidence.id == AnswerEvidence.evidence_id)
        .where(
            AnswerEvidence.assessment_id.in_({key[0] for key in wanted}),
            Evidence.organization_id == organization_id,
        )
        .order_by(AnswerEvidence.id)
    )
    for assessment_id, item_id, evidence in rows:
        by_entry.setdefault((assessment_id, item_id), []).append(evidence)
    for key, suggestion in wanted.items():
        suggestion.evidence = by_entry.get(key, [])


@dataclass(frozen=True)
class LibraryView:
    """What the answer library offers the answering page, from one match of the library."""

    #: for the items the supplier may answer now and has not answered yet
    suggestions: dict[str, Suggestion]
    #: for the answered ones whose answer differs from the library's closest entry: the earlier answer
    differing: dict[str, Suggestion]


def suggestions_for(assessment: Assessment) -> dict[str, Suggestion]:
    """The suggestions for the assessment's items the supplier may answer now and has not answered yet."""
    return library_view(assessment).suggestions


def library_view(assessment: Assessment) -> LibraryView:
    """The suggestions, and the answered items that differ from the library: one query of the library, whatever
    the number of items."""
    questionnaire = questionnaire_for(assessment)
    editable = editable_item_ids(assessment, questionnaire)
    if not editable:
        return LibraryView({}, {})
    answers = answers_of(assessment)

    def unanswered(item: Item) -> bool:
        answer = answers.get(item.id)
        if answer is None:
            return True
        return not is_answered(is_text_item(questionnaire, item), answer.code, bool(answer.comment))

    organization_id = assessment.supplier.organization_id
    mine = [i for i in questionnaire.items_for_tier(assessment.tier) if i.id in editable]
    if not mine:
        return LibraryView({}, {})
    matched = match_items(questionnaire, mine, library_entries(organization_id, besides=assessment.id))
    target = {item.id: item for item in mine}
    found = {i: s for i, s in matched.items() if unanswered(target[i])}
    differing = {
        i: s for i, s in matched.items() if i not in found and _differs(questionnaire, target[i], answers[i], s.entry)
    }
    # Only items in scope once the suggestions are taken: accepting all never answers an item a condition hides.
    codes = {item_id: answer.code for item_id, answer in answers.items()}
    codes.update({i: s.entry.code for i, s in found.items() if not is_text_item(questionnaire, target[i])})
    shown = visibility(questionnaire, assessment.tier, codes)
    found = {item_id: suggestion for item_id, suggestion in found.items() if shown[item_id]}
    _evidence_for(found.values(), organization_id)
    return LibraryView(found, differing)


def _differs(questionnaire: Questionnaire, item: Item, answer: Answer, entry: Entry) -> bool:
    """Whether the answer given differs from the library's: its text for a text item, else its choice."""
    if is_text_item(questionnaire, item):
        return (answer.comment or "").strip() != (entry.comment or "").strip()
    return answer.code != entry.code


def accept_suggestions(assessment: Assessment, item_ids: Iterable[str], *, by: User) -> list[str]:
    """Give each of ``item_ids`` its suggestion's answer and evidence, as saving would; returns the items answered.

    The suggestions are worked out again here, so an item answered meanwhile (by a colleague, in another
    window) is left as it is. Refuses when none of the items has a suggestion any more.
    """
    lifecycle.lock_open(assessment)
    suggestions = suggestions_for(assessment)
    wanted = [item_id for item_id in dict.fromkeys(item_ids) if item_id in suggestions]
    if not wanted:
        raise Conflict(_l("There is no suggestion to accept for these items any more."))
    questionnaire = questionnaire_for(assessment)
    answers = answers_of(assessment)
    for item_id in wanted:
        suggestion = suggestions[item_id]
        entry, item = suggestion.entry, questionnaire.item(item_id)
        code = None if is_text_item(questionnaire, item) else entry.code
        note = entry.evidence_note if item.evidence.required_codes(questionnaire.scale_of(item)) else KEEP
        current = answers.get(item_id)
        save_answer(
            assessment,
            AnswerInput(
                item_id,
                code,
                entry.comment,
                entry.na_reason if code == NA_CODE else None,
                current.version if current else 0,
                note,
            ),
            by=by,
        )
        for evidence in suggestion.evidence:
            attach_evidence(assessment, item_id, evidence, by=by)
        _record_answering(
            "suggestion.accepted",
            assessment,
            by=by,
            item=item_id,
            match=str(suggestion.match),
            source_assessment=entry.assessment_id,
            source_item=entry.item.id,
        )
    return wanted
