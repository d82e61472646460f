"""Named levels (★3/★4, Lv1–3) and the choice of scoring model: loading, round trip, hashes, bad input."""

from __future__ import annotations

import pytest

from questionnaires import DefinitionError, Tier, dump_yaml, load_builtin, load_text
from questionnaires.model import Text

FILE = "small-check/2026.1.yaml"
STARS = 'levels:\n  T1: {ja: "★3", en: "★3"}\n  T2: {ja: "★4", en: "★4"}\n  T3: {ja: "★5", en: "★5"}\nscoring:\n'
#: The content hash of the small definition as the loader computed it before levels existed.
SMALL_DEFINITION_HASH = "8541556d7913d198aa44d13a6db0bd27ddeecfde14ee61a0f0fdfc4481283ddb"
#: A built-in definition that no change here touches, likewise (the supply-chain bank's references are being
#: corrected by another change, so its hash moves for its own reason).
BUILTIN_HASHES = {
    ("ipa-self-check", "2026.1"): "049305ea89cddc0bad753b68cc048b74cd872741b08139c99d50f7e79570551e",
}


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, FILE)
    return [(problem.path, problem.reason) for problem in caught.value.problems]


def with_scoring(definition: str, scoring: str) -> str:
    return definition.replace("scoring:\n  model: default\n", scoring, 1)


def test_named_levels_are_read_and_named(small_definition: str) -> None:
    questionnaire = load_text(small_definition.replace("scoring:\n", STARS, 1), FILE)

    assert questionnaire.levels == {
        Tier.T1: Text("★3", "★3"),
        Tier.T2: Text("★4", "★4"),
        Tier.T3: Text("★5", "★5"),
    }
    assert questionnaire.level_tiers == (Tier.T1, Tier.T2, Tier.T3)
    assert questionnaire.level_name("T2") == Text("★4", "★4")
    assert questionnaire.level_name(Tier.T1).get("en") == "★3"


def test_without_levels_the_default_names_and_all_tiers(small_definition: str) -> None:
    questionnaire = load_text(small_definition, FILE)

    assert questionnaire.levels == {}
    assert questionnaire.level_tiers == (Tier.T1, Tier.T2, Tier.T3)
    assert questionnaire.level_name("T1") == Text("基本", "Basic")
    assert questionnaire.level_name(Tier.T2) == Text("標準", "Standard")
    assert questionnaire.level_name("T3").get("en") == "Advanced"
    assert "levels" not in questionnaire.to_dict()


def test_two_levels_only_when_the_items_use_two(small_definition: str) -> None:
    two = small_definition.replace(
        "scoring:\n", 'levels:\n  T1: {ja: "Lv1", en: "Lv1"}\n  T2: {ja: "Lv2", en: "Lv2"}\nscoring:\n'
    )
    two = two.replace("tier: T3", "tier: T2")

    questionnaire = load_text(two, FILE)
    assert questionnaire.level_tiers == (Tier.T1, Tier.T2)
    assert questionnaire.level_name("T2").ja == "Lv2"
    # A tier the questionnaire does not name keeps the default name rather than failing.
    assert questionnaire.level_name("T3") == Text("高度", "Advanced")


def test_levels_round_trip_and_change_the_hash(small_definition: str) -> None:
    plain = load_text(small_definition, FILE)
    named = load_text(small_definition.replace("scoring:\n", STARS, 1), FILE)
    exported = dump_yaml(named.to_dict())

    again = load_text(exported, FILE)
    assert again == named and again.levels == named.levels
    assert again.content_hash() == named.content_hash()
    assert named.content_hash() != plain.content_hash()
    assert list(named.to_dict()["levels"]) == ["T1", "T2", "T3"]


def test_stored_definitions_keep_their_hashes(small_definition: str) -> None:
    assert load_text(small_definition, FILE).content_hash() == SMALL_DEFINITION_HASH
    hashes = {(q.key, q.version): q.content_hash() for q in load_builtin()}
    for key, expected in BUILTIN_HASHES.items():
        assert hashes[key] == expected, key


@pytest.mark.parametrize(
    ("scoring", "model", "threshold"),
    [
        ("scoring:\n  model: meti_scs\n", "meti_scs", 100.0),
        ("scoring:\n  model: jama_levels\n", "jama_levels", 100.0),
        ("scoring:\n  model: jama_levels\n  level_threshold: 80\n", "jama_levels", 80.0),
        ("scoring:\n  model: aichi\n", "aichi", 100.0),
    ],
)
def test_the_level_and_aichi_models_are_accepted(
    small_definition: str, scoring: str, model: str, threshold: float
) -> None:
    definition = with_scoring(small_definition, scoring)
    if model == "aichi":
        definition = definition.replace("value: 1.0", "value: 5").replace("value: 0.5", "value: 3")
        definition = definition.replace("value: 0.0}", "value: 1}")
    questionnaire = load_text(definition, FILE)

    assert questionnaire.scoring.model == model
    assert questionnaire.scoring.level_threshold == threshold
    assert questionnaire.scoring.is_level_based == (model != "aichi")
    again = load_text(dump_yaml(questionnaire.to_dict()), FILE)
    assert again == questionnaire
    assert ("level_threshold" in questionnaire.to_dict()["scoring"]) == (threshold != 100.0)


