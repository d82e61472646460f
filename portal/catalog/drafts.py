"""A buyer's drafts of its questionnaires: start one from a published version or empty, edit items, publish.

Every save goes through the questionnaire loader (``build_questionnaire``) before it is stored, so a draft
always holds a valid definition: a refused edit raises ``DraftInvalid`` with each problem keyed by the form
field it belongs to, and nothing is stored. Publishing makes the next version and deletes the draft.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.catalog.models import QuestionnaireDraft, QuestionnaireVersion
from portal.catalog.operations import get_version, publish
from portal.db import utcnow
from portal.errors import Conflict, UserInputError
from portal.extensions import db
from portal.organizations.models import Organization
from questionnaires import DefinitionError, Item, Questionnaire, build_questionnaire
from questionnaires.conditions import unparse
from questionnaires.validation import KEY_PATTERN

logger = logging.getLogger(__name__)

#: The answer scale a questionnaire started empty offers (the built-ins' five answers).
IMPLEMENTATION_SCALE = {
    "choices": [
        {"code": "yes", "label": {"ja": "実施している", "en": "Implemented"}, "value": 1.0},
        {"code": "partial", "label": {"ja": "一部実施している", "en": "Partially implemented"}, "value": 0.5},
        {"code": "no", "label": {"ja": "実施していない", "en": "Not implemented"}, "value": 0.0},
        {"code": "unknown", "label": {"ja": "わからない", "en": "Don't know"}, "value": 0.0},
        {"code": "na", "label": {"ja": "該当しない", "en": "Not applicable"}, "value": None},
    ]
}
#: The loader's reasons (English, for definition files) an editor's user meets, in the page's words.
_REASONS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"^syntax error: (?P<detail>.*)$"),
        _l("Write the condition as an item number, == and an answer code, e.g. Q1 == yes (%(detail)s)."),
    ),
    (re.compile(r"^names unknown item '(?P<id>.*)'$"), _l("There is no item %(id)s in this questionnaire.")),
    (re.compile(r"^refers to its own item"), _l("An item cannot be shown depending on its own answer.")),
    (
        re.compile(r"^item '(?P<id>.*)' has a free-text answer"),
        _l("Item %(id)s is answered in free text: a condition cannot use it."),
    ),
    (
        re.compile(r"^code '(?P<code>.*)' is not in the scale of item '(?P<id>.*)' \((?P<codes>.*)\)$"),
        _l("Item %(id)s has no answer %(code)s (its answers: %(codes)s)."),
    ),
    (re.compile(r"^conditions form a cycle: (?P<trail>.*)$"), _l("The conditions go round in a circle: %(trail)s.")),
    (re.compile(r"^duplicate id '(?P<id>.*)'"), _l("Number %(id)s is already used in this questionnaire.")),
    (re.compile(r"^must not be empty$"), _l("Enter this.")),
    (
        re.compile(r"^must match "),
        _l("Use letters, digits, dots, hyphens and underscores, starting with a letter or digit."),
    ),
)
_ITEM_PATH = re.compile(r"^sections\[(\d+)\]\.items\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?")


class DraftInvalid(UserInputError):
    """The loader refused an edit; ``problems`` maps each form field (or "" for the whole item) to its reasons."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(_l("The change was not saved: correct the fields marked below."))
        self.problems = problems


@dataclass(frozen=True)
class ItemEdit:
    """What the editor sends for one item; empty optional texts remove them."""

    text_ja: str
    text_en: str
    guidance_ja: str
    guidance_en: str
    tier: str
    weight: float
    critical: bool
    evidence_required: str
    evidence_kinds: tuple[str, ...]
    evidence_max_age_days: int | None
    condition: str


def edit_of(item: Item) -> ItemEdit:
    """The item as the editor shows it: saving this unchanged changes nothing."""
    return ItemEdit(
        text_ja=item.text.ja,
        text_en=item.text.en,
        guidance_ja=item.guidance.ja if item.guidance else "",
        guidance_en=item.guidance.en if item.guidance else "",
        tier=str(item.tier),
        weight=item.weight,
        critical=item.critical,
        evidence_required=item.evidence.required,
        evidence_kinds=item.evidence.kinds,
        evidence_max_age_days=item.evidence.max_age_days,
        condition=unparse(item.condition) if item.condition else "",
    )


