"""Golden cases for the §7 scoring rules, worked out by hand, and properties that must always hold."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires import build_questionnaire
from questionnaires.scoring import AnswerInput, score_assessment

SCALE = {
    "choices": [
        {"code": "yes", "label": {"ja": "実施", "en": "Yes"}, "value": 1.0},
        {"code": "partial", "label": {"ja": "一部", "en": "Partial"}, "value": 0.5},
        {"code": "no", "label": {"ja": "未実施", "en": "No"}, "value": 0.0},
        {"code": "unknown", "label": {"ja": "不明", "en": "Unknown"}, "value": 0.0},
        {"code": "na", "label": {"ja": "該当なし", "en": "N/A"}, "value": None},
    ]
}
IPA = {
    "choices": [
        {"code": "yes", "label": {"ja": "実施", "en": "Yes"}, "value": 4},
        {"code": "partial", "label": {"ja": "一部", "en": "Partial"}, "value": 2},
        {"code": "no", "label": {"ja": "未実施", "en": "No"}, "value": 0},
        {"code": "unknown", "label": {"ja": "不明", "en": "Unknown"}, "value": -1},
    ]
}


def item(item_id: str, tier: str = "T1", **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "tier": tier, "text": {"ja": item_id, "en": item_id}, "scale": "s", **extra}


def questionnaire(*sections: tuple[str, list[dict[str, Any]]], ipa: bool = False, **top: Any) -> Any:
    """A definition of these sections on one scale ``s``; ``top`` adds or replaces top-level keys."""
    data: dict[str, Any] = {
        "format": 1,
        "key": "golden",
        "version": "1",
        "title": {"ja": "試験", "en": "Test"},
        "source": "test",
        "licence": "Apache-2.0",
        "scales": {"s": IPA if ipa else SCALE},
        "sections": [{"id": sid, "title": {"ja": sid, "en": sid}, "items": items} for sid, items in sections],
    }
    if ipa:
        data["scoring"] = {
            "model": "ipa_points",
            "bands": [
                {"min": 100, "label": {"ja": "a", "en": "a"}},
                {"min": 70, "label": {"ja": "b", "en": "b"}},
                {"min": 50, "label": {"ja": "c", "en": "c"}},
                {"min": None, "label": {"ja": "d", "en": "d"}},
            ],
        }
    return build_questionnaire(data | top, "golden.yaml")


def answers(**codes: str) -> dict[str, AnswerInput]:
    return {k.replace("_", "-"): AnswerInput(v) for k, v in codes.items()}


def test_all_yes_is_100_grade_a_passed_low_risk():
    q = questionnaire(("a", [item("A-1"), item("A-2")]), ("b", [item("B-1")]))
    result = score_assessment(q, "T1", answers(A_1="yes", A_2="yes", B_1="yes"))
    assert (result.overall, result.grade, result.passed, result.risk) == (100.0, "A", True, "low")
    assert result.counts == {"yes": 3}


def test_a_section_all_not_applicable_has_no_rate():
    q = questionnaire(("a", [item("A-1")]), ("b", [item("B-1"), item("B-2")]))
    result = score_assessment(q, "T1", answers(A_1="partial", B_1="na", B_2="na"))
    assert [(s.section_id, s.rate) for s in result.sections] == [("a", 50.0), ("b", None)]
    assert result.overall == 50.0 and result.grade == "C"


def test_a_critical_item_answered_unknown_fails_with_critical_risk():
    q = questionnaire(("a", [item("A-1", critical=True)] + [item(f"A-{n}") for n in range(2, 11)]))
    codes = {f"A-{n}": AnswerInput("yes") for n in range(2, 11)} | {"A-1": AnswerInput("unknown")}
    result = score_assessment(q, "T1", codes)
    assert result.overall == 90.0 and result.grade == "A"
    assert (result.passed, result.risk) == (False, "critical")
    assert [(r.kind, r.item_id) for r in result.reasons] == [("critical_item", "A-1")]


def test_required_evidence_missing_fails_the_assessment():
    q = questionnaire(("a", [item("A-1", evidence={"required": "if_implemented", "kinds": ["policy"]}), item("A-2")]))
    result = score_assessment(q, "T1", answers(A_1="yes", A_2="yes"))
    assert (result.overall, result.passed, result.risk) == (100.0, False, "high")
    assert [(r.kind, r.item_id) for r in result.reasons] == [("missing_evidence", "A-1")]
    with_file = {"A-1": AnswerInput("yes", has_evidence=True), "A-2": AnswerInput("yes")}
    assert score_assessment(q, "T1", with_file).passed


def test_weights_other_than_one():
    # (3×1 + 1×0) / (3 + 1) = 75.0
    q = questionnaire(("a", [item("A-1", weight=3), item("A-2")]))
    result = score_assessment(q, "T1", answers(A_1="yes", A_2="no"))
    assert result.overall == 75.0 and result.grade == "B"


def test_hidden_items_do_not_count():
    q = questionnaire(("a", [item("A-1"), item("A-2", condition="A-1 == yes")]))
    result = score_assessment(q, "T1", answers(A_1="no", A_2="no"))
    assert result.overall == 0.0
    assert [i.in_scope for i in result.items] == [True, False]
    shown = score_assessment(q, "T1", answers(A_1="yes", A_2="no"))
    assert shown.overall == 50.0


def test_a_t1_assessment_ignores_t2_items():
    q = questionnaire(("a", [item("A-1"), item("A-2", tier="T2")]))
    result = score_assessment(q, "T1", answers(A_1="yes", A_2="no"))
    assert result.overall == 100.0
    assert result.tiers_exact == {"T1": 100.0}
    t2 = score_assessment(q, "T2", answers(A_1="yes", A_2="no"))
    assert (t2.overall, t2.tiers_exact, t2.tiers_cumulative) == (
        50.0,
        {"T1": 100.0, "T2": 0.0},
        {"T1": 100.0, "T2": 50.0},
    )


def test_rounding_is_half_up_at_a_five():
    # weights 3/8 yes, 5/8 no-ish: (0.5×1 + ... ) built to give exactly 62.25 and 87.45.
    q = questionnaire(("a", [item("A-1", weight=6.225), item("A-2", weight=3.775)]))
    assert score_assessment(q, "T1", answers(A_1="yes", A_2="no")).overall == 62.3  # exactly 62.25
    q2 = questionnaire(("a", [item("A-1", weight=8.745), item("A-2", weight=1.255)]))
    assert score_assessment(q2, "T1", answers(A_1="yes", A_2="no")).overall == 87.5  # exactly 87.45


def test_nonconforming_lowers_only_the_reviewed_score():
    q = questionnaire(("a", [item("A-1"), item("A-2")]))
    given_answers = {"A-1": AnswerInput("yes"), "A-2": AnswerInput("yes", review="nonconforming")}
    assert score_assessment(q, "T1", given_answers).overall == 100.0
    reviewed = score_assessment(q, "T1", given_answers, reviewed=True)
    assert (reviewed.overall, reviewed.passed) == (50.0, False)


def test_a_nonconforming_critical_item_fails_the_reviewed_score_only():
    q = questionnaire(("a", [item("A-1", critical=True)] + [item(f"A-{n}") for n in range(2, 21)]))
    codes = {f"A-{n}": AnswerInput("yes") for n in range(1, 21)}
    codes["A-1"] = AnswerInput("yes", review="nonconforming")
    assert score_assessment(q, "T1", codes).passed
    reviewed = score_assessment(q, "T1", codes, reviewed=True)
    assert (reviewed.overall, reviewed.passed, reviewed.risk) == (95.0, False, "critical")


def test_ipa_points_and_bands():
    q = questionnaire(("a", [item(f"Q{n:02d}") for n in range(1, 26)]), ipa=True)
    all_yes = score_assessment(q, "T1", {f"Q{n:02d}": AnswerInput("yes") for n in range(1, 26)}, pass_threshold=70)
    assert (all_yes.points, all_yes.band.min, all_yes.passed, all_yes.overall) == (100.0, 100.0, True, None)
    mixed = {f"Q{n:02d}": AnswerInput("yes") for n in range(1, 11)}  # 40
    mixed |= {f"Q{n:02d}": AnswerInput("partial") for n in range(11, 16)}  # +10
    mixed |= {f"Q{n:02d}": AnswerInput("unknown") for n in range(16, 26)}  # −10
    result = score_assessment(q, "T1", mixed, pass_threshold=70)
    assert (result.points, result.band.min, result.passed, result.risk) == (40.0, None, False, "high")
    worst = score_assessment(q, "T1", {f"Q{n:02d}": AnswerInput("unknown") for n in range(1, 26)})
    assert worst.points == -25.0


def test_no_answers_at_all():
    q = questionnaire(("a", [item("A-1"), item("A-2")]))
    result = score_assessment(q, "T1", {})
    assert (result.overall, result.counts) == (0.0, {"unanswered": 2})
    only_na = score_assessment(q, "T1", answers(A_1="na", A_2="na"))
    assert (only_na.overall, only_na.grade, only_na.passed) == (None, None, False)
    assert [r.kind for r in only_na.reasons] == ["no_rate"]


CODES = st.sampled_from(["yes", "partial", "no", "unknown", "na", None])
WEIGHTS = st.sampled_from([0.5, 1, 2, 3])


@st.composite
def scenario(draw: Any) -> tuple[Any, dict[str, AnswerInput]]:
    n = draw(st.integers(min_value=1, max_value=12))
    items = [item(f"I-{i}", tier=draw(st.sampled_from(["T1", "T2"])), weight=draw(WEIGHTS)) for i in range(n)]
    half = max(1, n // 2)
    q = questionnaire(("a", items[:half]), ("b", items[half:])) if n > 1 else questionnaire(("a", items))
    return q, {f"I-{i}": AnswerInput(draw(CODES)) for i in range(n)}


@settings(max_examples=150, deadline=None)
@given(scenario())
def test_rates_stay_between_0_and_100_and_contributions_add_up(case: Any) -> None:
    q, given_answers = case
    result = score_assessment(q, "T2", given_answers)
    rates = [
        result.overall,
        *(s.rate for s in result.sections),
        *result.tiers_exact.values(),
        *result.tiers_cumulative.values(),
    ]
    assert all(r is None or 0.0 <= r <= 100.0 for r in rates)
    if result.overall is not None:
        assert abs(sum(i.contribution for i in result.items) - result.overall) <= 0.05 + 1e-9


@settings(max_examples=150, deadline=None)
@given(scenario(), st.sampled_from(["a", "b"]))
def test_adding_a_not_applicable_item_changes_no_rate(case: Any, section: str) -> None:
    q, given_answers = case
    before = score_assessment(q, "T2", given_answers)
    data = q.to_dict()
    target = next((s for s in data["sections"] if s["id"] == section), data["sections"][0])
    target["items"].append(item("EXTRA-1"))
    after = score_assessment(build_questionnaire(data, "x"), "T2", {**given_answers, "EXTRA-1": AnswerInput("na")})
    assert after.overall == before.overall
    assert after.tiers_exact == before.tiers_exact
    assert [s.rate for s in after.sections] == [s.rate for s in before.sections]


@settings(max_examples=150, deadline=None)
@given(scenario(), st.integers(min_value=0, max_value=11))
def test_raising_one_answer_never_lowers_a_rate(case: Any, index: int) -> None:
    q, given_answers = case
    key = f"I-{index % len(given_answers)}"
    ladder = ["no", "partial", "yes"]
    code = given_answers[key].code
    if code not in ladder or code == "yes":
        return
    higher = {**given_answers, key: AnswerInput(ladder[ladder.index(code) + 1])}
    before, after = score_assessment(q, "T2", given_answers), score_assessment(q, "T2", higher)
    assert (after.overall or 0) >= (before.overall or 0)
    for b, a in zip(before.sections, after.sections, strict=True):
        assert (a.rate or 0) >= (b.rate or 0)
