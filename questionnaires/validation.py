"""Turning a parsed definition structure into a :class:`Questionnaire`, reporting every problem at once."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from questionnaires.checker import Checker, describe, is_number, join
from questionnaires.conditions import Condition, ConditionSyntaxError, item_codes, parse
from questionnaires.errors import DefinitionError
from questionnaires.model import (
    EVIDENCE_KINDS,
    EVIDENCE_REQUIREMENTS,
    FORMAT_VERSION,
    SCORING_MODELS,
    Band,
    Choice,
    EvidenceRule,
    Item,
    Questionnaire,
    Scale,
    ScoringModel,
    Section,
    Text,
    Tier,
)

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
TOP_REQUIRED = ("format", "key", "version", "title", "source", "licence", "scales", "sections")
TOP_OPTIONAL = ("description", "levels", "scoring")
#: ``meti_scs`` counts an item met or not: its scale must say yes and no, and may say nothing else but these.
YES_NO_CODES = frozenset({"yes", "no", "partial", "unknown", "na"})
#: ``aichi`` scores 0–5 points per answer (0: judged unnecessary, left out of the means).
AICHI_POINTS = frozenset(range(6))
ITEM_REQUIRED = ("id", "tier", "text", "scale")
ITEM_OPTIONAL = (
    "guidance", "weight", "required", "critical", "evidence", "condition", "references",
)  # fmt: skip


def build_questionnaire(data: object, file: str) -> Questionnaire:
    """Validate a definition structure (as read from YAML or stored JSON) and build the questionnaire.

    :raises DefinitionError: listing every problem found; nothing is returned half-built.
    """
    check = Checker(file)
    top = check.mapping(data, "", TOP_REQUIRED, TOP_OPTIONAL)
    if top is None:
        raise DefinitionError(check.problems)
    if "format" in top and top["format"] != FORMAT_VERSION:
        check.add("format", f"unsupported format {describe(top['format'])} (this loader reads {FORMAT_VERSION})")
    key = check.string(top["key"], "key", KEY_PATTERN) if "key" in top else None
    version = check.string(top["version"], "version", VERSION_PATTERN) if "version" in top else None
    title = check.text(top["title"], "title") if "title" in top else None
    description = check.text(top["description"], "description") if "description" in top else None
    source = check.string(top["source"], "source") if "source" in top else None
    licence = check.string(top["licence"], "licence") if "licence" in top else None
    scoring = _scoring(check, top.get("scoring", {"model": "default"}))
    levels = _levels(check, top["levels"]) if "levels" in top else {}
    scales, broken_scales = _scales(check, top["scales"]) if "scales" in top else ({}, set())
    sections, conditions, declared = (
        _sections(check, top["sections"], scales, broken_scales) if "sections" in top else ((), {}, {})
    )
    resolved = _check_conditions(check, sections, conditions, scales, declared)
    _check_items_fit(check, sections, declared, levels, scoring, scales)
    if check.problems:
        raise DefinitionError(check.problems)
    assert key and version and title and source and licence and scoring and levels is not None  # no problems
    final_sections = tuple(
        Section(
            section.id,
            section.title,
            tuple(_with_condition(item, resolved.get(item.id)) for item in section.items),
            section.description,
            section.cites_subassessments,
        )
        for section in sections
    )
    return Questionnaire(
        key, version, title, source, licence, scoring, scales, final_sections, description, levels=levels
    )


def _with_condition(item: Item, condition: Condition | None) -> Item:
    if condition is None:
        return item
    return replace(item, condition=condition)


def _levels(check: Checker, value: object) -> dict[Tier, Text] | None:
    """The named tiers: a prefix of T1, T2, T3 (T1; T1 and T2; or all three), each with a text."""
    data = check.any_mapping(value, "levels")
    if data is None:
        return None
    if not data:
        check.add("levels", "must name at least T1")
        return None
    levels: dict[Tier, Text] = {}
    ok = True
    for key, name in data.items():
        path = join("levels", key)
        if key not in {tier.value for tier in Tier}:
            check.add(path, f"unknown tier {describe(key)} (expected T1, T2, T3)")
            ok = False
            continue
        text = check.text(name, path)
        if text is None:
            ok = False
        else:
            levels[Tier(key)] = text
    if not ok:
        return None
    expected = list(Tier)[: len(data)]
    if sorted(levels, key=lambda tier: tier.rank) != expected:
        given = ", ".join(str(key) for key in data)
        check.add("levels", f"must be cumulative: T1, then T2, then T3, none left out (got {given})")
        return None
    return {tier: levels[tier] for tier in expected}


def _scoring(check: Checker, value: object) -> ScoringModel | None:
    data = check.mapping(value, "scoring", ("model",), ("bands", "level_threshold"))
    if data is None or "model" not in data:
        return None
    model = data["model"]
    if model not in SCORING_MODELS:
        check.add("scoring.model", f"must be one of {', '.join(SCORING_MODELS)} (got {describe(model)})")
        return None
    if "level_threshold" in data and model != "jama_levels":
        check.add("scoring.level_threshold", "only allowed with model jama_levels")
        return None
    if model == "jama_levels" and "level_threshold" in data:
        threshold = data["level_threshold"]
        if not is_number(threshold) or not 0 < threshold <= 100:
            check.add(
                "scoring.level_threshold", f"must be a percentage above 0, at most 100 (got {describe(threshold)})"
            )
            return None
        return ScoringModel(model, level_threshold=float(threshold))
    if model != "ipa_points":
        if "bands" in data:
            check.add("scoring.bands", "only allowed with model ipa_points")
        return ScoringModel(model)
    if "bands" not in data:
        check.add("scoring.bands", "is required with model ipa_points")
        return None
    raw_bands = check.list_of(data["bands"], "scoring.bands", "must contain at least one band")
    if raw_bands is None:
        return None
    bands: list[Band] = []
    previous: float | None = None
    for index, raw in enumerate(raw_bands):
        path = f"scoring.bands[{index}]"
        band = check.mapping(raw, path, ("min", "label"))
        if band is None or "min" not in band or "label" not in band:
            continue
        label = check.text(band["label"], join(path, "label"))
        minimum = band["min"]
        if minimum is None:
            if index != len(raw_bands) - 1:
                check.add(join(path, "min"), "only the last band may have no minimum")
                continue
        elif not is_number(minimum):
            check.add(join(path, "min"), f"must be a number or null (got {describe(minimum)})")
            continue
        elif previous is not None and minimum >= previous:
            check.add(join(path, "min"), f"must be lower than the previous band's minimum ({previous:g})")
            continue
        else:
            previous = float(minimum)
        if label is not None:
            bands.append(Band(None if minimum is None else float(minimum), label))
    return ScoringModel("ipa_points", tuple(bands))


def _scales(check: Checker, value: object) -> tuple[dict[str, Scale], set[str]]:
    """The valid scales, and the ids of scales that are declared but invalid (already reported)."""
    data = check.any_mapping(value, "scales")
    scales: dict[str, Scale] = {}
    if data is None:
        return scales, set()
    if not data:
        check.add("scales", "must define at least one scale")
    for scale_id, body in data.items():
        path = join("scales", scale_id)
        if check.identifier(scale_id, path) is None:
            continue
        scale_data = check.mapping(body, path, (), ("kind", "choices"))
        if scale_data is None:
            continue
        kind = scale_data.get("kind", "choice")
        if kind == "text":
            if "choices" in scale_data:
                check.add(join(path, "choices"), "not allowed on a scale of kind text")
            scales[scale_id] = Scale(scale_id, (), "text")
            continue
        if kind != "choice":
            check.add(join(path, "kind"), f"must be one of choice, text (got {describe(kind)})")
            continue
        if "choices" not in scale_data:
            check.add(join(path, "choices"), "is required")
            continue
        choices = _choices(check, scale_data["choices"], join(path, "choices"))
        if choices is not None:
            scales[scale_id] = Scale(scale_id, choices)
    return scales, {str(scale_id) for scale_id in data} - set(scales)


def _choices(check: Checker, value: object, path: str) -> tuple[Choice, ...] | None:
    raw_choices = check.list_of(value, path, "must contain at least one choice")
    if raw_choices is None:
        return None
    choices: list[Choice] = []
    seen: set[str] = set()
    before = len(check.problems)
    for index, raw in enumerate(raw_choices):
        choice_path = f"{path}[{index}]"
        data = check.mapping(raw, choice_path, ("code", "label", "value"))
        if data is None or any(key not in data for key in ("code", "label", "value")):
            continue
        code = check.identifier(data["code"], join(choice_path, "code"))
        if code is not None and code in seen:
            check.add(join(choice_path, "code"), f"duplicate code {code!r}")
            code = None
        label = check.text(data["label"], join(choice_path, "label"))
        raw_value = data["value"]
        if raw_value is not None and not is_number(raw_value):
            check.add(
                join(choice_path, "value"),
                f"must be a number, or null to leave the answer out of rates (got {describe(raw_value)})",
            )
            continue
        if code is not None and label is not None:
            seen.add(code)
            choices.append(Choice(code, label, None if raw_value is None else float(raw_value)))
    return tuple(choices) if len(check.problems) == before else None


def _sections(
    check: Checker, value: object, scales: dict[str, Scale], broken_scales: set[str]
) -> tuple[tuple[Section, ...], dict[str, tuple[str, str]], dict[str, str]]:
    """Sections with their items (conditions still unresolved), each item's raw condition + path, and every
    declared id with the path of its ``id`` key."""
    raw_sections = check.list_of(value, "sections", "must contain at least one section")
    if raw_sections is None:
        return (), {}, {}
    sections: list[Section] = []
    conditions: dict[str, tuple[str, str]] = {}
    ids: dict[str, str] = {}
    for s_index, raw_section in enumerate(raw_sections):
        path = f"sections[{s_index}]"
        data = check.mapping(raw_section, path, ("id", "title", "items"), ("description", "cites_subassessments"))
        if data is None:
            continue
        section_id = _unique_id(check, data, path, ids)
        title = check.text(data["title"], join(path, "title")) if "title" in data else None
        description = check.text(data["description"], join(path, "description")) if "description" in data else None
        cites = check.boolean(data.get("cites_subassessments", False), join(path, "cites_subassessments"))
        if "items" not in data:
            continue
        raw_items = check.list_of(data["items"], join(path, "items"), "must contain at least one item")
        items: list[Item] = []
        for i_index, raw_item in enumerate(raw_items or []):
            item_path = f"{path}.items[{i_index}]"
            item = _item(check, raw_item, item_path, section_id or "", scales, ids, broken_scales)
            if item is not None:
                items.append(item)
                if isinstance(raw_item, dict) and raw_item.get("condition") is not None:
                    conditions[item.id] = (raw_item["condition"], join(item_path, "condition"))
        if section_id is not None and title is not None:
            sections.append(Section(section_id, title, tuple(items), description, bool(cites)))
    return tuple(sections), conditions, ids


def _unique_id(check: Checker, data: dict[str, Any], path: str, ids: dict[str, str]) -> str | None:
    if "id" not in data:
        return None
    id_path = join(path, "id")
    found = check.identifier(data["id"], id_path)
    if found is None:
        return None
    if found in ids:
        check.add(id_path, f"duplicate id {found!r} (also used at {ids[found]})")
        return None
    ids[found] = id_path
    return found


def _item(
    check: Checker,
    value: object,
    path: str,
    section_id: str,
    scales: dict[str, Scale],
    ids: dict[str, str],
    broken_scales: set[str],
) -> Item | None:
    data = check.mapping(value, path, ITEM_REQUIRED, ITEM_OPTIONAL)
    if data is None:
        return None
    item_id = _unique_id(check, data, path, ids)
    tier: Tier | None = None
    if "tier" in data:
        if isinstance(data["tier"], str) and data["tier"] in {tier.value for tier in Tier}:
            tier = Tier(data["tier"])
        else:
            check.add(join(path, "tier"), f"must be one of T1, T2, T3 (got {describe(data['tier'])})")
    text = check.text(data["text"], join(path, "text")) if "text" in data else None
    guidance = check.text(data["guidance"], join(path, "guidance")) if "guidance" in data else None
    scale = check.identifier(data["scale"], join(path, "scale")) if "scale" in data else None
    if scale in broken_scales:
        scale = None  # the scale's own problems are reported; an extra one here would only be noise
    elif scale is not None and scale not in scales:
        defined = ", ".join(scales) or "none"
        check.add(join(path, "scale"), f"unknown scale {scale!r} (defined: {defined})")
        scale = None
    weight = check.positive_number(data["weight"], join(path, "weight")) if "weight" in data else 1.0
    required = check.boolean(data["required"], join(path, "required")) if "required" in data else True
    critical = check.boolean(data["critical"], join(path, "critical")) if "critical" in data else False
    evidence = _evidence(check, data["evidence"], join(path, "evidence")) if "evidence" in data else EvidenceRule()
    references = _references(check, data["references"], join(path, "references")) if "references" in data else {}
    if "condition" in data and not isinstance(data["condition"], str):
        check.add(join(path, "condition"), f"must be a string (got {describe(data['condition'])})")
    parts = (item_id, tier, text, scale, weight, required, critical, evidence, references)
    if any(part is None for part in parts):
        return None
    return Item(
        item_id, section_id, tier, text, scale, guidance,  # type: ignore[arg-type]
        weight, required, critical, evidence, None, references,  # type: ignore[arg-type]
    )  # fmt: skip


def _evidence(check: Checker, value: object, path: str) -> EvidenceRule | None:
    data = check.mapping(value, path, (), ("required", "kinds", "max_age_days", "description"))
    if data is None:
        return None
    ok = True
    required = data.get("required", "never")
    if required not in EVIDENCE_REQUIREMENTS:
        check.add(join(path, "required"), f"must be one of never, always, if_implemented (got {describe(required)})")
        ok = False
    kinds: list[str] = []
    raw_kinds = check.list_of(data["kinds"], join(path, "kinds")) if "kinds" in data else []
    for index, kind in enumerate(raw_kinds or []):
        if kind not in EVIDENCE_KINDS:
            check.add(
                f"{path}.kinds[{index}]",
                f"unknown evidence kind {describe(kind)} (expected one of: {', '.join(EVIDENCE_KINDS)})",
            )
            ok = False
        else:
            kinds.append(kind)
    max_age = data.get("max_age_days")
    if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool) or max_age <= 0):
        check.add(join(path, "max_age_days"), f"must be a positive whole number of days (got {describe(max_age)})")
        ok = False
    description = check.text(data["description"], join(path, "description")) if "description" in data else None
    if not ok or raw_kinds is None or ("description" in data and description is None):
        return None
    return EvidenceRule(required, tuple(kinds), max_age, description)


def _references(check: Checker, value: object, path: str) -> dict[str, tuple[str, ...]] | None:
    data = check.any_mapping(value, path)
    if data is None:
        return None
    references: dict[str, tuple[str, ...]] = {}
    for scheme, refs in data.items():
        ref_path = join(path, scheme)
        if check.string(scheme, ref_path) is None:
            continue
        if not isinstance(refs, list) or not all(isinstance(ref, str) and ref.strip() for ref in refs):
            check.add(ref_path, f"must be a list of strings (got {describe(refs)})")
            continue
        references[scheme] = tuple(refs)
    return references if len(references) == len(data) else None


def _check_conditions(
    check: Checker,
    sections: tuple[Section, ...],
    raw: dict[str, tuple[str, str]],
    scales: dict[str, Scale],
    declared: dict[str, str],
) -> dict[str, Condition]:
    """Parse each condition and check the items and codes it names, then look for cycles."""
    items = {item.id: item for section in sections for item in section.items}
    parsed: dict[str, Condition] = {}
    for item_id, (text, path) in raw.items():
        if not isinstance(text, str):
            continue
        try:
            condition = parse(text)
        except ConditionSyntaxError as error:
            check.add(path, f"syntax error: {error}")
            continue
        before = len(check.problems)
        for other_id, code in dict.fromkeys(item_codes(condition)):
            if other_id in declared and other_id not in items and other_id != item_id:
                continue  # that item is invalid and already reported; its codes cannot be checked
            _check_reference(check, path, item_id, other_id, code, items, scales)
        if len(check.problems) == before:
            parsed[item_id] = condition
    _check_cycles(check, parsed, raw)
    return parsed


def _check_items_fit(
    check: Checker,
    sections: tuple[Section, ...],
    declared: dict[str, str],
    levels: dict[Tier, Text] | None,
    scoring: ScoringModel | None,
    scales: dict[str, Scale],
) -> None:
    """Each item's tier is one of the named levels, and its scale is one the scoring model can score."""
    for item in (item for section in sections for item in section.items):
        path = declared[item.id].removesuffix(".id")
        if levels and item.tier not in levels:
            named = ", ".join(tier.value for tier in levels)
            check.add(
                join(path, "tier"), f"must be one of the questionnaire's levels {named} (got {item.tier.value!r})"
            )
        scale = scales[item.scale]
        if scoring is None or scale.kind == "text":
            continue  # free-text answers are never scored
        if scoring.model == "meti_scs" and not (
            {"yes", "no"} <= set(scale.codes()) and set(scale.codes()) <= YES_NO_CODES
        ):
            check.add(
                join(path, "scale"),
                f"item {item.id!r}: model meti_scs needs a yes/no scale (codes yes and no; partial, unknown, na "
                f"allowed), and scale {scale.id!r} has {', '.join(scale.codes())}",
            )
        if scoring.model == "aichi" and not all(
            choice.value is None or choice.value in AICHI_POINTS for choice in scale.choices
        ):
            values = ", ".join("null" if c.value is None else f"{c.value:g}" for c in scale.choices)
            check.add(
                join(path, "scale"),
                f"item {item.id!r}: model aichi needs a 0–5 points scale (whole points 0 to 5), "
                f"and scale {scale.id!r} has values {values}",
            )


