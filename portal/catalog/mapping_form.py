"""The mapping page's form: column pickers and value tables ⇄ the mapping structure the engine reads.

Only the keys the page shows are rewritten from the form; any other key of the mapping (a mapping file
uploaded again may carry more, e.g. an evidence rule or several reference schemes) is kept as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl.utils.cell import get_column_letter

from questionnaires.importers.row_rules import BUILTIN_SCALES

#: The pickers, in the page's order: field name → label.
COLUMN_FIELDS: dict[str, Any] = {
    "id": _l("Question number"),
    "text": _l("Question"),
    "section1": _l("Section"),
    "section2": _l("Sub-section"),
    "section3": _l("Sub-sub-section"),
    "guidance": _l("Guidance"),
    "answer_type": _l("Answer type"),
    "references": _l("References"),
    "weight": _l("Weight"),
    "critical": _l("Critical"),
    "evidence": _l("Evidence required"),
}
TIER_FIELDS = ("tier_T1", "tier_T2", "tier_T3")
ANSWER_KINDS: dict[str, Any] = {
    "yes-no": _l("Yes / No"),
    "yes-no-na": _l("Yes / No / Not applicable"),
    "text": _l("Free text"),
    "implementation": _l("Implemented / Partially / Not implemented"),
    "choices": _l("Own choices"),
}
#: Where a problem's mapping key is shown on the page: key prefix → field name.
FIELD_OF_KEY = {
    "id": "id", "text": "text", "sections": "section1", "guidance": "guidance", "answer_type": "answer_type",
    "references": "references", "weight": "weight", "critical": "critical", "evidence": "evidence",
    "tiers": "tier_T1", "tier": "tier_T1", "default_tier": "default_tier", "header_rows": "header_rows",
    "sheet": "sheet", "follow_ups": "follow_ups", "headings": "headings", "skip": "skip_column",
    "explanatory": "explanatory_column",
}  # fmt: skip


@dataclass
class MappingForm:
    """The form's values (as posted, or read from a mapping) and what is wrong with them, by field."""

    values: dict[str, str] = field(default_factory=dict)
    answer_values: list[tuple[str, str, str]] = field(default_factory=list)  # (cell value, kind, choices)
    tier_values: list[tuple[str, str]] = field(default_factory=list)  # (cell value, tier)
    errors: dict[str, Any] = field(default_factory=dict)


def column_choices(rows: list[list[str]], header_rows: int) -> list[tuple[str, str]]:
    """(letter, "C: 質問項目") for each column of the grid, its header rows' texts as the label."""
    width = max((len(row) for row in rows), default=0)
    choices = []
    for index in range(width):
        letter = get_column_letter(index + 1)
        words = dict.fromkeys(
            row[index].strip() for row in rows[:header_rows] if index < len(row) and row[index].strip()
        )
        label = " / ".join(words)
        choices.append((letter, f"{letter}: {label[:40]}" if label else letter))
    return choices


def form_from_mapping(mapping: Mapping[str, Any], output: Mapping[str, str]) -> MappingForm:
    form = MappingForm()
    values = form.values
    values["sheet"] = str(mapping.get("sheet") or "")
    values["header_rows"] = str(mapping.get("header_rows", 1))
    id_spec = mapping.get("id")
    values["id"], values["id_separator"] = (
        (_letter(id_spec.get("column")), str(id_spec.get("separator", "-")))
        if isinstance(id_spec, dict)
        else (_letter(id_spec), "-")
    )
    values["text"] = _letter(_first(mapping.get("text")))
    for index, level in enumerate(mapping.get("sections") or []):
        if index < 3 and isinstance(level, dict):
            values[f"section{index + 1}"] = _letter(level.get("title"))
    values["headings"] = "on" if "headings" in mapping else ""
    values["guidance"] = _letter(_first(mapping.get("guidance")))
    for name in ("weight", "critical"):
        values[name] = _letter(mapping.get(name))
    evidence = mapping.get("evidence")
    values["evidence"] = _letter(evidence.get("column") if isinstance(evidence, dict) else evidence)
    references = mapping.get("references")
    values["references"] = _letter(next(iter(references.values()), "")) if isinstance(references, dict) else ""
    tiers = mapping.get("tiers")
    if isinstance(tiers, dict):
        for tier in ("T1", "T2", "T3"):
            values[f"tier_{tier}"] = _letter(tiers.get(tier))
    single = mapping.get("tier")
    if isinstance(single, dict):
        values["tier_column"] = _letter(single.get("column"))
        form.tier_values = [(str(k), str(v)) for k, v in (single.get("values") or {}).items()]
    values["default_tier"] = str(mapping.get("default_tier") or "")
    answer = mapping.get("answer_type")
    if isinstance(answer, dict):
        values["answer_type"] = _letter(answer.get("column"))
        values["answer_default"] = str(answer.get("default") or "")
        for cell, target in (answer.get("values") or {}).items():
            if isinstance(target, dict):
                choices = [c.get("label") if isinstance(c, dict) else c for c in target.get("choices", [])]
                form.answer_values.append((str(cell), "choices", ", ".join(str(c) for c in choices)))
            else:
                form.answer_values.append((str(cell), str(target), ""))
    follow_ups = mapping.get("follow_ups")
    if isinstance(follow_ups, dict):
        values["follow_ups"] = str(follow_ups.get("by", "id"))
        values["follow_ups_column"] = _letter(follow_ups.get("column"))
    for name in ("skip", "explanatory"):
        rules = mapping.get(name)
        rule = rules[0] if isinstance(rules, list) and rules else rules
        if isinstance(rule, dict):
            values[f"{name}_column"] = _letter(rule.get("column"))
            equals = rule.get("equals")
            values[f"{name}_equals"] = str(equals[0] if isinstance(equals, list) and equals else equals or "")
            values[f"{name}_empty"] = "on" if rule.get("empty") else ""
    values.update({name: str(output.get(name, "")) for name in ("key", "version", "title")})
    return form