def next_version_string(key: str) -> str:
    """The version after the newest of ``key`` (of any owner: a key and version are one questionnaire
    everywhere): its last number counted up ("2026.1" → "2026.2", "3" → "4"), else ".2" appended."""
    published = set(db.session.scalars(sa.select(QuestionnaireVersion.version).where(QuestionnaireVersion.key == key)))
    newest = db.session.scalar(
        sa.select(QuestionnaireVersion.version)
        .where(QuestionnaireVersion.key == key)
        .order_by(QuestionnaireVersion.published_at.desc(), QuestionnaireVersion.id.desc())
        .limit(1)
    )
    if newest is None:
        return "1"
    candidate = newest
    while candidate in published:
        match = re.search(r"(\d+)$", candidate)
        candidate = candidate[: match.start()] + str(int(match.group(1)) + 1) if match else candidate + ".2"
    return candidate


def _draft_id(buyer: Organization, key: str) -> int:
    return db.session.scalars(
        sa.select(QuestionnaireDraft.id).where(
            QuestionnaireDraft.organization_id == buyer.id, QuestionnaireDraft.key == key
        )
    ).one()


def get_draft(buyer: Organization, key: str) -> QuestionnaireDraft | None:
    return db.session.scalar(
        sa.select(QuestionnaireDraft).where(
            QuestionnaireDraft.organization_id == buyer.id, QuestionnaireDraft.key == key
        )
    )


