"""The demo of a questionnaire's versions (issue 22): the first buyer's own checksheet gets a second version
made in the editor's way (a draft, two items changed, published), so 質問票 → its versions → 変更点 shows what
changed and the next round marks the reworded question for the suppliers."""

from __future__ import annotations

import logging
from dataclasses import replace

import sqlalchemy as sa

from portal.accounts.models import User
from portal.catalog.drafts import draft_questionnaire, edit_item, edit_of, publish_draft, start_draft
from portal.catalog.models import QuestionnaireVersion
from portal.demo.checksheet import KEY, seed_buyer_checksheet
from portal.extensions import db
from portal.organizations.models import Membership, Organization, Role

logger = logging.getLogger(__name__)

#: Version 2's changes: item 3 asked more precisely (the suppliers answer it again), item 5 made critical with
#: evidence required (scoring and evidence only).
REWORDED = ("3", "パソコンのOSとソフトウェアの更新を、公開から1か月以内に適用していますか")
MADE_CRITICAL = "5"


def seed_second_version(buyer_name: str) -> QuestionnaireVersion:
    """Publish version 2 of ``buyer_name``'s demo checksheet with two items changed (once; later calls return it)."""
    first = seed_buyer_checksheet(buyer_name)
    later = db.session.scalar(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == KEY,
            QuestionnaireVersion.organization_id == first.organization_id,
            QuestionnaireVersion.id != first.id,
        )
    )
    if later is not None:
        return later
    buyer = db.session.get_one(Organization, first.organization_id)
    admin = db.session.scalars(
        sa.select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == buyer.id, Membership.role == Role.BUYER_ADMIN)
        .order_by(User.id)
    ).first()
    if admin is None:
        raise RuntimeError(f"{buyer_name} has no administrator to edit its checksheet")
    draft, _ = start_draft(buyer, first, by=admin)
    questionnaire = draft_questionnaire(draft)
    reworded = questionnaire.item(REWORDED[0])
    edit_item(draft, reworded.id, replace(edit_of(reworded), text_ja=REWORDED[1]), revision=draft.revision, by=admin)
    critical = replace(edit_of(questionnaire.item(MADE_CRITICAL)), critical=True, evidence_required="if_implemented")
    edit_item(draft, MADE_CRITICAL, critical, revision=draft.revision, by=admin)
    stored = publish_draft(draft, revision=draft.revision, by=admin)
    logger.info("Demo checksheet %s version %s published for %s", stored.key, stored.version, buyer_name)
    return stored