def form_from_post(posted: Mapping[str, str]) -> MappingForm:
    form = MappingForm(values={name: posted.get(name, "").strip() for name in _POSTED})
    for index in range(200):
        cell = posted.get(f"at_value_{index}")
        if cell is None:
            break
        form.answer_values.append((cell, posted.get(f"at_kind_{index}", ""), posted.get(f"at_choices_{index}", "")))
    new_value = posted.get("at_value_new", "").strip()
    if new_value:
        form.answer_values.append((new_value, posted.get("at_kind_new", ""), posted.get("at_choices_new", "")))
    for index in range(200):
        cell = posted.get(f"tv_value_{index}")
        if cell is None:
            break
        form.tier_values.append((cell, posted.get(f"tv_tier_{index}", "")))
    new_tier_value = posted.get("tv_value_new", "").strip()
    if new_tier_value:
        form.tier_values.append((new_tier_value, posted.get("tv_tier_new", "T1")))
    _check(form)
    return form


def mapping_from_form(form: MappingForm, kept: Mapping[str, Any]) -> dict[str, Any]:
    """The mapping the form says, over ``kept`` (the keys the page does not show stay as they were)."""
    values = form.values
    mapping = {key: value for key, value in kept.items() if key in _NOT_ON_PAGE}
    if values.get("sheet"):
        mapping["sheet"] = values["sheet"]
    rows = values.get("header_rows") or "1"
    mapping["header_rows"] = int(rows) if rows.isascii() and rows.isdigit() and len(rows) < 3 else 1
    separator = values.get("id_separator") or "-"
    id_spec = {**_dict(kept.get("id")), "column": values["id"], "separator": separator}
    mapping["id"] = id_spec if set(id_spec) != {"column", "separator"} or separator != "-" else values["id"]
    mapping["text"] = _columns_kept(kept.get("text"), values["text"])
    kept_sections = kept.get("sections")
    old_sections: list[Any] = kept_sections if isinstance(kept_sections, list) else []
    sections = [
        _section_kept(old_sections, index, values[name])
        for index, name in enumerate(("section1", "section2", "section3"))
        if values.get(name)
    ]
    if sections:
        mapping["sections"] = sections
    if values.get("headings") or not sections:
        mapping["headings"] = {"title": values["text"], **_dict(kept.get("headings"))}
    if values.get("guidance"):
        mapping["guidance"] = _columns_kept(kept.get("guidance"), values["guidance"])
    for name in ("weight", "critical"):
        if values.get(name):
            mapping[name] = values[name]
    if values.get("evidence"):
        kept_rule = kept.get("evidence")
        mapping["evidence"] = (
            {**kept_rule, "column": values["evidence"]} if isinstance(kept_rule, dict) else values["evidence"]
        )
    if values.get("references"):
        old = kept.get("references")
        scheme = next(iter(old), "ref") if isinstance(old, dict) and old else "ref"
        mapping["references"] = {**(old if isinstance(old, dict) else {}), scheme: values["references"]}
    _tiers_into(form, mapping)
    _answer_types_into(form, mapping)
    if values.get("follow_ups") in ("id", "depth"):
        kept_follow_ups = {k: v for k, v in _dict(kept.get("follow_ups")).items() if k not in ("by", "column")}
        mapping["follow_ups"] = {"by": values["follow_ups"], **kept_follow_ups}
        if values["follow_ups"] == "depth":
            mapping["follow_ups"]["column"] = values.get("follow_ups_column", "")
    for name in ("skip", "explanatory"):
        column = values.get(f"{name}_column")
        if column:
            rule: dict[str, Any] = {"column": column}
            if values.get(f"{name}_empty"):
                rule["empty"] = True
            if values.get(f"{name}_equals"):
                rule["equals"] = values[f"{name}_equals"]
            more = kept.get(name)
            mapping[name] = [rule, *(more[1:] if isinstance(more, list) else [])]  # the page shows the first rule
    return mapping