def start_draft(buyer: Organization, version: QuestionnaireVersion, *, by: User) -> tuple[QuestionnaireDraft, bool]:
    """The buyer's draft of the version's next version ("新しい版を作成"); the open one when there is one.

    ``version`` must be one the buyer may use (``policy.questionnaires.get_buyer_version``).
    Returns the draft and whether it is new.
    """
    existing = get_draft(buyer, version.key)
    if existing is not None:
        return existing, False
    draft = QuestionnaireDraft(
        organization_id=buyer.id,
        key=version.key,
        base_version_id=version.id,
        definition=copy.deepcopy(version.definition),
        created_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except sa.exc.IntegrityError:
        # A colleague (or a second click) started it in this very moment: theirs is the draft.
        return db.session.get_one(QuestionnaireDraft, _draft_id(buyer, version.key)), False
    logger.info("Questionnaire draft %s of %s %s started by %s", draft.id, version.key, version.version, by.id)
    return draft, True


def start_empty_draft(buyer: Organization, key: str, title_ja: str, title_en: str, *, by: User) -> QuestionnaireDraft:
    """A new questionnaire of the buyer with one section and one question to edit.

    :raises UserInputError: when the key is malformed or already names a questionnaire.
    """
    if not KEY_PATTERN.match(key) or len(key) > 64:
        raise DraftInvalid({"key": [str(_l("Use lower-case letters, digits and hyphens, starting with a letter."))]})
    taken = db.session.scalar(sa.select(QuestionnaireVersion.id).where(QuestionnaireVersion.key == key).limit(1))
    if taken is not None or get_draft(buyer, key) is not None:
        raise DraftInvalid({"key": [str(_l("This key is already used: choose another."))]})
    definition = {
        "format": 1,
        "key": key,
        "version": "1",
        "title": {"ja": title_ja, "en": title_en or title_ja},
        "source": buyer.name,
        "licence": "All rights reserved",
        "scales": {"implementation": copy.deepcopy(IMPLEMENTATION_SCALE)},
        "sections": [
            {
                "id": "general",
                "title": {"ja": "全般", "en": "General"},
                "items": [
                    {
                        "id": "Q1",
                        "tier": "T1",
                        "text": {"ja": "新しい質問", "en": "New question"},
                        "scale": "implementation",
                    }
                ],
            }
        ],
    }
    _check(definition)
    draft = QuestionnaireDraft(organization_id=buyer.id, key=key, definition=definition, created_by_id=by.id)
    db.session.add(draft)
    db.session.flush()
    logger.info("Empty questionnaire draft %s (%s) started by %s", draft.id, key, by.id)
    return draft


def draft_questionnaire(draft: QuestionnaireDraft) -> Questionnaire:
    """The draft as the engine reads it (always valid: only valid edits are stored)."""
    return build_questionnaire(draft.definition, f"draft {draft.key}")


def _find_item(definition: dict[str, Any], item_id: str) -> tuple[int, int]:
    for s_index, section in enumerate(definition["sections"]):
        for i_index, item in enumerate(section["items"]):
            if item["id"] == item_id:
                return s_index, i_index
    raise UserInputError(_l("This question is not in the draft."))


def _text(ja: str, en: str) -> dict[str, str] | None:
    ja, en = ja.strip(), en.strip()
    if not ja and not en:
        return None
    return {"ja": ja, "en": en or ja}


def _apply(item: dict[str, Any], edit: ItemEdit) -> None:
    item["text"] = {"ja": edit.text_ja.strip(), "en": edit.text_en.strip()}
    for key, value in (
        ("guidance", _text(edit.guidance_ja, edit.guidance_en)),
        ("weight", None if edit.weight == 1 else edit.weight),
        ("critical", True if edit.critical else None),
        ("condition", edit.condition.strip() or None),
    ):
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    item["tier"] = edit.tier
    evidence: dict[str, Any] = {"required": edit.evidence_required}
    if edit.evidence_kinds:
        evidence["kinds"] = list(edit.evidence_kinds)
    if edit.evidence_max_age_days is not None:
        evidence["max_age_days"] = edit.evidence_max_age_days
    if "description" in item.get("evidence", {}):
        evidence["description"] = item["evidence"]["description"]
    if evidence == {"required": "never"}:
        item.pop("evidence", None)
    else:
        item["evidence"] = evidence


#: the definition key under an item (and under its text) → the editor's field
_FIELDS = {("text", "ja"): "text_ja", ("text", "en"): "text_en", ("guidance", "ja"): "guidance_ja"}
_FIELDS |= {("guidance", "en"): "guidance_en", ("evidence", "kinds"): "evidence_kinds"}
_FIELDS |= {("evidence", "max_age_days"): "evidence_max_age_days", ("evidence", "required"): "evidence_required"}


def _field_of(path: str, at: tuple[int, int] | None) -> str | None:
    """The editor field a loader problem's path names, when it is about the item at ``at``; else None."""
    match = _ITEM_PATH.match(path)
    if match is None or at is None or (int(match.group(1)), int(match.group(2))) != at:
        return None
    key, sub = match.group(3), match.group(4)
    return _FIELDS.get((key, sub or "")) or _FIELDS.get((key, sub)) or key or ""


def _in_words(reason: str) -> str:
    for pattern, words in _REASONS:
        match = pattern.search(reason)
        if match:
            return str(words % match.groupdict()) if match.groupdict() else str(words)
    return reason


def _elsewhere(definition: dict[str, Any], path: str, reason: str) -> str:
    """A problem of another item than the one edited (a condition naming a removed item), named by its number."""
    match = _ITEM_PATH.match(path)
    if match is None:
        return f"{path}: {reason}"
    try:
        item_id = definition["sections"][int(match.group(1))]["items"][int(match.group(2))]["id"]
    except (IndexError, KeyError, TypeError):
        return f"{path}: {reason}"
    return str(_l("Item %(id)s: %(reason)s", id=item_id, reason=_in_words(reason)))


def _check(definition: dict[str, Any], at: tuple[int, int] | None = None) -> None:
    """Run the loader; a refusal becomes ``DraftInvalid`` with each problem by its field ("" for the rest)."""
    try:
        build_questionnaire(definition, "draft")
    except DefinitionError as error:
        problems: dict[str, list[str]] = {}
        for problem in error.problems:
            field = _field_of(problem.path, at)
            reason = (
                _in_words(problem.reason) if field is not None else _elsewhere(definition, problem.path, problem.reason)
            )
            problems.setdefault(field or "", []).append(reason)
        raise DraftInvalid(problems) from None


def _saved(draft: QuestionnaireDraft, definition: dict[str, Any], revision: int) -> None:
    if revision != draft.revision:
        raise Conflict(_l("Someone saved this draft in the meantime: open it again and redo the change."))
    draft.definition = definition
    draft.revision += 1
    draft.updated_at = utcnow()
    db.session.flush()


def edit_item(draft: QuestionnaireDraft, item_id: str, edit: ItemEdit, *, revision: int, by: User) -> None:
    """Change one item of the draft; refused (``DraftInvalid``) unless the whole draft stays valid.

    ``revision`` is the draft's revision the editor was opened on: an edit of an older copy is refused.
    """
    definition = copy.deepcopy(draft.definition)
    at = _find_item(definition, item_id)
    _apply(definition["sections"][at[0]]["items"][at[1]], edit)
    _check(definition, at)
    _saved(draft, definition, revision)
    logger.info("Questionnaire draft %s: item %s changed by %s", draft.id, item_id, by.id)


def add_item(draft: QuestionnaireDraft, section_id: str, item_id: str, *, revision: int, by: User) -> None:
    """Add a question (with placeholder text to edit next) at the end of a section."""
    definition = copy.deepcopy(draft.definition)
    section = next((s for s in definition["sections"] if s["id"] == section_id), None)
    if section is None:
        raise DraftInvalid({"section_id": [str(_l("Choose a section of this questionnaire."))]})
    scale = section["items"][0]["scale"] if section["items"] else next(iter(definition["scales"]))
    new = {"id": item_id.strip(), "tier": "T1", "text": {"ja": "新しい質問", "en": "New question"}, "scale": scale}
    section["items"].append(new)
    at = (definition["sections"].index(section), len(section["items"]) - 1)
    try:
        _check(definition, at)
    except DraftInvalid as error:
        raise DraftInvalid({"item_id" if k == "id" else k: v for k, v in error.problems.items()}) from None
    _saved(draft, definition, revision)
    logger.info("Questionnaire draft %s: item %s added by %s", draft.id, item_id, by.id)


def remove_item(draft: QuestionnaireDraft, item_id: str, *, revision: int, by: User) -> None:
    """Remove a question; refused when another item's condition names it or it is its section's last."""
    definition = copy.deepcopy(draft.definition)
    s_index, i_index = _find_item(definition, item_id)
    del definition["sections"][s_index]["items"][i_index]
    _check(definition)
    _saved(draft, definition, revision)
    logger.info("Questionnaire draft %s: item %s removed by %s", draft.id, item_id, by.id)


def publish_draft(draft: QuestionnaireDraft, *, revision: int, by: User) -> QuestionnaireVersion:
    """Publish the draft as the key's next version, owned by the draft's buyer; the draft is deleted."""
    if revision != draft.revision:
        raise Conflict(_l("Someone saved this draft in the meantime: open it again before publishing."))
    base = draft.base_version
    if base is not None and {**base.definition, "version": None} == {**draft.definition, "version": None}:
        raise Conflict(
            _l("Nothing has changed since the version this draft started from: there is nothing to publish.")
        )
    definition = {**copy.deepcopy(draft.definition), "version": next_version_string(draft.key)}
    stored = publish_own(definition, db.session.get_one(Organization, draft.organization_id), by=by)
    db.session.delete(draft)
    db.session.flush()
    logger.info("Questionnaire draft of %s published as %s by %s", stored.key, stored.version, by.id)
    return stored


def publish_own(definition: dict[str, Any], buyer: Organization, *, by: User) -> QuestionnaireVersion:
    """Publish a valid definition as the buyer's own questionnaire (an upload's, a draft's).

    A key another organisation's questionnaire uses is refused; a version of the key already published gets
    the key's next version instead (the same content published again by its owner is that version).
    :raises Conflict: the key is another organisation's.
    """
    key = str(definition["key"])
    foreign = db.session.scalar(
        sa.select(QuestionnaireVersion.id)
        .where(
            QuestionnaireVersion.key == key,
            QuestionnaireVersion.organization_id.is_not(None),
            QuestionnaireVersion.organization_id != buyer.id,
        )
        .limit(1)
    )
    if foreign is not None:
        raise Conflict(_l("This key is used by another organisation's questionnaire: choose another key."))
    taken = get_version(key, str(definition["version"]))
    if taken is not None and not (taken.organization_id == buyer.id and taken.definition == definition):
        definition = {**definition, "version": next_version_string(key)}
    questionnaire = build_questionnaire(definition, f"{key}/{definition['version']}")
    try:
        with db.session.begin_nested():
            stored, new = publish(questionnaire, origin="import", organization=buyer)
    except sa.exc.IntegrityError:
        raise Conflict(
            _l("Another version of this questionnaire was published at the same moment: try again.")
        ) from None
    if new:
        logger.info("Questionnaire %s %s of organisation %s published by %s", key, stored.version, buyer.id, by.id)
    return stored


def discard_draft(draft: QuestionnaireDraft, *, by: User) -> None:
    db.session.delete(draft)
    db.session.flush()
    logger.info("Questionnaire draft %s of %s discarded by %s", draft.id, draft.key, by.id)
