"""Publishing questionnaire definitions into the database."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.catalog.models import QuestionnaireVersion
from portal.errors import Conflict
from portal.extensions import db
from portal.organizations.models import Organization
from questionnaires import Questionnaire, build_questionnaire, load_builtin

logger = logging.getLogger(__name__)


def get_version(key: str, version: str) -> QuestionnaireVersion | None:
    return db.session.scalar(
        sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == key, QuestionnaireVersion.version == version)
    )


def publish(
    questionnaire: Questionnaire, *, origin: str, organization: Organization | None = None
) -> tuple[QuestionnaireVersion, bool]:
    """Store a validated definition; return it and whether it was new.

    ``organization`` is the buyer that imported it and alone may use it; None publishes it to every buyer.
    Publishing the same content again changes nothing. Different content under a published
    key and version is refused: assessments already sent must keep meaning what they meant.
    """
    content_hash = questionnaire.content_hash()
    owner_id = organization.id if organization else None
    existing = get_version(questionnaire.key, questionnaire.version)
    if existing is not None and existing.organization_id != owner_id:
        raise Conflict(
            _l(
                "Questionnaire %(key)s version %(version)s is already published for other organisations: "
                "give this definition another key.",
                key=questionnaire.key,
                version=questionnaire.version,
            )
        )
    if existing is not None:
        if existing.content_hash != content_hash:
            raise Conflict(
                _l(
                    "Questionnaire %(key)s version %(version)s is already published with different content. "
                    "A published version never changes: give the changed definition a new version.",
                    key=questionnaire.key,
                    version=questionnaire.version,
                )
            )
        return existing, False
    counts = questionnaire.counts_by_tier()
    stored = QuestionnaireVersion(
        key=questionnaire.key,
        version=questionnaire.version,
        title_ja=questionnaire.title.ja,
        title_en=questionnaire.title.en,
        scoring_model=str(questionnaire.scoring.model),
        definition=questionnaire.to_dict(),
        content_hash=content_hash,
        item_count=sum(counts.values()),
        tier_counts={str(tier): count for tier, count in counts.items()},
        origin=origin,
        organization_id=owner_id,
    )
    db.session.add(stored)
    db.session.flush()
    logger.info("Questionnaire %s %s published (%s, organisation %s)", stored.key, stored.version, origin, owner_id)
    return stored, True


def load_builtin_questionnaires() -> list[str]:
    """Publish every built-in definition; return one line per definition for the operator."""
    lines = []
    for questionnaire in load_builtin():
        stored, new = publish(questionnaire, origin="builtin")
        state = "loaded" if new else "unchanged"
        lines.append(f"{stored.key} {stored.version}: {stored.item_count} items ({state})")
    return lines


def list_versions() -> list[QuestionnaireVersion]:
    return list(
        db.session.scalars(
            sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
        )
    )


#: Built questionnaires by (version id, content hash); published versions never change, so this never goes stale.
_BUILT: dict[tuple[int, str], Questionnaire] = {}


def questionnaire_of(stored: QuestionnaireVersion) -> Questionnaire:
    """The engine's view of a published version, built once per process."""
    key = (stored.id, stored.content_hash)
    questionnaire = _BUILT.get(key)
    if questionnaire is None:
        questionnaire = build_questionnaire(stored.definition, f"{stored.key}/{stored.version}")
        _BUILT[key] = questionnaire
    return questionnaire


def questionnaire_by_id(version_id: int, content_hash: str) -> Questionnaire:
    """Like ``questionnaire_of``, reading the stored definition only when this process has not built it."""
    questionnaire = _BUILT.get((version_id, content_hash))
    if questionnaire is None:
        questionnaire = questionnaire_of(db.session.get_one(QuestionnaireVersion, version_id))
    return questionnaire
