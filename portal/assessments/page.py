"""The answering page's model: the supplier's sheet (``sheet.py``) in the reader's language, with who answered
each item and who has each section, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import Answer, Assessment, AssessmentState, SectionAssignment
from portal.assessments.operations import assignments_of, editable_item_ids, evidence_of, questionnaire_for
from portal.assessments.rules import NA_CODE, Progress, Shortfall, shortfall
from portal.assessments.sheet import SheetItem, load_sheet
from portal.evidence.dates import KIND_LABELS, shortfall_text
from portal.evidence.models import Evidence
from portal.extensions import db
from questionnaires import Item, Questionnaire
from questionnaires.model import EVIDENCE_KINDS, EvidenceRule


@dataclass
class ItemView:
    item: Item
    number: int
    #: Shown only when the buyer shows the supplier its score: a critical item is a scoring rule.
    critical: bool
    text: str
    guidance: str
    choices: list[tuple[str, str]]
    is_text: bool
    answer: Answer | None
    answered_by: str | None
    evidence: list[Evidence]
    editable: bool
    visible: bool
    changed: bool
    #: The reviewer's comment, only when it is meant for the supplier.
    review_comment: str | None
    evidence_rule: str
    #: The answer codes that need evidence (the page's "needs evidence" filter follows each change).
    evidence_codes: list[str]
    #: Reopened by the reviewer's return for clarification: the supplier's to answer again.
    returned: bool
    #: The evidence rule in words, made from the answers it names (「実施している」の場合は必須), as every label.
    evidence_label: str = ""
    #: Why an attached file does not satisfy the rule (expired, too old, wrong kind), by evidence id.
    evidence_problems: dict[int, str] = field(default_factory=dict)
    #: The kinds of document offered at upload: the rule's, else every kind.
    evidence_kinds: list[tuple[str, str]] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0


@dataclass
class SectionView:
    id: str
    title: str
    items: list[ItemView]
    assignee: User | None
    #: Answered items out of those its conditions show.
    answered: int
    total: int


@dataclass
class AnsweringPage:
    sections: list[SectionView]
    #: The supplier's own score once it has submitted, when the buyer shows it.
    scores: dict[str, Any] | None
    #: Answered items out of those in scope (items hidden by a condition count in neither).
    progress: Progress
    #: The comment the reviewer wrote with the outcome, once decided (as the read model lets the supplier see it).
    outcome_comment: str | None = None


def answering_page(assessment: Assessment, lang: str) -> AnsweringPage:
    sheet = load_sheet(assessment, to_supplier=True)
    assignments: dict[str, SectionAssignment] = assignments_of(assessment)
    user_ids = {e.answer.updated_by_id for e in sheet.items if e.answer and e.answer.updated_by_id} | {
        a.user_id for a in assignments.values()
    }
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    returned = set(assessment.reopened_items) if assessment.state == AssessmentState.RETURNED else set()
    sections = []
    for part in sheet.sections:
        assignment = assignments.get(part.section.id)
        sections.append(
            SectionView(
                part.section.id,
                part.section.title.get(lang),
                [_item_view(sheet.questionnaire, entry, users, lang, returned) for entry in part.items],
                users.get(assignment.user_id) if assignment else None,
                part.answered,
                part.total,
            )
        )
    answered = sum(section.answered for section in sections)
    total = sum(section.total for section in sections)
    return AnsweringPage(
        sections, sheet.scores if assessment.submitted_at else None, Progress(answered, total), sheet.outcome_comment
    )


def item_evidence(assessment: Assessment, item_id: str) -> tuple[list[Evidence], bool]:
    """One item's evidence files as the answering page lists them, and whether they may be changed now."""
    editable = item_id in editable_item_ids(assessment, questionnaire_for(assessment))
    return evidence_of(assessment).get(item_id, []), editable


def evidence_shortfalls(rule: EvidenceRule, files: list[Evidence]) -> dict[int, Shortfall]:
    """Why each file that does not satisfy ``rule`` today fails it, by evidence id."""
    today = date.today()
    found = ((file.id, shortfall(rule, file, today)) for file in files)
    return {file_id: problem for file_id, problem in found if problem is not None}


def evidence_problems(rule: EvidenceRule, files: list[Evidence]) -> dict[int, str]:
    """Why each file that does not satisfy ``rule`` today fails it, in the reader's words, by evidence id."""
    return {file_id: shortfall_text(problem) for file_id, problem in evidence_shortfalls(rule, files).items()}


def kinds_offered(rule: EvidenceRule) -> list[tuple[str, str]]:
    """The kinds of document to choose from at upload: those the rule accepts, else every kind."""
    return [(kind, str(KIND_LABELS[kind])) for kind in (rule.kinds or EVIDENCE_KINDS)]


def _item_view(
    questionnaire: Questionnaire, entry: SheetItem, users: dict[int, User], lang: str, returned: set[str]
) -> ItemView:
    item, answer = entry.item, entry.answer
    rule = item.evidence
    scale = questionnaire.scale_of(item)
    choices = scale.choices
    return ItemView(
        item=item,
        number=entry.number,
        critical=bool(entry.critical),
        text=item.text.get(lang),
        guidance=item.guidance.get(lang) if item.guidance else "",
        choices=[(c.code, c.label.get(lang)) for c in choices],
        is_text=entry.is_text,
        answer=answer,
        answered_by=users[answer.updated_by_id].name if answer and answer.updated_by_id in users else None,
        evidence=entry.evidence,
        editable=entry.editable,
        visible=entry.visible,
        changed=entry.changed,
        review_comment=entry.review.comment if entry.review else None,
        evidence_rule=rule.description.get(lang) if rule.description else "",
        evidence_codes=list(rule.required_codes(scale)),
        returned=item.id in returned,
        evidence_label=rule.describe(scale, lang),
        evidence_problems=evidence_problems(rule, entry.evidence),
        evidence_kinds=kinds_offered(rule),
    )


def is_na(code: str | None) -> bool:
    return code == NA_CODE