BAD_LEVELS = [
    pytest.param(
        'levels:\n  T2: {ja: "★4", en: "★4"}\nscoring:\n',
        [("levels", "must be cumulative: T1, then T2, then T3, none left out (got T2)")],
        id="T2-without-T1",
    ),
    pytest.param(
        'levels:\n  T1: {ja: "Lv1", en: "Lv1"}\n  T3: {ja: "Lv3", en: "Lv3"}\nscoring:\n',
        [("levels", "must be cumulative: T1, then T2, then T3, none left out (got T1, T3)")],
        id="T3-without-T2",
    ),
    pytest.param(
        'levels:\n  T1: {ja: "★3", en: "★3"}\n  T4: {ja: "★6", en: "★6"}\nscoring:\n',
        [("levels.T4", "unknown tier 'T4' (expected T1, T2, T3)")],
        id="unknown-tier",
    ),
    pytest.param(
        'levels:\n  T1: {ja: "★3"}\nscoring:\n',
        [("levels.T1.en", "English text is required")],
        id="name-without-english",
    ),
    pytest.param(
        "levels: {}\nscoring:\n",
        [("levels", "must name at least T1")],
        id="empty",
    ),
    pytest.param(
        'levels:\n  T1: {ja: "★3", en: "★3"}\n  T2: {ja: "★4", en: "★4"}\nscoring:\n',
        [("sections[1].items[0].tier", "must be one of the questionnaire's levels T1, T2 (got 'T3')")],
        id="item-at-an-unnamed-level",
    ),
]


@pytest.mark.parametrize(("levels", "expected"), BAD_LEVELS)
def test_bad_levels(small_definition: str, levels: str, expected: list[tuple[str, str]]) -> None:
    assert problems_of(small_definition.replace("scoring:\n", levels, 1)) == expected


def test_unknown_model_is_named(small_definition: str) -> None:
    assert problems_of(with_scoring(small_definition, "scoring:\n  model: meti\n")) == [
        ("scoring.model", "must be one of default, ipa_points, meti_scs, jama_levels, aichi (got 'meti')")
    ]


@pytest.mark.parametrize(
    ("scoring", "reason"),
    [
        ("scoring:\n  model: jama_levels\n  level_threshold: 0\n", "must be a percentage above 0, at most 100"),
        ("scoring:\n  model: jama_levels\n  level_threshold: 120\n", "must be a percentage above 0, at most 100"),
        ("scoring:\n  model: jama_levels\n  level_threshold: high\n", "must be a percentage above 0, at most 100"),
        ("scoring:\n  model: meti_scs\n  level_threshold: 90\n", "only allowed with model jama_levels"),
    ],
)
def test_bad_level_threshold(small_definition: str, scoring: str, reason: str) -> None:
    [(path, found)] = problems_of(with_scoring(small_definition, scoring))
    assert path == "scoring.level_threshold"
    assert found.startswith(reason)


def test_meti_scs_needs_a_yes_no_scale_and_names_the_item(small_definition: str) -> None:
    definition = with_scoring(small_definition, "scoring:\n  model: meti_scs\n")
    definition = definition.replace("{code: no,", "{code: never,").replace("GOV-01 in [yes, partial]", "GOV-01 == yes")
    definition = definition.replace("not GOV-02 == no", "not GOV-02 == never")

    problems = problems_of(definition)
    assert [path for path, _ in problems] == [
        "sections[0].items[0].scale",
        "sections[0].items[1].scale",
        "sections[1].items[0].scale",
    ]
    assert problems[0][1] == (
        "item 'GOV-01': model meti_scs needs a yes/no scale (codes yes and no; partial, unknown, na allowed), "
        "and scale 'implementation' has yes, partial, never, unknown, na"
    )


def test_meti_scs_refuses_an_extra_code_and_ignores_free_text(small_definition: str) -> None:
    definition = with_scoring(small_definition, "scoring:\n  model: meti_scs\n")
    extra = definition.replace(
        "      - {code: na,", "      - {code: planned, label: {ja: 予定, en: Planned}, value: 0.2}\n      - {code: na,"
    )
    assert [path for path, _ in problems_of(extra)] == [
        "sections[0].items[0].scale",
        "sections[0].items[1].scale",
        "sections[1].items[0].scale",
    ]
    with_text = definition.replace("sections:\n", "  notes:\n    kind: text\nsections:\n", 1).replace(
        "        scale: implementation\n        required: false", "        scale: notes\n        required: false"
    )
    with_text = with_text.replace('condition: "not GOV-02 == no and GOV-01 != na"', 'condition: "GOV-01 != na"')
    assert load_text(with_text, FILE).scoring.model == "meti_scs"


def test_aichi_needs_a_zero_to_five_points_scale(small_definition: str) -> None:
    problems = problems_of(with_scoring(small_definition, "scoring:\n  model: aichi\n"))

    assert [path for path, _ in problems] == [
        "sections[0].items[0].scale",
        "sections[0].items[1].scale",
        "sections[1].items[0].scale",
    ]
    assert problems[2][1] == (
        "item 'STF-01': model aichi needs a 0–5 points scale (whole points 0 to 5), "
        "and scale 'implementation' has values 1, 0.5, 0, 0, null"
    )
