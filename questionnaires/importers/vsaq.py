"""The VSAQ importer: Google's Vendor Security Assessment Questionnaire JSON becomes a definition structure.

Mapping decisions (documented in FORMAT.md): blocks holding questions become sections; radiogroups become
items with a scale of their choices; check boxes (``check`` and each ``checkgroup`` choice) become optional
items on a ``check`` scale; ``line``/``box`` become optional free-text items; ``info``, ``tip``, ``spacer``
and ``upload`` are not imported. English text fills both languages until someone translates it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from questionnaires.conditions import KEYWORDS, Condition, Equals, item_codes, unparse
from questionnaires.importers.lenient_json import MAX_BYTES, LenientJsonError, parse_lenient_json
from questionnaires.importers.vsaq_conditions import UntranslatableError, translate_condition

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_CHOICE_TYPES = frozenset({"radiogroup", "yesno"})
_CHECK_TYPES = frozenset({"check", "checkgroup"})
_TEXT_TYPES = frozenset({"line", "box"})
_SKIPPED_TYPES = frozenset({"info", "tip", "spacer", "upload"})

CHECK_SCALE: dict[str, Any] = {
    "choices": [
        {"code": "yes", "label": {"ja": "チェックあり", "en": "Checked"}, "value": None},
        {"code": "no", "label": {"ja": "チェックなし", "en": "Not checked"}, "value": None},
    ]
}
YES_NO_SCALE: dict[str, Any] = {
    "choices": [
        {"code": "yes", "label": {"ja": "はい", "en": "Yes"}, "value": 1.0},
        {"code": "no", "label": {"ja": "いいえ", "en": "No"}, "value": 0.0},
    ]
}
TRANSLATION_PENDING = "Japanese text is a copy of the English text: translation pending"


class VsaqImportError(ValueError):
    """The file is not a VSAQ questionnaire we can read."""


@dataclass
class VsaqImport:
    """The imported definition structure and what could not be carried over."""

    definition: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _State:
    warnings: list[str]
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)
    atoms: dict[str, Equals] = field(default_factory=dict)
    pending: list[tuple[dict[str, Any], list[str]]] = field(default_factory=list)  # item, raw conds
    warn_choices: set[str] = field(default_factory=set)
    counter: int = 0


def import_vsaq(path: str | Path, key: str | None = None, version: str | None = None) -> VsaqImport:
    """Read a VSAQ questionnaire (or extension) file and return the definition structure with warnings.

    :raises VsaqImportError: when the file is too large, is not lenient JSON, or has no questionnaire.
    """
    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise VsaqImportError(f"{path.name} is larger than {MAX_BYTES} bytes")
    try:
        data = parse_lenient_json(path.read_text(encoding="utf-8-sig"))
    except (LenientJsonError, UnicodeDecodeError) as error:
        raise VsaqImportError(f"{path.name}: {error}") from None
    if not isinstance(data, dict):
        raise VsaqImportError(f"{path.name}: expected a JSON object")
    state = _State(warnings=[TRANSLATION_PENDING])
    top = data.get("questionnaire")
    if top is None and isinstance(data.get("extensions"), list):
        top = data["extensions"]
        state.warnings.append("extension file imported on its own: insertAfter positions are ignored")
    if not isinstance(top, list):
        raise VsaqImportError(f"{path.name}: no 'questionnaire' list")
    _find_warning_choices(top, state)
    title = _title(top, path)
    _walk(top, state, section=None, title=title, conds=[])
    _resolve_conditions(state)
    skipped = _count_types(top, {"tip"})
    if skipped:
        state.warnings.append(f"{skipped} tip items (VSAQ findings) are not imported")
    if not state.sections:
        raise VsaqImportError(f"{path.name}: no questions found")
    stem = path.stem.lower().replace("_", "-")
    definition = {
        "format": 1,
        "key": key or f"vsaq-{stem}",
        "version": version or str(data.get("version", "1")),
        "title": {"ja": title, "en": title},
        "source": f"Imported from Google VSAQ {path.name} (https://github.com/google/vsaq)",
        "licence": "Apache-2.0",
        "scoring": {"model": "default"},
        "scales": state.scales,
        "sections": state.sections,
    }
    return VsaqImport(definition, state.warnings)


def plain_text(markup: object) -> str:
    """VSAQ text without HTML: tags dropped (breaks and list items become new lines), entities decoded."""
    if not isinstance(markup, str):
        return ""
    text = re.sub(r"<\s*(br|/p|/li|/ul|/ol)\s*/?>", "\n", markup, flags=re.IGNORECASE)
    text = re.sub(r"<\s*li\s*>", "- ", text, flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _title(top: list[Any], path: Path) -> str:
    if len(top) == 1 and isinstance(top[0], dict) and plain_text(top[0].get("text")):
        return plain_text(top[0].get("text"))
    return path.stem.replace("_", " ")


def _count_types(items: list[Any], types: set[str]) -> int:
    count = 0
    for item in items:
        if isinstance(item, dict):
            count += item.get("type") in types
            count += _count_types(_list(item.get("items")), types)
    return count


def _find_warning_choices(items: list[Any], state: _State) -> None:
    # A choice that shows a warning tip is the weak answer: it scores 0, the others 1.
    for item in items:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "tip" and item.get("warn") == "yes" and isinstance(item.get("cond"), str):
            state.warn_choices.update(re.findall(r"(?<![!\w^])[A-Za-z0-9_]+", item["cond"]))
        _find_warning_choices(_list(item.get("items")), state)


def _new_id(state: _State, wanted: object, prefix: str) -> str:
    if isinstance(wanted, str) and _ID.match(wanted) and wanted not in state.used_ids and wanted not in KEYWORDS:
        state.used_ids.add(wanted)
        return wanted
    while True:
        state.counter += 1
        candidate = f"{prefix}-{state.counter}"
        if candidate not in state.used_ids:
            state.used_ids.add(candidate)
            if isinstance(wanted, str) and wanted:
                state.warnings.append(f"id {wanted!r} is unusable or repeated; using {candidate!r}")
            return candidate


def _walk(items: list[Any], state: _State, section: dict[str, Any] | None, title: str, conds: list[str]) -> None:
    """Import ``items`` (the children of one block); a block's own questions go to one section."""
    info = ""
    for raw in items:
        if not isinstance(raw, dict):
            continue
        kind = raw.get("type")
        own = [*conds, raw["cond"]] if isinstance(raw.get("cond"), str) else conds
        if kind == "block":
            _walk(_list(raw.get("items")), state, None, plain_text(raw.get("text")) or title, own)
            continue
        if kind == "info":
            info = plain_text(raw.get("text"))
        if kind in _SKIPPED_TYPES or kind not in _CHOICE_TYPES | _CHECK_TYPES | _TEXT_TYPES:
            if kind not in _SKIPPED_TYPES:
                state.warnings.append(f"item type {kind!r} is not imported")
            continue
        if section is None:
            section = {
                "id": _new_id(state, None, "section"),
                "title": {"ja": title, "en": title},
                "items": [],
            }
            state.sections.append(section)
        for item in _items_for(raw, kind, state, plain_text(raw.get("text")) or info or title):
            section["items"].append(item)
            state.pending.append((item, own))


