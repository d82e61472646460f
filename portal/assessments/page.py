"""The answering page's model: every item with its answer, evidence and state, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.accounts.models import User
from portal.assessments.models import Answer, Assessment, SectionAssignment
from portal.assessments.operations import answers_of, assignments_of, editable_item_ids, evidence_of, questionnaire_for
from portal.assessments.rules import NA_CODE, is_answered, is_text_item
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.policy.supplier_view import shown_review
from portal.review.operations import decisions_of
from questionnaires import Item


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

    @property
    def version(self) -> int:
        return self.answer.version if self.answer else 0

    @property
    def is_answered(self) -> bool:
        # The inbox's and the campaign's counts use the same rule.
        return self.answer is not None and is_answered(self.is_text, self.answer.code, bool(self.answer.comment))


@dataclass
class SectionView:
    id: str
    title: str
    items: list[ItemView] = field(default_factory=list)
    assignee: User | None = None

    @property
    def answered(self) -> int:
        return sum(1 for view in self.items if view.visible and view.is_answered)

    @property
    def total(self) -> int:
        return sum(1 for view in self.items if view.visible)


def answering_page(assessment: Assessment, lang: str) -> list[SectionView]:
    questionnaire = questionnaire_for(assessment)
    answers = answers_of(assessment)
    evidence = evidence_of(assessment)
    decisions = decisions_of(assessment)
    assignments: dict[str, SectionAssignment] = assignments_of(assessment)
    user_ids = {a.updated_by_id for a in answers.values() if a.updated_by_id} | {
        a.user_id for a in assignments.values()
    }
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    editable = editable_item_ids(assessment, questionnaire)
    codes = {item_id: answer.code for item_id, answer in answers.items()}
    sections = {s.id: SectionView(s.id, s.title.get(lang)) for s in questionnaire.sections}
    show_scoring = assessment.campaign.show_score_to_supplier
    for number, item in enumerate(questionnaire.items_for_tier(assessment.tier), start=1):
        answer = answers.get(item.id)
        review = shown_review(decisions.get(item.id), to_supplier=True)
        scale = questionnaire.scale_of(item)
        rule = item.evidence
        sections[item.section_id].items.append(
            ItemView(
                item=item,
                number=number,
                critical=item.critical and show_scoring,
                text=item.text.get(lang),
                guidance=item.guidance.get(lang) if item.guidance else "",
                choices=[(c.code, c.label.get(lang)) for c in scale.choices],
                is_text=is_text_item(questionnaire, item),
                answer=answer,
                answered_by=users[answer.updated_by_id].name if answer and answer.updated_by_id in users else None,
                evidence=evidence.get(item.id, []),
                editable=item.id in editable,
                visible=item.is_visible(codes),
                changed=item.id in assessment.changed_items,
                review_comment=review.comment if review else None,
                evidence_rule=rule.description.get(lang) if rule.description else "",
            )
        )
    for section_id, assignment in assignments.items():
        if section_id in sections:
            sections[section_id].assignee = users.get(assignment.user_id)
    return [s for s in sections.values() if s.items]


def is_na(code: str | None) -> bool:
    return code == NA_CODE
