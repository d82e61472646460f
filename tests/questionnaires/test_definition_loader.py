"""The definition loader: the happy path, YAML traps, and one exact problem per bad definition."""

from __future__ import annotations

from pathlib import Path

import pytest

from questionnaires import (
    DefinitionError,
    Problem,
    Questionnaire,
    Tier,
    dump_yaml,
    load_directory,
    load_file,
    load_text,
)
from questionnaires.conditions import In

FILE = "small-check/2026.1.yaml"


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, FILE)
    assert all(problem.file == FILE for problem in caught.value.problems)
    return [(problem.path, problem.reason) for problem in caught.value.problems]


def test_small_definition_loads(small_definition: str) -> None:
    questionnaire = load_text(small_definition, FILE)

    assert isinstance(questionnaire, Questionnaire)
    assert [item.id for item in questionnaire.items] == ["GOV-01", "GOV-02", "STF-01"]
    assert [item.section_id for item in questionnaire.items] == ["governance", "governance", "staff"]
    assert [item.id for item in questionnaire.items_for_tier(Tier.T2)] == ["GOV-01", "GOV-02"]
    assert len(questionnaire.items_for_tier("T3")) == 3
    assert questionnaire.counts_by_tier() == {Tier.T1: 1, Tier.T2: 1, Tier.T3: 1}
    gov1 = questionnaire.item("GOV-01")
    assert gov1.critical and gov1.weight == 1.0 and gov1.required
    assert gov1.evidence.kinds == ("policy",) and gov1.evidence.max_age_days == 365
    assert gov1.references == {"ipa_5min": ("Q3",), "meti_scs": ("1-1-1-1",)}
    assert questionnaire.item("GOV-02").condition == In("GOV-01", ("yes", "partial"))
    assert questionnaire.item("GOV-02").weight == 2.0
    assert questionnaire.item("STF-01").required is False


def test_unquoted_yes_and_no_stay_strings(small_definition: str) -> None:
    scale = load_text(small_definition, FILE).scales["implementation"]

    assert scale.codes() == ("yes", "partial", "no", "unknown", "na")
    assert scale.choice("na") is not None and scale.choice("na").value is None  # type: ignore[union-attr]


def test_evidence_rule_if_implemented(small_definition: str) -> None:
    questionnaire = load_text(small_definition, FILE)
    scale = questionnaire.scales["implementation"]
    rule = questionnaire.item("GOV-01").evidence

    # "Implemented" only, as the rule's name and its label 実施している場合は必須 say (issue 17).
    assert [code for code in scale.codes() if rule.is_required_for(scale.choice(code))] == ["yes"]
    assert rule.required_codes(scale) == ("yes",)


def test_visibility(small_definition: str) -> None:
    item = load_text(small_definition, FILE).item("GOV-02")

    assert item.is_visible({"GOV-01": "partial"})
    assert not item.is_visible({"GOV-01": "no"})
    assert not item.is_visible({})


def test_round_trip_through_yaml_and_hash(small_definition: str) -> None:
    questionnaire = load_text(small_definition, FILE)
    exported = dump_yaml(questionnaire.to_dict())

    again = load_text(exported, FILE)
    assert again == questionnaire
    assert again.content_hash() == questionnaire.content_hash()
    changed = load_text(small_definition.replace("weight: 2", "weight: 3"), FILE)
    assert changed.content_hash() != questionnaire.content_hash()
    assert 'code: "yes"' in exported


def test_a_section_may_declare_that_its_items_cite_subcontractors_assessments(small_definition: str) -> None:
    plain = load_text(small_definition, FILE)
    flagged = load_text(
        small_definition.replace(
            "    title: {ja: 従業員, en: Staff}\n",
            "    title: {ja: 従業員, en: Staff}\n    cites_subassessments: true\n",
        ),
        FILE,
    )

    assert [s.cites_subassessments for s in plain.sections] == [False, False]
    assert [s.cites_subassessments for s in flagged.sections] == [False, True]
    assert "cites_subassessments" not in dump_yaml(plain.to_dict())
    assert load_text(dump_yaml(flagged.to_dict()), FILE) == flagged
    assert flagged.content_hash() != plain.content_hash()


def test_alias_bomb_is_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    assert problems_of(bomb) == [
        ("", "not valid YAML: line 2, column 8: YAML aliases (*name) are not allowed in definitions")
    ]


def test_python_tags_are_refused(small_definition: str) -> None:
    text = small_definition.replace('licence: "Apache-2.0"', "licence: !!python/object/apply:os.system [ls]")
    [(path, reason)] = problems_of(text)
    assert path == "" and "YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed" in reason