def _check_reference(
    check: Checker,
    path: str,
    item_id: str,
    other_id: str,
    code: str,
    items: dict[str, Item],
    scales: dict[str, Scale],
) -> None:
    if other_id == item_id:
        check.add(path, f"refers to its own item {item_id!r}")
        return
    other = items.get(other_id)
    if other is None:
        check.add(path, f"names unknown item {other_id!r}")
        return
    scale = scales[other.scale]
    if scale.kind == "text":
        check.add(path, f"item {other_id!r} has a free-text answer and cannot be compared with a code")
    elif scale.choice(code) is None:
        check.add(path, f"code {code!r} is not in the scale of item {other_id!r} ({', '.join(scale.codes())})")


def _check_cycles(check: Checker, parsed: dict[str, Condition], raw: dict[str, tuple[str, str]]) -> None:
    graph = {item_id: sorted(condition.item_ids()) for item_id, condition in parsed.items()}
    reported: set[frozenset[str]] = set()
    for start in graph:
        # Depth-first walk from each item; a path returning to ``start`` is a cycle through it.
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        visited: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, []):
                if nxt == start:
                    members = frozenset(trail)
                    if members not in reported:
                        reported.add(members)
                        check.add(raw[start][1], f"conditions form a cycle: {' -> '.join([*trail, start])}")
                elif nxt not in visited:
                    visited.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    for item_id in {member for cycle in reported for member in cycle}:
        parsed.pop(item_id, None)
