"""Who may read which questionnaire versions, and how much of one a supplier sees.

A buyer uses the built-in versions (no owner) and those it imported itself; another buyer's import is
as good as absent, so a wrong id or key reads "not found" rather than "not yours". A supplier reads
only the versions it has been sent, and their scoring rules (weights, critical items, choice values,
result bands) only when one of those campaigns shows it its score.
"""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from portal.assessments.models import Assessment
from portal.campaigns.models import Campaign, CampaignState
from portal.catalog.models import QuestionnaireDraft, QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier


def _usable_by(buyer: Organization) -> sa.ColumnElement[bool]:
    return sa.or_(QuestionnaireVersion.organization_id.is_(None), QuestionnaireVersion.organization_id == buyer.id)


def buyer_versions(buyer: Organization) -> sa.Select[QuestionnaireVersion]:
    """The versions ``buyer`` may send or audit with, in catalogue order."""
    return (
        sa.select(QuestionnaireVersion)
        .where(_usable_by(buyer))
        .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
    )


def list_buyer_versions(buyer: Organization) -> list[QuestionnaireVersion]:
    return list(db.session.scalars(buyer_versions(buyer)))


def get_buyer_version(buyer: Organization, version_id: int) -> QuestionnaireVersion | None:
    return db.session.scalar(
        sa.select(QuestionnaireVersion).where(QuestionnaireVersion.id == version_id, _usable_by(buyer))
    )


def find_buyer_version(buyer: Organization, key: str, version: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == key, QuestionnaireVersion.version == version, _usable_by(buyer)
        )
    )


def latest_buyer_version(buyer: Organization, key: str) -> QuestionnaireVersion | None:
    """The newest version of ``key`` the buyer may use (for the next round of a campaign)."""
    return db.session.scalar(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.key == key, _usable_by(buyer))
        .order_by(QuestionnaireVersion.published_at.desc(), QuestionnaireVersion.id.desc())
        .limit(1)
    )


def list_buyer_versions_of(buyer: Organization, key: str) -> list[QuestionnaireVersion]:
    """The versions of ``key`` the buyer may use, oldest first (in the order they were published)."""
    return list(
        db.session.scalars(
            sa.select(QuestionnaireVersion)
            .where(QuestionnaireVersion.key == key, _usable_by(buyer))
            .order_by(QuestionnaireVersion.published_at, QuestionnaireVersion.id)
        )
    )


def previous_buyer_version(buyer: Organization, version: QuestionnaireVersion) -> QuestionnaireVersion | None:
    """The version of the same key the buyer may use that was published just before ``version``."""
    versions = list_buyer_versions_of(buyer, version.key)
    index = next((n for n, v in enumerate(versions) if v.id == version.id), 0)
    return versions[index - 1] if index > 0 else None


def get_buyer_draft(buyer: Organization, draft_id: int) -> QuestionnaireDraft | None:
    """One of the buyer's own drafts; another buyer's is as good as absent."""
    return db.session.scalar(
        sa.select(QuestionnaireDraft).where(
            QuestionnaireDraft.id == draft_id, QuestionnaireDraft.organization_id == buyer.id
        )
    )


def list_buyer_drafts(buyer: Organization) -> list[QuestionnaireDraft]:
    return list(
        db.session.scalars(
            sa.select(QuestionnaireDraft)
            .where(QuestionnaireDraft.organization_id == buyer.id)
            .order_by(QuestionnaireDraft.key)
        )
    )


def _sent_to(supplier_organization: Organization) -> sa.Select[int, bool]:
    """(version id, score shown) of every campaign that has sent the organisation an assessment."""
    return (
        sa.select(Campaign.questionnaire_version_id, Campaign.show_score_to_supplier)
        .join(Assessment, Assessment.campaign_id == Campaign.id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .where(Supplier.organization_id == supplier_organization.id, Campaign.state != CampaignState.DRAFT)
    )


def supplier_versions(supplier_organization: Organization) -> sa.Select[QuestionnaireVersion]:
    """The versions the supplier organisation has been sent, in catalogue order."""
    sent = _sent_to(supplier_organization).with_only_columns(Campaign.questionnaire_version_id)
    return (
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.id.in_(sent))
        .order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
    )


def supplier_sees_scoring(supplier_organization: Organization, version: QuestionnaireVersion) -> bool | None:
    """Whether the supplier may see the version's scoring rules; None when it was never sent the version."""
    shown = db.session.scalars(
        _sent_to(supplier_organization)
        .where(Campaign.questionnaire_version_id == version.id)
        .with_only_columns(Campaign.show_score_to_supplier)
    ).all()
    return any(shown) if shown else None


def without_scoring(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition without what scores it: item weights and critical flags, choice values, result bands."""
    stripped = copy.deepcopy(definition)
    stripped["scoring"] = {"model": stripped.get("scoring", {}).get("model")}
    for scale in stripped.get("scales", {}).values():
        for choice in scale.get("choices", []):
            choice.pop("value", None)
    for section in stripped.get("sections", []):
        for item in section.get("items", []):
            item.pop("weight", None)
            item.pop("critical", None)
    return stripped