def test_duplicate_yaml_key_is_refused(small_definition: str) -> None:
    text = small_definition.replace("        tier: T2\n", "        tier: T2\n        tier: T3\n")
    assert problems_of(text) == [("", "not valid YAML: line 36, column 9: key 'tier' appears twice")]


def test_file_size_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "big" / "1.yaml"
    path.parent.mkdir()
    path.write_text("# " + "x" * (2 * 1024 * 1024) + "\n")
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    assert caught.value.problems == [Problem("big/1.yaml", "", "larger than 2097152 bytes")]


def test_nothing_half_loaded_every_problem_reported(small_definition: str) -> None:
    text = small_definition.replace("tier: T2", "tier: T4").replace("weight: 2", "weight: 0")
    problems = problems_of(text)
    assert problems == [
        ("sections[0].items[1].tier", "must be one of T1, T2, T3 (got 'T4')"),
        ("sections[0].items[1].weight", "must be a positive number (got integer 0)"),
    ]


def test_problem_text_names_file_path_and_reason(small_definition: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_text(small_definition.replace("tier: T2", "tier: T4"), FILE)
    assert (
        str(caught.value) == "small-check/2026.1.yaml: sections[0].items[1].tier: must be one of T1, T2, T3 (got 'T4')"
    )


BAD_DEFINITIONS = [
    pytest.param(
        "        weight: 2\n",
        "        wieght: 2\n",
        "sections[0].items[1].wieght",
        "unknown key (expected one of: id, tier, text, scale, guidance, weight, required, critical, "
        "evidence, condition, references)",
        id="unknown-item-key",
    ),
    pytest.param("        tier: T2\n", "", "sections[0].items[1].tier", "is required", id="missing-tier"),
    pytest.param(
        "- id: STF-01",
        "- id: GOV-01",
        "sections[1].items[0].id",
        "duplicate id 'GOV-01' (also used at sections[0].items[0].id)",
        id="duplicate-item-id",
    ),
    pytest.param(
        "- id: staff",
        "- id: GOV-02",
        "sections[1].id",
        "duplicate id 'GOV-02' (also used at sections[0].items[1].id)",
        id="section-id-clashes-item",
    ),
    pytest.param(
        "{code: unknown,",
        "{code: partial,",
        "scales.implementation.choices[3].code",
        "duplicate code 'partial'",
        id="duplicate-code",
    ),
    pytest.param(
        "{ja: 教育をしていますか, en:",
        "{en:",
        "sections[1].items[0].text.ja",
        "Japanese text is required",
        id="missing-japanese",
    ),
    pytest.param(
        ', en: "Do you train staff?"}',
        "}",
        "sections[1].items[0].text.en",
        "English text is required",
        id="missing-english",
    ),
    pytest.param(
        "tier: T3",
        "tier: t3",
        "sections[1].items[0].tier",
        "must be one of T1, T2, T3 (got 't3')",
        id="bad-tier",
    ),
    pytest.param(
        "        scale: implementation\n        weight",
        "        scale: impl\n        weight",
        "sections[0].items[1].scale",
        "unknown scale 'impl' (defined: implementation)",
        id="scale-not-defined",
    ),
    pytest.param(
        '"GOV-01 in [yes, partial]"',
        '"GOV-01 in [yes, partial"',
        "sections[0].items[1].condition",
        "syntax error: expected ']' or ',', found end of text at position 23",
        id="condition-syntax",
    ),
    pytest.param(
        '"GOV-01 in [yes, partial]"',
        '"GOV-09 == yes"',
        "sections[0].items[1].condition",
        "names unknown item 'GOV-09'",
        id="condition-unknown-item",
    ),
    pytest.param(
        '"GOV-01 in [yes, partial]"',
        '"GOV-01 == maybe"',
        "sections[0].items[1].condition",
        "code 'maybe' is not in the scale of item 'GOV-01' (yes, partial, no, unknown, na)",
        id="condition-unknown-code",
    ),
    pytest.param(
        '"GOV-01 in [yes, partial]"',
        '"GOV-02 == yes"',
        "sections[0].items[1].condition",
        "refers to its own item 'GOV-02'",
        id="condition-self",
    ),
    pytest.param(
        '"GOV-01 in [yes, partial]"',
        '"STF-01 == yes"',
        "sections[0].items[1].condition",
        "conditions form a cycle: GOV-02 -> STF-01 -> GOV-02",
        id="condition-cycle",
    ),
    pytest.param(
        "weight: 2",
        "weight: -1",
        "sections[0].items[1].weight",
        "must be a positive number (got integer -1)",
        id="weight-negative",
    ),
    pytest.param(
        "required: if_implemented",
        "required: sometimes",
        "sections[0].items[0].evidence.required",
        "must be one of never, always, if_implemented (got 'sometimes')",
        id="evidence-required",
    ),
    pytest.param(
        "kinds: [policy]",
        "kinds: [policy, photo]",
        "sections[0].items[0].evidence.kinds[1]",
        "unknown evidence kind 'photo' (expected one of: policy, certificate, pledge, record, "
        "screenshot, contract, other)",
        id="evidence-kind",
    ),
    pytest.param(
        "max_age_days: 365",
        "max_age_days: 36.5",
        "sections[0].items[0].evidence.max_age_days",
        "must be a positive whole number of days (got number 36.5)",
        id="evidence-max-age",
    ),
    pytest.param(
        "model: default",
        "model: ipa_points",
        "scoring.bands",
        "is required with model ipa_points",
        id="ipa-without-bands",
    ),
    pytest.param(
        "model: default",
        "model: ipa_points\n  bands:\n    - {min: 50, label: {ja: 中, en: Mid}}\n"
        "    - {min: 70, label: {ja: 高, en: High}}\n    - {min: null, label: {ja: 低, en: Low}}",
        "scoring.bands[1].min",
        "must be lower than the previous band's minimum (50)",
        id="ipa-bands-unordered",
    ),
    pytest.param(
        "value: 0.5}",
        "value: half}",
        "scales.implementation.choices[1].value",
        "must be a number, or null to leave the answer out of rates (got 'half')",
        id="value-not-number",
    ),
    pytest.param(
        "{code: na, label: {ja: 該当しない, en: Not applicable}, value: null}",
        "{code: na, label: {ja: 該当しない, en: Not applicable}}",
        "scales.implementation.choices[4].value",
        "is required",
        id="value-missing",
    ),
    pytest.param(
        "key: small-check",
        "key: Small_Check",
        "key",
        "must match ^[a-z0-9][a-z0-9-]*$ (got 'Small_Check')",
        id="bad-key",
    ),
    pytest.param(
        'version: "2026.1"',
        "version: 2026.1",
        "version",
        "must be a string (got number 2026.1)",
        id="version-not-string",
    ),
    pytest.param(
        'version: "2026.1"',
        'version: "2026 spring"',
        "version",
        "must match ^[0-9A-Za-z][0-9A-Za-z._-]*$ (got '2026 spring')",
        id="bad-version",
    ),
    pytest.param(
        "    items:\n      - id: STF-01\n        tier: T3\n"
        '        text: {ja: 教育をしていますか, en: "Do you train staff?"}\n'
        "        scale: implementation\n        required: false\n"
        '        condition: "not GOV-02 == no and GOV-01 != na"\n',
        "    items: []\n",
        "sections[1].items",
        "must contain at least one item",
        id="empty-section",
    ),
    pytest.param(
        'meti_scs: ["1-1-1-1"]',
        "meti_scs: 1-1-1-1",
        "sections[0].items[0].references.meti_scs",
        "must be a list of strings (got '1-1-1-1')",
        id="references-not-list",
    ),
    pytest.param(
        "critical: true",
        "critical: yes",
        "sections[0].items[0].critical",
        "must be true or false (got 'yes')",
        id="boolean-written-as-yes",
    ),
    pytest.param(
        "    title: {ja: 従業員, en: Staff}\n",
        "    title: {ja: 従業員, en: Staff}\n    cites_subassessments: often\n",
        "sections[1].cites_subassessments",
        "must be true or false (got 'often')",
        id="cites-subassessments-not-a-boolean",
    ),
    pytest.param(
        "format: 1",
        "format: 2",
        "format",
        "unsupported format integer 2 (this loader reads 1)",
        id="format-version",
    ),
]


@pytest.mark.parametrize(("old", "new", "path", "reason"), BAD_DEFINITIONS)
def test_bad_definition(small_definition: str, old: str, new: str, path: str, reason: str) -> None:
    assert old in small_definition, "the test's replacement must apply"
    assert problems_of(small_definition.replace(old, new, 1)) == [(path, reason)]


def test_unknown_top_level_key_is_named(small_definition: str) -> None:
    assert problems_of(small_definition.replace("source: ", "sauce: ")) == [
        (
            "sauce",
            "unknown key (expected one of: format, key, version, title, source, licence, scales, sections, "
            "description, levels, scoring)",
        ),
        ("source", "is required"),
    ]


def test_load_directory_checks_layout(tmp_path: Path, small_definition: str) -> None:
    (tmp_path / "small-check").mkdir()
    (tmp_path / "small-check" / "2026.1.yaml").write_text(small_definition, encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "2026.1.yaml").write_text(small_definition, encoding="utf-8")

    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    assert [str(problem) for problem in caught.value.problems] == [
        "other/2026.1.yaml: key: must match the directory name 'other'"
    ]
    (tmp_path / "other" / "2026.1.yaml").unlink()
    [loaded] = load_directory(tmp_path)
    assert loaded.key == "small-check"
