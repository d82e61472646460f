"""Questionnaires: the versions a buyer may use, or a supplier has been sent, and their definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.api.assessments import is_supplier
from portal.api.framework import BodyInvalid, operation, uploaded_file
from portal.api.paging import paginate
from portal.api.schemas import (
    LocalText,
    Page,
    PageQuery,
    QuestionnaireDetail,
    QuestionnaireRef,
    QuestionnaireSummary,
    Reply,
)
from portal.catalog.changes import compare
from portal.catalog.drafts import publish_own
from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.errors import NotFound, UserInputError, too_large
from portal.lookups import one_or_not_found
from portal.organizations.models import Membership
from portal.policy import Action
from portal.policy.questionnaires import (
    buyer_versions,
    find_buyer_version,
    list_buyer_versions_of,
    previous_buyer_version,
    supplier_sees_scoring,
    supplier_versions,
    without_scoring,
)
from questionnaires import Item
from questionnaires.importers.checksheet import MAX_UPLOAD_BYTES, Preview, preview

#: a mapping file is a few kilobytes; anything this large is not one
MAX_MAPPING_BYTES = 256 * 1024


class UploadTooLarge(UserInputError):
    http_status = 413
    code = "too_large"


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


# Versions, what changed, and a buyer's own checksheet: preview, then publish ------------------------------------


class VersionOut(Reply):
    key: str
    version: str
    title: LocalText
    item_count: int
    published_at: datetime
    #: True for the caller's organisation's own questionnaire; False for a built-in every buyer may use
    own: bool


class ItemOut(Reply):
    id: str
    text: LocalText


class ItemChangeOut(Reply):
    id: str
    #: the fields that differ: text, guidance, section, tier, scale, weight, critical, required, evidence,
    #: condition, references
    fields: list[str]
    #: the next round marks it "changed" for the supplier (its question or its answer choices changed)
    asks_again: bool


class ChangesOut(Reply):
    key: str
    version: str
    #: the version compared with; null for a first version (nothing added, removed or changed)
    previous_version: str | None
    added: list[ItemOut]
    removed: list[ItemOut]
    changed: list[ItemChangeOut]


class SectionCountOut(Reply):
    id: str
    title: str
    items: int
    per_tier: dict[str, int]


class ProblemOut(Reply):
    code: str
    message: str
    fix: str
    #: the mapping key at fault (null: the file itself)
    key: str | None
    sheet: str | None
    row: int | None
    column: str | None
    #: rows with this same problem (reported once)
    count: int


class PreviewOut(Reply):
    #: True when publishing would succeed: no problem
    ok: bool
    item_count: int
    tier_counts: dict[str, int]
    sections: list[SectionCountOut]
    problems: list[ProblemOut]


#: the multipart fields of an upload: the checksheet and its mapping file (the one the CLI takes)
UPLOAD_FIELDS: dict[str, tuple[dict[str, Any], bool]] = {
    "file": ({"type": "string", "contentMediaType": "application/octet-stream", "description": "XLSX or CSV"}, True),
    "mapping": ({"type": "string", "description": "the mapping file (YAML), as a file or a text field"}, True),
}


def _version_out(version: QuestionnaireVersion) -> VersionOut:
    return VersionOut(
        key=version.key,
        version=version.version,
        title=LocalText(ja=version.title_ja, en=version.title_en),
        item_count=version.item_count,
        published_at=version.published_at,
        own=version.organization_id is not None,
    )


@operation(
    "/questionnaires/<key>/versions",
    "GET",
    summary="The versions of one questionnaire the buyer may use (its own or a built-in), oldest first",
    tag="questionnaires",
    action=Action.QUESTIONNAIRE_BROWSE,
    response=Page[VersionOut],
    errors=(404,),
)
def list_versions(membership: Membership, key: str) -> Page[VersionOut]:
    versions = list_buyer_versions_of(membership.organization, key)
    if not versions:
        raise NotFound()
    return Page[VersionOut](
        items=[_version_out(v) for v in versions], page=1, per_page=len(versions), total=len(versions)
    )


def _item_out(item: Item) -> ItemOut:
    return ItemOut(id=item.id, text=LocalText(ja=item.text.ja, en=item.text.en))


@operation(
    "/questionnaires/<key>/<version>/changes",
    "GET",
    summary="What changed in a version from the previous one: items added, removed and changed (field by field)",
    tag="questionnaires",
    action=Action.QUESTIONNAIRE_BROWSE,
    response=ChangesOut,
    errors=(404,),
)
def get_changes(membership: Membership, key: str, version: str) -> ChangesOut:
    stored = find_buyer_version(membership.organization, key, version)
    if stored is None:
        raise NotFound()
    previous = previous_buyer_version(membership.organization, stored)
    found = compare(questionnaire_of(previous), questionnaire_of(stored)) if previous else None
    return ChangesOut(
        key=stored.key,
        version=stored.version,
        previous_version=previous.version if previous else None,
        added=[_item_out(i) for i in found.added] if found else [],
        removed=[_item_out(i) for i in found.removed] if found else [],
        changed=[ItemChangeOut(id=c.after.id, fields=list(c.fields), asks_again=c.asks_again) for c in found.changed]
        if found
        else [],
    )


def _upload() -> tuple[bytes, str, bytes]:
    """The checksheet's bytes and name, and the mapping's text; a 413 over the limit, read no further."""
    file = uploaded_file()
    content = file.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(too_large(MAX_UPLOAD_BYTES))
    part = request.files.get("mapping")
    mapping = part.stream.read(MAX_MAPPING_BYTES + 1) if part is not None else request.form.get("mapping", "").encode()
    if not mapping.strip():
        raise BodyInvalid(_l("mapping: send the mapping file."), [{"field": "mapping", "message": "required"}])
    if len(mapping) > MAX_MAPPING_BYTES:
        raise BodyInvalid(_l("mapping: the mapping file is too large."), [{"field": "mapping", "message": "too large"}])
    return content, file.filename or "checksheet", mapping


def _preview_out(result: Preview, lang: str) -> PreviewOut:
    return PreviewOut(
        ok=result.ok,
        item_count=result.item_count,
        tier_counts=result.tier_counts,
        sections=[SectionCountOut(id=s.id, title=s.title, items=s.items, per_tier=s.per_tier) for s in result.sections],
        problems=[
            ProblemOut(
                code=p.code,
                message=p.text(lang),
                fix=p.fix(lang),
                key=p.key,
                sheet=p.sheet,
                row=p.row,
                column=p.column,
                count=p.count,
            )
            for p in result.problems
        ],
    )


@operation(
    "/questionnaires/preview",
    "POST",
    summary="Read a checksheet (XLSX or CSV) with a mapping file and show what publishing would make, with every "
    "problem by mapping key, sheet, row and column; nothing is stored",
    tag="questionnaires",
    action=Action.QUESTIONNAIRE_MANAGE,
    response=PreviewOut,
    errors=(413,),
    multipart=UPLOAD_FIELDS,
)
def preview_checksheet(membership: Membership) -> PreviewOut:
    content, filename, mapping = _upload()
    return _preview_out(preview(content, filename, mapping), _lang())


@operation(
    "/questionnaires",
    "POST",
    summary="Publish a checksheet (XLSX or CSV) with its mapping file as the buyer's own questionnaire, all of it or "
    "nothing; a version already published gets the key's next version",
    tag="questionnaires",
    action=Action.QUESTIONNAIRE_MANAGE,
    response=VersionOut,
    status=201,
    errors=(409, 413),
    multipart=UPLOAD_FIELDS,
)
def publish_checksheet(membership: Membership) -> VersionOut:
    content, filename, mapping = _upload()
    result = preview(content, filename, mapping)
    if result.definition is None:
        fields = [{"field": p.key or "file", "message": str(p)} for p in result.problems]
        raise BodyInvalid(_l("The checksheet has problems; nothing was published (see fields)."), fields)
    return _version_out(publish_own(result.definition, membership.organization, by=current_user))


def _lang() -> str:
    return "en" if str(get_locale()) == "en" else "ja"
