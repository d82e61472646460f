"""The mapping file that tells the table importer where things are in a checksheet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from questionnaires.model import SCORING_MODELS, Tier
from questionnaires.yaml_io import read_yaml

if TYPE_CHECKING:
    from questionnaires.importers.row_rules import RowRules

MAX_MAPPING_BYTES = 256 * 1024
_LETTERS = re.compile(r"^[A-Z]{1,3}$")

DEFAULT_SCALES: dict[str, Any] = {
    "implementation": {
        "choices": [
            {"code": "yes", "label": {"ja": "実施している", "en": "Implemented"}, "value": 1.0},
            {
                "code": "partial",
                "label": {"ja": "一部実施している", "en": "Partially implemented"},
                "value": 0.5,
            },
            {"code": "no", "label": {"ja": "実施していない", "en": "Not implemented"}, "value": 0.0},
            {"code": "unknown", "label": {"ja": "わからない", "en": "Don't know"}, "value": 0.0},
            {"code": "na", "label": {"ja": "該当しない", "en": "Not applicable"}, "value": None},
        ]
    }
}


class TableImportError(ValueError):
    """A checksheet or mapping file cannot be imported; ``row``/``column`` locate the cell when known."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None) -> None:
        where = ", ".join(part for part in (f"row {row}" if row else "", f"column {column}" if column else "") if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class ColumnRef:
    """A column named by letter (``B``) or by the text of a header cell."""

    letter: str | None = None
    header: str | None = None

    def __str__(self) -> str:
        return self.letter or f"header {self.header!r}"


@dataclass(frozen=True)
class SectionLevel:
    """One level of the section hierarchy: an optional id column and a title column."""

    title: ColumnRef
    id: ColumnRef | None = None
    segments: int | None = None  # leading id segments forming this level's id when there is no id column


@dataclass(frozen=True)
class TableMapping:
    """Where the importer finds each part of a definition in a table."""

    output: dict[str, Any]
    id: ColumnRef
    text: tuple[ColumnRef, ...]
    sections: tuple[SectionLevel, ...]
    header_rows: int = 1
    sheet: str | None = None
    encoding: str = "utf-8-sig"
    id_separator: str = "-"
    id_levels: int | None = None
    guidance: tuple[ColumnRef, ...] = ()
    tier_columns: dict[Tier, ColumnRef] = field(default_factory=dict)
    tier_column: ColumnRef | None = None
    tier_values: dict[str, Tier] = field(default_factory=dict)
    default_tier: Tier | None = None
    references: dict[str, ColumnRef] = field(default_factory=dict)
    #: What each row is and how it is answered (questionnaires.importers.row_rules).
    rows: RowRules = field(default_factory=lambda: _no_row_rules())


_TOP_KEYS = {
    "sheet", "header_rows", "encoding", "id", "sections", "text", "guidance", "tiers", "tier",
    "default_tier", "references", "output",
    # row_rules.ROW_KEYS:
    "answer_type", "follow_ups", "headings", "skip", "explanatory", "weight", "critical", "evidence",
}  # fmt: skip
_OUTPUT_KEYS = {
    "key",
    "version",
    "title",
    "description",
    "source",
    "licence",
    "scale",
    "scales",
    "item_defaults",
    "levels",
    "scoring",
}
#: ``output.scoring``: the definition's scoring block (FORMAT.md, Scoring models).
_SCORING_KEYS = {"model", "bands", "level_threshold"}


def load_mapping(path: str | Path) -> TableMapping:
    """Read and check a mapping YAML file.

    :raises TableImportError: naming the first problem in the mapping.
    """
    path = Path(path)
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise TableImportError(f"mapping file {path.name} is larger than {MAX_MAPPING_BYTES} bytes")
    try:
        data = read_yaml(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise TableImportError(f"mapping file {path.name}: {' '.join(str(error).split())}") from None
    return parse_mapping(data)


def parse_mapping(data: object) -> TableMapping:
    """Check a mapping structure (as read from YAML) and build a :class:`TableMapping`."""
    top = _dict(data, "mapping", _TOP_KEYS)
    output = _dict(top.get("output"), "output", _OUTPUT_KEYS)
    for required in ("key", "version", "title", "source", "licence"):
        if required not in output:
            raise TableImportError(f"mapping: output.{required} is required")
    if output.get("item_defaults") is not None:
        _dict(output["item_defaults"], "output.item_defaults", None)
    if "levels" in output:
        output = output | {"levels": _levels(output["levels"])}
    if "scoring" in output:
        _scoring(output["scoring"])
    id_spec = top.get("id")
    if isinstance(id_spec, dict):
        id_data = _dict(id_spec, "id", {"column", "separator", "levels"})
        id_column = _column(id_data.get("column"), "id.column")
        separator = str(id_data.get("separator", "-"))
        if not separator:
            raise TableImportError("mapping: id.separator must not be empty")
        levels = id_data.get("levels")
        if levels is not None and (not isinstance(levels, int) or isinstance(levels, bool) or levels < 1):
            raise TableImportError("mapping: id.levels must be a positive whole number")
    else:
        id_column, separator, levels = _column(id_spec, "id"), "-", None
    raw_sections = top.get("sections", [] if "headings" in top else None)
    sections = tuple(_section_level(raw, index) for index, raw in enumerate(_list(raw_sections, "sections")))
    if not sections and "headings" not in top:
        raise TableImportError("mapping: sections must name at least one level (or map headings)")
    header_rows = top.get("header_rows", 1)
    if not isinstance(header_rows, int) or isinstance(header_rows, bool) or not 0 <= header_rows <= 20:
        raise TableImportError("mapping: header_rows must be a whole number from 0 to 20")
    tier_columns, tier_column, tier_values = _tiers(top, output.get("levels", {}))
    default_tier = _tier(top["default_tier"], "default_tier") if "default_tier" in top else None
    references = {
        str(scheme): _column(spec, f"references.{scheme}")
        for scheme, spec in _dict(top.get("references", {}), "references", None).items()
    }
    return TableMapping(
        output=output,
        id=id_column,
        text=_columns(top.get("text"), "text"),
        sections=sections,
        header_rows=header_rows,
        sheet=str(top["sheet"]) if top.get("sheet") is not None else None,
        encoding=str(top.get("encoding", "utf-8-sig")),
        id_separator=separator,
        id_levels=levels,
        guidance=_columns(top["guidance"], "guidance") if "guidance" in top else (),
        tier_columns=tier_columns,
        tier_column=tier_column,
        tier_values=tier_values,
        default_tier=default_tier,
        references=references,
        rows=_row_rules(top, output),
    )


def _row_rules(top: dict[str, Any], output: dict[str, Any]) -> RowRules:
    from questionnaires.importers.row_rules import parse_row_rules

    scales = output.get("scales")
    return parse_row_rules(top, scales if isinstance(scales, dict) else {})


def _no_row_rules() -> RowRules:
    from questionnaires.importers.row_rules import RowRules

    return RowRules()


def _levels(value: object) -> dict[str, dict[str, str]]:
    """``output.levels``: tier → name, as ``{ja, en}`` or one text for both (``T1: "★3"``); T1, T1–T2 or T1–T3."""
    names = _dict(value, "output.levels", {tier.value for tier in Tier})
    expected = [tier.value for tier in Tier][: len(names)]
    if sorted(names) != expected:
        raise TableImportError(f"mapping: output.levels must name T1, then T2, then T3 (got {', '.join(names)})")
    levels: dict[str, dict[str, str]] = {}
    for tier in expected:
        name = names[tier]
        if isinstance(name, str) and name.strip():
            levels[tier] = {"ja": name, "en": name}
        elif isinstance(name, dict) and set(name) == {"ja", "en"}:
            levels[tier] = {"ja": str(name["ja"]), "en": str(name["en"])}
        else:
            raise TableImportError(f"mapping: output.levels.{tier} must be a name or {{ja: ..., en: ...}}")
    return levels


def _scoring(value: object) -> None:
    """``output.scoring``: known keys and model here; the model's parameters are checked by the loader."""
    scoring = _dict(value, "output.scoring", _SCORING_KEYS)
    if scoring.get("model") not in SCORING_MODELS:
        raise TableImportError(
            f"mapping: output.scoring.model: must be one of {', '.join(SCORING_MODELS)} (got {scoring.get('model')!r})"
        )


def _tiers(
    top: dict[str, Any], levels: dict[str, dict[str, str]]
) -> tuple[dict[Tier, ColumnRef], ColumnRef | None, dict[str, Tier]]:
    if "tiers" in top and "tier" in top:
        raise TableImportError("mapping: give either tiers (a column per tier) or tier (one column), not both")
    if "tiers" in top:
        columns = _dict(top["tiers"], "tiers", None)
        return (
            {_tier(name, "tiers"): _column(spec, f"tiers.{name}") for name, spec in columns.items()},
            None,
            {},
        )
    if "tier" in top:
        spec = _dict(top["tier"], "tier", {"column", "values"})
        if "values" not in spec and levels:
            # Without values, the cells hold the level names of output.levels (★3, ★4).
            named = {name[lang]: tier for tier, name in levels.items() for lang in ("ja", "en")}
            return (
                {},
                _column(spec.get("column"), "tier.column"),
                {marker.strip(): Tier(t) for marker, t in named.items()},
            )
        values = _dict(spec.get("values"), "tier.values", None)
        return (
            {},
            _column(spec.get("column"), "tier.column"),
            {str(marker).strip(): _tier(tier, f"tier.values.{marker}") for marker, tier in values.items()},
        )
    return {}, None, {}


def _tier(value: object, where: str) -> Tier:
    if not isinstance(value, str) or value not in {tier.value for tier in Tier}:
        raise TableImportError(f"mapping: {where}: must be one of T1, T2, T3 (got {value!r})")
    return Tier(str(value))


def _section_level(raw: object, index: int) -> SectionLevel:
    data = _dict(raw, f"sections[{index}]", {"id", "title", "segments"})
    segments = data.get("segments")
    if segments is not None and (not isinstance(segments, int) or isinstance(segments, bool) or segments < 1):
        raise TableImportError(f"mapping: sections[{index}].segments must be a positive whole number")
    return SectionLevel(
        title=_column(data.get("title"), f"sections[{index}].title"),
        id=_column(data["id"], f"sections[{index}].id") if data.get("id") is not None else None,
        segments=segments,
    )


def _column(value: object, where: str) -> ColumnRef:
    if isinstance(value, dict):
        spec = _dict(value, where, {"letter", "header"})
        if "letter" in spec and _LETTERS.match(str(spec["letter"])):
            return ColumnRef(letter=str(spec["letter"]))
        if "header" in spec and isinstance(spec["header"], str) and spec["header"].strip():
            return ColumnRef(header=spec["header"])
        raise TableImportError(f"mapping: {where} must be {{letter: B}} or {{header: text}}")
    if isinstance(value, str) and value.strip():
        # A bare string is a column letter when it looks like one; write {header: ID} for such headers.
        return ColumnRef(letter=value) if _LETTERS.match(value) else ColumnRef(header=value)
    raise TableImportError(f"mapping: {where} must name a column (a letter like B, or header text)")


def _columns(value: object, where: str) -> tuple[ColumnRef, ...]:
    if isinstance(value, list):
        if not value:
            raise TableImportError(f"mapping: {where} must name at least one column")
        return tuple(_column(item, f"{where}[{index}]") for index, item in enumerate(value))
    return (_column(value, where),)


def _dict(value: object, where: str, allowed: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TableImportError(f"mapping: {where} must be a mapping")
    if allowed is not None:
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            raise TableImportError(
                f"mapping: {where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
            )
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise TableImportError(f"mapping: {where} must be a list")
    return value
