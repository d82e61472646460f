"""From an audit in the database to the plain data of the audit report workbook."""

from __future__ import annotations

from portal.actions.models import CorrectiveAction
from portal.assessments.operations import answers_of, evidence_of
from portal.audits.models import Audit
from portal.audits.operations import actions_of, audit_items, findings_of, photos_of, results_of
from portal.catalog.operations import questionnaire_of
from portal.evidence.operations import KIND as EVIDENCE
from portal.extensions import db
from portal.organizations.models import Organization
from portal.policy.buyer_view import shown_to_buyer
from portal.reports.audit_report import (
    AuditReportData,
    AuditReportFinding,
    AuditReportItem,
    AuditReportPhoto,
    thumbnail,
)
from portal.scoring.queries import current_scores
from portal.storage import current_storage


def _stored(sha256: str) -> bytes | None:
    """A photo's thumbnail (small JPEG bytes), made as it is read so that only one photo at a time is in memory;
    None when the file is no longer in storage or is no image Pillow reads."""
    storage = current_storage()
    if not storage.exists(EVIDENCE, sha256):
        return None
    with storage.open(EVIDENCE, sha256) as handle:
        small = thumbnail(handle.read())
    return small.jpeg if small is not None else None


def _rate(result: object) -> float | None:
    value = result.get("overall") if isinstance(result, dict) else None
    return float(value) if isinstance(value, int | float) else None


def audit_report_data(audit: Audit, *, lang: str) -> AuditReportData:
    questionnaire = questionnaire_of(audit.questionnaire_version)
    sections = {s.id: s.title.get(lang) for s in questionnaire.sections}
    labels = {c.code: c.label.get(lang) for scale in questionnaire.scales.values() for c in scale.choices}
    reference = audit.reference_assessment
    # The reference may have been returned for clarification since the audit was planned.
    answers = shown_to_buyer(reference, answers_of(reference)) if reference is not None else {}
    evidence = shown_to_buyer(reference, evidence_of(reference)) if reference is not None else {}
    results = results_of(audit)
    photos = photos_of(audit)
    items = []
    for item in audit_items(audit):
        answer = answers.get(item.id)
        row = results.get(item.id)
        items.append(
            AuditReportItem(
                item_id=item.id,
                section_title=sections[item.section_id],
                question=item.text.get(lang),
                supplier_code_label=labels.get(answer.code, answer.code) if answer and answer.code else None,
                supplier_comment=answer.comment if answer else None,
                evidence_files=tuple(e.filename for e in evidence.get(item.id, [])),
                result=str(row.result) if row and row.result else None,
                note=row.note if row else None,
                photos=tuple(p.evidence.filename for p in photos if p.item_id == item.id),
            )
        )
    actions: dict[int, CorrectiveAction] = {a.id: a for a in actions_of(audit)}
    findings = []
    for finding in findings_of(audit):
        action = actions.get(finding.corrective_action_id or 0)
        findings.append(
            AuditReportFinding(
                item_id=finding.item_id,
                severity=str(finding.severity),
                description=finding.description,
                action_title=action.title if action else None,
                action_owner=action.owner if action else None,
                action_due=action.due_date if action else None,
                action_state=str(action.state) if action else None,
                action_plan=action.plan if action else None,
                closing_comment=action.closing_comment if action else None,
            )
        )
    scores = current_scores(reference) if reference is not None else None
    buyer = db.session.get(Organization, audit.buyer_id)
    version = audit.questionnaire_version
    return AuditReportData(
        buyer=buyer.name if buyer else "",
        supplier=audit.supplier.name,
        questionnaire=f"{version.title_ja if lang == 'ja' else version.title_en} ({version.key} {version.version})",
        tier=str(audit.tier),
        mode=str(audit.mode),
        planned_date=audit.planned_date,
        state=str(audit.state),
        participants=audit.participants,
        closed_at=audit.closed_at,
        summary=audit.summary,
        items=tuple(items),
        findings=tuple(findings),
        photos=tuple(
            AuditReportPhoto(
                item_id=p.item_id,
                filename=p.evidence.filename,
                size=p.evidence.size,
                sha256=p.evidence.sha256,
                content=_stored(p.evidence.sha256),
            )
            for p in photos
        ),
        self_rate=_rate(scores["self"]) if scores else None,
        reviewed_rate=_rate(scores["reviewed"]) if scores else None,
    )
