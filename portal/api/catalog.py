"""Questionnaires: the versions a buyer may use, or a supplier has been sent, and their definitions."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.api.assessments import is_supplier
from portal.api.framework import operation
from portal.api.paging import paginate
from portal.api.schemas import LocalText, Page, PageQuery, QuestionnaireDetail, QuestionnaireRef, QuestionnaireSummary
from portal.catalog.models import QuestionnaireVersion
from portal.errors import UserInputError
from portal.lookups import one_or_not_found
from portal.organizations.models import Membership
from portal.policy import Action
from portal.policy.questionnaires import (
    buyer_versions,
    find_buyer_version,
    supplier_sees_scoring,
    supplier_versions,
    without_scoring,
)


def named_version(membership: Membership, ref: QuestionnaireRef) -> QuestionnaireVersion:
    """The version a request body names (a campaign's, an audit's), which the buyer must be able to use."""
    version = find_buyer_version(membership.organization, ref.key, ref.version)
    if version is None:
        raise UserInputError(_l("questionnaire: no such questionnaire version."))
    return version


def _summary(version: QuestionnaireVersion) -> QuestionnaireSummary:
    return QuestionnaireSummary(
        key=version.key,
        version=version.version,
        title=LocalText(ja=version.title_ja, en=version.title_en),
        item_count=version.item_count,
        scoring_model=version.scoring_model,
    )


@operation(
    "/questionnaires",
    "GET",
    summary="List the questionnaire versions a buyer may use, or a supplier has been sent",
    tag="questionnaires",
    action=Action.QUESTIONNAIRE_READ,
    query=PageQuery,
    response=Page[QuestionnaireSummary],
)
def list_questionnaires(membership: Membership, query: PageQuery) -> Page[QuestionnaireSummary]:
    return paginate(_readable(membership), query, _summary)


def _readable(membership: Membership) -> sa.Select[QuestionnaireVersion]:
    if is_supplier(membership):
        return supplier_versions(membership.organization)
    return buyer_versions(membership.organization)


@operation(
    "/questionnaires/<key>/<version>",
    "GET",
    summary="One questionnaire version with its scales, sections and items (a supplier sees the scoring rules "
    "only when the buyer shows it its score)",
    tag="questionnaires",
    action=Action.QUESTIONNAIRE_READ,
    response=QuestionnaireDetail,
    errors=(404,),
)
def get_questionnaire(membership: Membership, key: str, version: str) -> QuestionnaireDetail:
    stored = one_or_not_found(
        _readable(membership).where(QuestionnaireVersion.key == key, QuestionnaireVersion.version == version)
    )
    definition = stored.definition
    if is_supplier(membership) and not supplier_sees_scoring(membership.organization, stored):
        definition = without_scoring(definition)
    return QuestionnaireDetail(**_summary(stored).model_dump(), definition=definition)