def _dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _columns_kept(kept: object, letter: str) -> Any:
    """``letter``, or the kept list of columns when the page's one column is its first."""
    return kept if isinstance(kept, list) and kept and _letter(kept[0]) == letter else letter


def _section_kept(kept: list[Any], index: int, letter: str) -> dict[str, Any]:
    """A section level with the page's title column, keeping its id column or segments when the title is unchanged."""
    old = kept[index] if index < len(kept) and isinstance(kept[index], dict) else {}
    return {**old, "title": letter} if _letter(old.get("title")) == letter else {"title": letter}


def output_from_form(form: MappingForm) -> dict[str, str]:
    return {name: form.values.get(name, "") for name in ("key", "version", "title")}


def _tiers_into(form: MappingForm, mapping: dict[str, Any]) -> None:
    values = form.values
    marked = {tier: values[f"tier_{tier}"] for tier in ("T1", "T2", "T3") if values.get(f"tier_{tier}")}
    if marked:
        mapping["tiers"] = marked
    elif values.get("tier_column"):
        mapping["tier"] = {"column": values["tier_column"], "values": dict(form.tier_values)}
    if values.get("default_tier"):
        mapping["default_tier"] = values["default_tier"]
    elif not marked and not values.get("tier_column"):
        mapping["default_tier"] = "T1"  # no level column: every question is asked at the first level


def _answer_types_into(form: MappingForm, mapping: dict[str, Any]) -> None:
    values = form.values
    if not values.get("answer_type"):
        if form.answer_values:
            form.errors["answer_type"] = _l("Choose the column holding the answer types.")
        return
    table: dict[str, Any] = {}
    for cell, kind, choices in form.answer_values:
        if kind == "choices":
            table[cell] = {"choices": [part.strip() for part in choices.replace("、", ",").split(",") if part.strip()]}
        else:
            table[cell] = kind
    spec: dict[str, Any] = {"column": values["answer_type"], "values": table}
    if values.get("answer_default"):
        spec["default"] = values["answer_default"]
    mapping["answer_type"] = spec


def _check(form: MappingForm) -> None:
    values = form.values
    for required in ("id", "text"):
        if not values.get(required):
            form.errors[required] = _l("Choose a column.")
    rows = values.get("header_rows") or "1"
    if not (rows.isascii() and rows.isdigit() and len(rows) < 3 and int(rows) <= 20):
        form.errors["header_rows"] = _l("Enter a number from 0 to 20.")
    for cell, kind, choices in form.answer_values:
        if kind not in ANSWER_KINDS:
            form.errors["answer_type"] = _l("Choose an answer type for %(value)s.", value=cell)
        elif kind == "choices" and not choices.strip():
            form.errors["answer_type"] = _l("List the choices for %(value)s, separated by commas.", value=cell)
    if values.get("follow_ups") == "depth" and not values.get("follow_ups_column"):
        form.errors["follow_ups"] = _l("Choose the column holding the depth.")
    if any(tier not in ("T1", "T2", "T3") for _cell, tier in form.tier_values):
        form.errors["tier_T1"] = _l("Choose a level for each value.")


def _letter(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("letter") or value.get("header")
    return str(value) if isinstance(value, str) else ""


def _first(value: object) -> object:
    return value[0] if isinstance(value, list) and value else value


_POSTED = (
    "sheet", "header_rows", "id", "id_separator", "text", "section1", "section2", "section3", "headings",
    "guidance", "answer_type", "answer_default", "references", "weight", "critical", "evidence", "tier_T1",
    "tier_T2", "tier_T3", "tier_column", "default_tier", "follow_ups", "follow_ups_column", "skip_column",
    "skip_equals", "skip_empty", "explanatory_column", "explanatory_equals", "explanatory_empty", "key",
    "version", "title",
)  # fmt: skip
#: Keys of a mapping the page does not show, kept from the mapping as it was.
_NOT_ON_PAGE = frozenset({"encoding"})
assert set(BUILTIN_SCALES) <= set(ANSWER_KINDS)
