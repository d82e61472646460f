"""The meti_scs, jama_levels and aichi models: golden cases worked out by hand, and properties that must hold."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.model import Questionnaire, Tier
from questionnaires.scoring import AnswerInput, review_changes_score, score_assessment, score_self_and_reviewed
from questionnaires.scoring_aichi import Answer, band_for, mean, score_aichi
from questionnaires.scoring_levels import Criterion, jama_levels, meti_scs
from tests.questionnaires.test_scoring_rules import answers, item
from tests.questionnaires.test_scoring_rules import questionnaire as golden

#: The Aichi points key (sources-diagnosis.md §1.4, scale A), 0 = judged unnecessary.
POINTS = {
    "choices": [
        {"code": f"p{n}", "label": {"ja": f"{n}点", "en": f"{n} points"}, "value": n} for n in (5, 4, 3, 2, 1, 0)
    ]
}
STARS = {"T1": {"ja": "★3", "en": "★3"}, "T2": {"ja": "★4", "en": "★4"}}
LV = {"T1": {"ja": "Lv1", "en": "Lv1"}, "T2": {"ja": "Lv2", "en": "Lv2"}, "T3": {"ja": "Lv3", "en": "Lv3"}}


def questionnaire(
    scoring: dict[str, Any], *sections: tuple[str, list[dict[str, Any]]], levels: Any = None, scale: Any = None
) -> Questionnaire:
    top = {"scoring": scoring} | ({"levels": levels} if levels else {}) | ({"scales": {"s": scale}} if scale else {})
    built: Questionnaire = golden(*sections, **top)
    return built


# --- meti_scs ------------------------------------------------------------------------------------------------

EVIDENCE = {"required": "if_implemented", "kinds": ["policy"]}
METI = questionnaire(
    {"model": "meti_scs"},
    ("1-1", [item("M-1", evidence=EVIDENCE), item("M-2")]),
    ("1-2", [item("M-3"), item("M-4", tier="T2"), item("M-5", tier="T2")]),
    levels=STARS,
)
ALL_YES = answers(M_2="yes", M_3="yes", M_4="yes", M_5="yes") | {"M-1": AnswerInput("yes", has_evidence=True)}


def test_meti_all_met_achieves_the_requested_star() -> None:
    result = score_assessment(METI, "T2", ALL_YES)

    assert (result.model, result.grade, result.overall, result.passed, result.risk) == (
        "meti_scs", None, 100.0, True, "low"
    )  # fmt: skip
    assert result.levels is not None and (result.levels.achieved, result.levels.requested) == ("T2", "T2")
    assert result.reasons == ()


def test_meti_one_partial_star_four_criterion_is_star_three_achieved_star_four_not() -> None:
    # The case: everything met but one ★4 criterion left partial.
    result = score_assessment(METI, "T2", {**ALL_YES, "M-4": AnswerInput("partial")})

    assert result.levels is not None
    assert result.to_dict()["levels"] == {
        "achieved": "T1",
        "requested": "T2",
        "per_level": [
            {"tier": "T1", "rate": 100.0, "achieved": True, "unmet": []},
            {"tier": "T2", "rate": 50.0, "achieved": False, "unmet": ["M-4"]},
        ],
    }
    # 1-1: 2 of 2 met; 1-2: 2 of 3 met = 66.67 → 66.7; overall 4 of 5 = 80.0.
    assert result.to_dict()["groups"] == [{"id": "1-1", "rate": 100.0}, {"id": "1-2", "rate": 66.7}]
    assert [(s.section_id, s.rate, s.items) for s in result.sections] == [("1-1", 100.0, 2), ("1-2", 66.7, 3)]
    assert (result.overall, result.grade, result.passed, result.risk) == (80.0, None, False, "high")
    assert (result.tiers_exact, result.tiers_cumulative) == ({"T1": 100.0, "T2": 50.0}, {"T1": 100.0, "T2": 80.0})
    assert [r.kind for r in result.reasons] == ["level_not_achieved"]
    # The same answers in a ★3 assessment: the ★4 criteria are out of scope, so ★3 is achieved and passed.
    at_star_three = score_assessment(METI, "T1", {**ALL_YES, "M-4": AnswerInput("partial")})
    assert at_star_three.levels is not None and at_star_three.levels.achieved == "T1"
    assert at_star_three.passed and [lv.tier for lv in at_star_three.levels.per_level] == ["T1"]


def test_meti_an_unmet_star_three_criterion_achieves_nothing_even_with_star_four_all_met() -> None:
    result = score_assessment(METI, "T2", {**ALL_YES, "M-2": AnswerInput("unknown")})

    assert result.levels is not None and result.levels.achieved is None
    assert [(lv.tier, lv.rate, lv.achieved, lv.unmet) for lv in result.levels.per_level] == [
        ("T1", 66.7, False, ("M-2",)),
        ("T2", 100.0, False, ()),
    ]


def test_meti_a_high_threshold_rate_is_not_a_pass() -> None:
    # 148 of 153 met would be 96.7 % (grade A under the default model); under meti_scs ★4 is not achieved.
    items = [item(f"S3-{n}") for n in range(81)] + [item(f"S4-{n}", tier="T2") for n in range(72)]
    q = questionnaire({"model": "meti_scs"}, ("all", items), levels=STARS)
    given = {i["id"]: AnswerInput("yes") for i in items} | {f"S4-{n}": AnswerInput("partial") for n in range(5)}

    result = score_assessment(q, "T2", given, pass_threshold=80.0)
    assert (result.overall, result.grade, result.passed) == (96.7, None, False)
    assert result.levels is not None and result.levels.achieved == "T1"
    assert result.levels.per_level[1].unmet == tuple(f"S4-{n}" for n in range(5))


def test_meti_not_applicable_counts_in_the_self_score_and_once_accepted_in_the_reviewed_score() -> None:
    given = {**ALL_YES, "M-2": AnswerInput("na")}
    own, reviewed = score_self_and_reviewed(METI, "T2", given)
    assert own.passed and own.levels is not None and own.levels.achieved == "T2"
    assert reviewed.reviewed and not reviewed.passed
    assert reviewed.levels is not None and reviewed.levels.per_level[0].unmet == ("M-2",)
    assert review_changes_score(given, METI) and not review_changes_score(given)

    accepted = {**given, "M-2": AnswerInput("na", review="accepted")}
    assert score_assessment(METI, "T2", accepted, reviewed=True).passed


def test_meti_missing_evidence_leaves_the_criterion_unmet_in_the_reviewed_score_only() -> None:
    without_file = {**ALL_YES, "M-1": AnswerInput("yes")}  # M-1 asks for a file when implemented
    assert score_assessment(METI, "T2", without_file).passed
    reviewed = score_assessment(METI, "T2", without_file, reviewed=True)
    assert reviewed.levels is not None and reviewed.levels.achieved is None
    assert reviewed.levels.per_level[0].unmet == ("M-1",)
    assert [(r.kind, r.item_id) for r in reviewed.reasons] == [
        ("level_not_achieved", None),
        ("missing_evidence", "M-1"),
    ]

    with_file = {**ALL_YES, "M-1": AnswerInput("yes", has_evidence=True)}
    explained = {**ALL_YES, "M-1": AnswerInput("yes", explained=True, review="accepted")}
    assert score_assessment(METI, "T2", with_file, reviewed=True).passed
    assert score_assessment(METI, "T2", explained, reviewed=True).passed


def test_meti_nonconforming_is_unmet_in_the_reviewed_score() -> None:
    given = {**ALL_YES, "M-5": AnswerInput("yes", review="nonconforming")}
    own, reviewed = score_self_and_reviewed(METI, "T2", given)
    assert own.passed
    assert reviewed.levels is not None and reviewed.levels.achieved == "T1"
    assert reviewed.levels.per_level[1].unmet == ("M-5",)


def test_the_pure_functions_on_their_own() -> None:
    t1, t2 = Tier.T1, Tier.T2
    criteria = [
        Criterion("a", "s1", t1, True),
        Criterion("b", "s1", t2, False),
        Criterion("c", "s2", t1, True),
        Criterion("d", "s2", t2, True),
        Criterion("e", "s2", t2, False),
    ]
    found = meti_scs(criteria, [t1, t2], ["s1", "s2", "s3"], "T2")
    assert found.levels.to_dict() == {
        "achieved": "T1",
        "requested": "T2",
        "per_level": [
            {"tier": "T1", "rate": 100.0, "achieved": True, "unmet": []},
            {"tier": "T2", "rate": 33.3, "achieved": False, "unmet": ["b", "e"]},
        ],
    }
    assert [(g.id, g.rate) for g in found.groups] == [("s1", 50.0), ("s2", 66.7)]
    assert found.group_sizes == (2, 3)
    assert (found.cumulative, found.overall) == ({"T1": 100.0, "T2": 60.0}, 60.0)

    levels = jama_levels([t1, t2], {"T1": 95.0, "T2": 91.0}, {t1: ["x"]}, 90.0, "T2")
    assert (levels.achieved, levels.passed) == ("T2", True)
    assert [lv.unmet for lv in levels.per_level] == [("x",), ()]
    assert jama_levels([t1, t2], {"T1": 89.9, "T2": 95.0}, {}, 90.0, "T2").achieved is None


def test_a_request_beyond_the_named_levels_asks_for_the_highest() -> None:
    result = score_assessment(METI, "T3", ALL_YES)
    assert result.levels is not None and (result.levels.requested, result.levels.achieved) == ("T2", "T2")
    assert result.passed


def test_level_models_without_levels_use_all_three_tiers() -> None:
    q = questionnaire({"model": "meti_scs"}, ("a", [item("A-1"), item("A-2", tier="T3")]))
    result = score_assessment(q, "T3", answers(A_1="yes", A_2="no"))
    assert result.levels is not None
    assert [(lv.tier, lv.achieved) for lv in result.levels.per_level] == [("T1", True), ("T2", True), ("T3", False)]
    assert result.levels.achieved == "T2"  # T2 has no criteria: nothing stands in its way


# --- jama_levels ---------------------------------------------------------------------------------------------


def jama(threshold: float | None = None) -> Questionnaire:
    scoring: dict[str, Any] = {"model": "jama_levels"}
    if threshold is not None:
        scoring["level_threshold"] = threshold
    return questionnaire(
        scoring,
        ("a", [item("L1-a"), item("L1-b"), item("L2-a", tier="T2")]),
        ("b", [item("L2-b", tier="T2"), item("L3-a", tier="T3")]),
        levels=LV,
    )


def test_jama_rates_per_level_and_the_default_threshold_of_100() -> None:
    # Lv1: 2/2 = 100; Lv1+2: (1+1+0.5+1)/4 = 87.5; Lv1+2+3: 4.5/5 = 90.0.
    given = answers(L1_a="yes", L1_b="yes", L2_a="partial", L2_b="yes", L3_a="yes")
    result = score_assessment(jama(), "T3", given)

    assert result.levels is not None
    assert result.to_dict()["levels"] == {
        "achieved": "T1",
        "requested": "T3",
        "per_level": [
            {"tier": "T1", "rate": 100.0, "achieved": True, "unmet": []},
            {"tier": "T2", "rate": 87.5, "achieved": False, "unmet": ["L2-a"]},
            {"tier": "T3", "rate": 90.0, "achieved": False, "unmet": []},
        ],
    }
    assert (result.overall, result.grade, result.passed, result.risk) == (90.0, None, False, "high")
    assert result.to_dict()["groups"] is None
    assert [r.kind for r in result.reasons] == ["level_not_achieved"]


def test_jama_a_lower_threshold_achieves_more() -> None:
    given = answers(L1_a="yes", L1_b="yes", L2_a="partial", L2_b="yes", L3_a="yes")
    result = score_assessment(jama(80), "T3", given)

    assert result.levels is not None and result.levels.achieved == "T3"
    assert (result.passed, result.risk) == (True, "medium")  # passed, but not everything is met
    assert (
        score_assessment(jama(80), "T3", answers(L1_a="yes", L1_b="yes", L2_a="yes", L2_b="yes", L3_a="yes")).risk
        == "low"
    )


def test_jama_a_level_is_achieved_only_on_top_of_the_levels_below() -> None:
    # Threshold 80: Lv1 = 1/2 = 50 (missed), Lv1+2 = 3/4 = 75, Lv1+2+3 = 4/5 = 80 (reached, but Lv1 was not).
    given = answers(L1_a="no", L1_b="yes", L2_a="yes", L2_b="yes", L3_a="yes")
    result = score_assessment(jama(80), "T3", given)

    assert result.levels is not None and result.levels.achieved is None
    assert [(lv.rate, lv.achieved) for lv in result.levels.per_level] == [(50.0, False), (75.0, False), (80.0, False)]


def test_jama_not_applicable_is_neither_counted_nor_unmet() -> None:
    result = score_assessment(jama(), "T2", answers(L1_a="yes", L1_b="na", L2_a="yes", L2_b="na"))
    assert result.levels is not None and result.levels.achieved == "T2" and result.passed
    assert all(not lv.unmet for lv in result.levels.per_level)


# --- aichi ---------------------------------------------------------------------------------------------------


def aichi(*sections: tuple[str, list[dict[str, Any]]]) -> Questionnaire:
    return questionnaire({"model": "aichi"}, *sections, scale=POINTS)


AICHI = aichi(("mgmt", [item("A-1"), item("A-2"), item("A-3")]), ("org", [item("B-1"), item("B-2"), item("B-3")]))


def test_aichi_means_per_category_and_overall_and_the_band() -> None:
    # 管理: (5 + 4) / 2 = 4.5 → A, the 0 left out; 組織: (3 + 2 + 4) / 3 = 3.0; overall 18 / 5 = 3.6 → B.
    result = score_assessment(AICHI, "T1", answers(A_1="p5", A_2="p4", A_3="p0", B_1="p3", B_2="p2", B_3="p4"))

    assert (result.model, result.overall, result.grade, result.passed, result.risk) == (
        "aichi", 3.6, "B", True, "medium"
    )  # fmt: skip
    assert [(s.section_id, s.rate, s.weight, s.items) for s in result.sections] == [
        ("mgmt", 4.5, 2.0, 3),
        ("org", 3.0, 3.0, 3),
    ]
    data = result.to_dict()
    assert (data["rate_max"], data["levels"], data["groups"]) == (5, None, None)
    assert result.tiers_exact == {"T1": 3.6}


def test_aichi_rounds_half_up_before_banding() -> None:
    # 9 × 4 + 11 × 3 = 69 over 20 answers = 3.45 → 3.5 → B (passes); a 21st answer of 0 changes nothing.
    items = [item(f"X-{n}") for n in range(21)]
    codes = {f"X-{n}": AnswerInput("p4" if n < 9 else "p3") for n in range(20)} | {"X-20": AnswerInput("p0")}
    result = score_assessment(aichi(("x", items)), "T1", codes)
    assert (result.overall, result.grade, result.passed) == (3.5, "B", True)


def test_aichi_bands_at_their_edges() -> None:
    edges = {5.0: "A", 4.5: "A", 4.4: "B", 3.5: "B", 3.4: "C", 2.5: "C", 2.4: "D", 1.0: "D"}
    assert {m: band_for(m) for m in edges} == edges
    assert band_for(None) is None


def test_aichi_all_zero_has_no_mean_and_fails() -> None:
    result = score_assessment(AICHI, "T1", answers(A_1="p0", A_2="p0", A_3="p0", B_1="p0", B_2="p0", B_3="p0"))
    assert (result.overall, result.grade, result.passed) == (None, None, False)
    assert [r.kind for r in result.reasons] == ["no_rate"]


def test_aichi_nonconforming_counts_two_points_in_the_reviewed_score() -> None:
    given = answers(A_1="p5", A_2="p4", A_3="p0", B_1="p3", B_2="p2") | {
        "B-3": AnswerInput("p4", review="nonconforming")
    }
    own, reviewed = score_self_and_reviewed(AICHI, "T1", given)
    assert (own.overall, own.grade) == (3.6, "B")
    # 組織: (3 + 2 + 2) / 3 = 2.33 → 2.3; overall 16 / 5 = 3.2 → C, not passed.
    assert (reviewed.overall, reviewed.grade, reviewed.passed) == (3.2, "C", False)
    assert [s.rate for s in reviewed.sections] == [4.5, 2.3]
    assert [r.kind for r in reviewed.reasons] == ["below_threshold"]


# --- properties ----------------------------------------------------------------------------------------------

METI_CODES = st.sampled_from(["yes", "partial", "no", "unknown", "na"])
RANK = {None: 0, "T1": 1, "T2": 2, "T3": 3}


@st.composite
def meti_case(draw: st.DrawFn) -> tuple[Questionnaire, dict[str, AnswerInput]]:
    n = draw(st.integers(min_value=1, max_value=10))
    items = [item(f"I-{i}", tier=draw(st.sampled_from(["T1", "T2"]))) for i in range(n)]
    q = (
        questionnaire({"model": "meti_scs"}, ("a", items[: n // 2]), ("b", items[n // 2 :]), levels=STARS)
        if n > 1
        else (questionnaire({"model": "meti_scs"}, ("a", items), levels=STARS))
    )
    return q, {f"I-{i}": AnswerInput(draw(METI_CODES)) for i in range(n)}


@settings(max_examples=150, deadline=None)
@given(meti_case(), st.data())
def test_meti_turning_an_unmet_criterion_to_yes_never_lowers_the_level(case: Any, data: st.DataObject) -> None:
    q, given_answers = case
    before = score_assessment(q, "T2", given_answers)
    assert before.levels is not None
    unmet = [item_id for level in before.levels.per_level for item_id in level.unmet]
    if not unmet:
        assert before.passed and before.overall in (100.0, None)
        return
    changed = data.draw(st.sampled_from(unmet))
    after = score_assessment(q, "T2", {**given_answers, changed: AnswerInput("yes")})
    assert after.levels is not None
    assert RANK[after.levels.achieved] >= RANK[before.levels.achieved]
    assert after.overall is not None and before.overall is not None and after.overall > before.overall


@settings(max_examples=150, deadline=None)
@given(meti_case(), st.booleans())
def test_meti_star_four_implies_star_three_and_passed_means_nothing_unmet(case: Any, reviewed: bool) -> None:
    q, given_answers = case
    result = score_assessment(q, "T2", given_answers, reviewed=reviewed)
    assert result.levels is not None
    star3, star4 = result.levels.per_level
    assert not star4.achieved or star3.achieved
    assert result.passed == (not star3.unmet and not star4.unmet)
    assert result.grade is None
    assert result.levels.achieved == ("T2" if star4.achieved else "T1" if star3.achieved else None)


JAMA_CODES = st.sampled_from(["yes", "partial", "no", "unknown", "na"])
ORDER = {"no": 0, "unknown": 0, "partial": 1, "yes": 2}


@st.composite
def jama_case(draw: st.DrawFn) -> tuple[Questionnaire, dict[str, AnswerInput]]:
    n = draw(st.integers(min_value=1, max_value=10))
    items = [item(f"I-{i}", tier=draw(st.sampled_from(["T1", "T2", "T3"]))) for i in range(n)]
    threshold = draw(st.sampled_from([None, 50, 80, 99.5]))
    scoring: dict[str, Any] = {"model": "jama_levels"} | ({} if threshold is None else {"level_threshold": threshold})
    q = questionnaire(scoring, ("a", items), levels=LV)
    return q, {f"I-{i}": AnswerInput(draw(JAMA_CODES)) for i in range(n)}


@settings(max_examples=150, deadline=None)
@given(jama_case(), st.data())
def test_jama_a_better_answer_never_lowers_a_rate_or_the_level(case: Any, data: st.DataObject) -> None:
    q, given_answers = case
    before = score_assessment(q, "T3", given_answers)
    improvable = [k for k, a in given_answers.items() if a.code in ORDER and a.code != "yes"]
    if not improvable:
        return
    changed = data.draw(st.sampled_from(improvable))
    better = data.draw(st.sampled_from([c for c in ORDER if ORDER[c] > ORDER[given_answers[changed].code or "no"]]))
    after = score_assessment(q, "T3", {**given_answers, changed: AnswerInput(better)})
    assert before.levels is not None and after.levels is not None
    for old, new in zip(before.levels.per_level, after.levels.per_level, strict=True):
        assert old.rate is None or (new.rate is not None and new.rate >= old.rate)
        assert new.achieved or not old.achieved
    assert RANK[after.levels.achieved] >= RANK[before.levels.achieved]


@settings(max_examples=150, deadline=None)
@given(jama_case())
def test_jama_an_achieved_level_has_every_level_below_at_the_threshold(case: Any) -> None:
    q, given_answers = case
    result = score_assessment(q, "T3", given_answers)
    assert result.levels is not None
    rank = RANK[result.levels.achieved]
    threshold = q.scoring.level_threshold
    for level in result.levels.per_level:
        reached = level.rate is None or level.rate >= threshold
        assert level.achieved == (Tier(level.tier).rank <= rank)
        assert not level.achieved or reached
    assert result.passed == (rank == 3)


POINT = st.sampled_from([None, *range(6)])
ANSWER = st.builds(Answer, st.sampled_from(["a", "b"]), st.sampled_from([Tier.T1, Tier.T2]), POINT)


@settings(max_examples=300, deadline=None)
@given(st.lists(ANSWER, max_size=30), st.sampled_from(["a", "b"]), st.sampled_from([Tier.T1, Tier.T2]))
def test_aichi_adding_a_zero_answer_never_changes_a_mean(given_answers: list[Answer], section: str, tier: Tier) -> None:
    tiers = [Tier.T1, Tier.T2]
    before = score_aichi(given_answers, ["a", "b"], tiers)
    after = score_aichi([*given_answers, Answer(section, tier, 0)], ["a", "b"], tiers)
    assert (after.overall, after.grade, after.tiers_exact, after.tiers_cumulative) == (
        before.overall, before.grade, before.tiers_exact, before.tiers_cumulative
    )  # fmt: skip
    assert {s[0]: s[1] for s in after.sections} == {s[0]: s[1] for s in before.sections} | (
        {} if any(s[0] == section for s in before.sections) else {section: None}
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(POINT, max_size=30))
def test_aichi_mean_lies_between_1_and_5_and_the_band_matches(points: list[int | None]) -> None:
    found = mean(points)
    counted = [p for p in points if p]
    if not counted:
        assert found is None and band_for(found) is None
        return
    assert found is not None and min(counted) - Fraction(1, 20) <= found <= max(counted) + Fraction(1, 20)
    exact = Fraction(sum(counted), len(counted))
    assert abs(Fraction(str(found)) - exact) <= Fraction(1, 20)
    assert (band_for(found) in ("A", "B")) == (found >= 3.5)


REVIEWED_ANSWER = st.builds(
    AnswerInput,
    METI_CODES,
    has_evidence=st.booleans(),
    review=st.sampled_from([None, "accepted", "clarification", "nonconforming"]),
    explained=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(REVIEWED_ANSWER, min_size=5, max_size=5))
def test_meti_the_reviewed_score_never_achieves_more_than_the_self_score(given_list: list[AnswerInput]) -> None:
    given_answers = dict(zip(["M-1", "M-2", "M-3", "M-4", "M-5"], given_list, strict=True))
    own, reviewed = score_self_and_reviewed(METI, "T2", given_answers)
    assert own.levels is not None and reviewed.levels is not None
    assert RANK[reviewed.levels.achieved] <= RANK[own.levels.achieved]
    for mine, checked in zip(own.levels.per_level, reviewed.levels.per_level, strict=True):
        assert set(mine.unmet) <= set(checked.unmet)
    # review_changes_score says so whenever the reviewed score differs (the scoring job stores it only then).
    always_reviewed = score_assessment(METI, "T2", given_answers, reviewed=True)
    if always_reviewed.to_dict() | {"reviewed": False} != own.to_dict():
        assert review_changes_score(given_answers, METI)