def _items_for(raw: dict[str, Any], kind: str, state: _State, text: str) -> list[dict[str, Any]]:
    if kind in _TEXT_TYPES:
        state.scales.setdefault("free-text", {"kind": "text"})
        item_id = _new_id(state, raw.get("id"), "item")
        return [_item(item_id, text, "free-text", required=False)]
    if kind == "check":
        return [_check_item(state, raw.get("id"), text)]
    if kind == "checkgroup":
        items = []
        for choice_id, label in _choices(raw):
            items.append(_check_item(state, choice_id, f"{text}\n{plain_text(label)}" if text else plain_text(label)))
        return items
    item_id = _new_id(state, raw.get("id"), "item")
    if kind == "yesno":
        state.scales.setdefault("yes-no", YES_NO_SCALE)
        for answer in ("yes", "no"):
            state.atoms[f"{raw.get('id')}/{answer}"] = Equals(item_id, answer)
        return [_item(item_id, text, "yes-no")]
    return [_item(item_id, text, _radio_scale(raw, item_id, state))]


def _check_item(state: _State, wanted: object, text: str) -> dict[str, Any]:
    state.scales.setdefault("check", CHECK_SCALE)
    item_id = _new_id(state, wanted, "item")
    state.atoms[str(wanted)] = Equals(item_id, "yes")
    state.atoms[f"{wanted}/yes"] = Equals(item_id, "yes")
    state.atoms[f"{wanted}/no"] = Equals(item_id, "no")
    return _item(item_id, text, "check", required=False)


def _list(value: object) -> list[Any]:
    """``items`` or ``choices`` when it is a list; any other shape is not VSAQ and holds nothing to import."""
    return value if isinstance(value, list) else []


def _item(item_id: str, text: str, scale: str, required: bool = True) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "tier": "T1", "text": {"ja": text, "en": text}, "scale": scale}
    if not required:
        item["required"] = False
    return item


def _choices(raw: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for choice in _list(raw.get("choices")):
        if isinstance(choice, dict):
            pairs.extend((str(choice_id), str(label)) for choice_id, label in choice.items())
    return pairs


def _radio_scale(raw: dict[str, Any], item_id: str, state: _State) -> str:
    """The scale of a radiogroup; identical choice sets share one scale."""
    choices = []
    for choice_id, label in _choices(raw):
        code = choice_id.removeprefix(f"{raw.get('id')}_")
        if not _ID.match(code) or code in KEYWORDS:
            code = choice_id
        value = 0.0 if choice_id in state.warn_choices else 1.0
        text = plain_text(label) or code
        choices.append({"code": code, "label": {"ja": text, "en": text}, "value": value})
        state.atoms[choice_id] = Equals(item_id, code)
    body = {"choices": choices}
    for scale_id, existing in state.scales.items():
        if existing == body:
            return scale_id
    scale_id = f"choice-{item_id}"
    state.scales[scale_id] = body
    return scale_id


def _resolve_conditions(state: _State) -> None:
    for item, raw_conds in state.pending:
        try:
            parts = [translate_condition(text, state.atoms) for text in raw_conds]
            if len(parts) > 1:  # the same tree as And(And(p1, p2), p3), with the operand limit over all of them
                parts = [translate_condition(" && ".join(f"({text})" for text in raw_conds), state.atoms)]
        except UntranslatableError as error:
            state.warnings.append(f"{item['id']}: condition {' && '.join(raw_conds)!r} dropped: {error}")
            continue
        if not parts:
            continue
        condition: Condition = parts[0]
        if any(other == item["id"] for other, _ in item_codes(condition)):
            state.warnings.append(f"{item['id']}: condition dropped: it refers to the item itself")
            continue
        item["condition"] = unparse(condition)
