"""Questionnaires: the published versions and their definitions."""

from __future__ import annotations

import sqlalchemy as sa

from portal.api.framework import operation
from portal.api.paging import paginate
from portal.api.schemas import LocalText, Page, PageQuery, QuestionnaireDetail, QuestionnaireSummary
from portal.catalog.models import QuestionnaireVersion
from portal.errors import NotFound
from portal.extensions import db
from portal.organizations.models import BUYER_ROLES, SUPPLIER_ROLES, Membership

EVERYONE = (*BUYER_ROLES, *SUPPLIER_ROLES)


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
    summary="List the published questionnaire versions",
    tag="questionnaires",
    roles=EVERYONE,
    query=PageQuery,
    response=Page[QuestionnaireSummary],
)
def list_questionnaires(membership: Membership, query: PageQuery) -> Page[QuestionnaireSummary]:
    select = sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.key, QuestionnaireVersion.version)
    return paginate(select, query, _summary)


@operation(
    "/questionnaires/<key>/<version>",
    "GET",
    summary="One questionnaire version with its scales, sections and items",
    tag="questionnaires",
    roles=EVERYONE,
    response=QuestionnaireDetail,
    errors=(404,),
)
def get_questionnaire(membership: Membership, key: str, version: str) -> QuestionnaireDetail:
    stored = db.session.scalar(
        sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == key, QuestionnaireVersion.version == version)
    )
    if stored is None:
        raise NotFound()
    return QuestionnaireDetail(**_summary(stored).model_dump(), definition=stored.definition)
