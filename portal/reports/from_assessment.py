"""From an assessment in the database to the plain data the workbook builders and the offline reader take."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.models import User
from portal.actions.models import CorrectiveAction
from portal.assessments.models import Assessment
from portal.assessments.operations import answers_of, editable_item_ids, questionnaire_for
from portal.assessments.registration import registration_of
from portal.assessments.sheet import load_sheet
from portal.catalog.levels import level_labels
from portal.extensions import db
from portal.reports.data import (
    ChecksheetData,
    ChecksheetRow,
    CorrectiveActionRow,
    EvidenceFile,
    ExpectedAssessment,
    ExpectedItem,
    ScaleChoice,
)
from questionnaires import Questionnaire


def _choices(questionnaire: Questionnaire, item_scale: str) -> tuple[ScaleChoice, ...]:
    scale = questionnaire.scales[item_scale]
    return tuple(ScaleChoice(c.code, c.label.ja, c.label.en, c.value) for c in scale.choices)


def _registration_words(assessment: Assessment, lang: str) -> str | None:
    """ "★3 登録により充足（有効期限 …）", expired or waiting, for an assessment answered by a registration."""
    shown = registration_of(assessment, date.today())
    if shown is None:
        return None
    with force_locale(lang):
        return shown.label


def checksheet_data(assessment: Assessment, *, lang: str, for_supplier: bool) -> ChecksheetData:
    """Everything one checksheet shows; a supplier's copy carries only supplier-visible review comments,
    a buyer's only the answers and evidence the supplier has submitted."""
    sheet = load_sheet(assessment, to_supplier=for_supplier)
    questionnaire = sheet.questionnaire
    sections = {section.id: section.title.get(lang) for section in questionnaire.sections}
    rows = []
    files: dict[str, EvidenceFile] = {}
    # The items in scope; in the supplier's answering copy also the conditional ones it may answer now, whose
    # condition the supplier may still make hold (they are only listed for the supplier while it answers).
    for entry in (e for e in sheet.items if e.visible or e.editable):
        item, answer, review = entry.item, entry.answer, entry.review
        item_files = tuple(EvidenceFile(e.filename, e.size, e.sha256, (item.id,)) for e in entry.evidence)
        for file in item_files:
            known = files.get(file.sha256)
            ids = (known.item_ids if known else ()) + (item.id,)
            files[file.sha256] = EvidenceFile(file.filename, file.size, file.sha256, ids)
        rows.append(
            ChecksheetRow(
                item_id=item.id,
                section_id=item.section_id,
                section_title=sections[item.section_id],
                tier=str(item.tier),
                question=item.text.get(lang),
                choices=_choices(questionnaire, item.scale),
                guidance=item.guidance.get(lang) if item.guidance else "",
                answer_code=answer.code if answer else None,
                comment=answer.comment if answer else None,
                na_reason=answer.na_reason if answer else None,
                evidence_note=answer.evidence_note if answer else None,
                evidence=item_files,
                review_decision=review.decision if review else None,
                review_comment=review.comment if review else None,
                references=dict(item.references),
                critical=bool(entry.critical),
            )
        )
    scores = sheet.scores or {}
    submitter = db.session.get(User, assessment.submitted_by_id) if assessment.submitted_by_id else None
    actions = db.session.scalars(
        sa.select(CorrectiveAction).where(CorrectiveAction.assessment_id == assessment.id).order_by(CorrectiveAction.id)
    )
    campaign = assessment.campaign
    version = campaign.questionnaire_version
    return ChecksheetData(
        assessment_id=assessment.id,
        supplier=assessment.supplier.name,
        buyer=campaign.buyer.name,
        questionnaire_title=questionnaire.title.get(lang),
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        tier=str(assessment.tier),
        rows=tuple(rows),
        content_hash=version.content_hash,
        campaign=campaign.name,
        due_date=campaign.due_date,
        submitted_at=assessment.submitted_at,
        submitted_by=submitter.name if submitter else "",
        state=str(assessment.state),
        outcome_comment=sheet.outcome_comment,
        registration=_registration_words(assessment, lang),
        self_score=scores.get("self"),
        reviewed_score=scores.get("reviewed"),
        pass_threshold=sheet.pass_threshold,
        evidence=tuple(files.values()),
        corrective_actions=tuple(
            CorrectiveActionRow(a.item_id, a.title, a.owner, a.due_date, str(a.state), a.plan, a.closing_comment)
            for a in actions
        ),
        level_names=level_labels(questionnaire, lang),
    )


def expected_assessment(assessment: Assessment) -> ExpectedAssessment:
    """What an uploaded checksheet must match, with the current answers and which items may change."""
    questionnaire = questionnaire_for(assessment)
    answers = answers_of(assessment)
    editable = editable_item_ids(assessment, questionnaire)
    version = assessment.campaign.questionnaire_version
    items = []
    for item in questionnaire.items_for_tier(assessment.tier):
        answer = answers.get(item.id)
        items.append(
            ExpectedItem(
                item_id=item.id,
                questions=(item.text.ja, item.text.en),
                choices=_choices(questionnaire, item.scale),
                answer_code=answer.code if answer else None,
                comment=answer.comment if answer else None,
                na_reason=answer.na_reason if answer else None,
                evidence_note=answer.evidence_note if answer else None,
                editable=item.id in editable,
                version=answer.version if answer else 0,
            )
        )
    return ExpectedAssessment(
        assessment_id=assessment.id,
        questionnaire_key=version.key,
        questionnaire_version=version.version,
        items=tuple(items),
        content_hash=version.content_hash,
    )
