"""Evidence rules (issue 17): the label says what the rule does, and an explanation stands for a file only
once the reviewer accepts it."""

from __future__ import annotations

import pytest

from questionnaires import load_builtin
from questionnaires.model import EvidenceRule
from questionnaires.scoring import AnswerInput, score_assessment, score_self_and_reviewed
from tests.questionnaires.test_scoring_rules import item, questionnaire


@pytest.mark.parametrize("definition", load_builtin(), ids=lambda q: q.key)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_built_in_label_names_exactly_the_answers_the_rule_asks_evidence_for(definition, lang):
    for entry in definition.items:
        scale = definition.scale_of(entry)
        label = entry.evidence.describe(scale, lang)
        named = {c.code for c in scale.choices if f"{'「' if lang == 'ja' else '“'}{c.label.get(lang)}" in label}
        needing = {c.code for c in scale.choices if entry.evidence.is_required_for(c)}
        if needing == set(scale.codes()):
            assert label in ("必須", "Required")
        elif not needing:
            assert label in ("不要", "Not needed")
        else:
            assert named == needing, (entry.id, label)


def test_if_implemented_asks_evidence_of_implemented_only_and_says_so():
    definition = load_builtin()
    supply_chain = next(q for q in definition if q.key == "supply-chain")
    gov = supply_chain.item("GOV-01")
    scale = supply_chain.scale_of(gov)
    assert gov.evidence.required == "if_implemented"
    assert gov.evidence.required_codes(scale) == ("yes",)
    assert gov.evidence.describe(scale, "ja") == "「実施している」の場合は必須"
    assert gov.evidence.describe(scale, "en") == "Required when answered “Implemented”"
    assert EvidenceRule("always").describe(scale, "ja") == "必須"
    assert EvidenceRule().describe(scale, "en") == "Not needed"


RULED = questionnaire(("a", [item("A-1", evidence={"required": "if_implemented"}), item("A-2")]))


def test_partially_implemented_needs_no_file_to_pass():
    answers = {"A-1": AnswerInput("partial"), "A-2": AnswerInput("yes")}
    assert score_assessment(RULED, "T1", answers, pass_threshold=70).passed
    assert [r.kind for r in score_assessment(RULED, "T1", answers).reasons] == ["below_threshold"]  # 75 < 80


def test_an_explanation_lacks_evidence_until_the_reviewer_accepts_it():
    explained = {"A-1": AnswerInput("yes", explained=True), "A-2": AnswerInput("yes")}
    own, reviewed = score_self_and_reviewed(RULED, "T1", explained)
    assert [(r.kind, r.item_id) for r in own.reasons] == [("missing_evidence", "A-1")] and not reviewed.passed

    for decision in ("clarification", "nonconforming"):
        asked = {**explained, "A-1": AnswerInput("yes", explained=True, review=decision)}
        assert not score_self_and_reviewed(RULED, "T1", asked)[1].passed

    accepted = {**explained, "A-1": AnswerInput("yes", explained=True, review="accepted")}
    own, reviewed = score_self_and_reviewed(RULED, "T1", accepted)
    assert not own.passed and [r.kind for r in own.reasons] == ["missing_evidence"]  # the self score: as given
    assert (reviewed.reviewed, reviewed.passed, reviewed.reasons, reviewed.risk) == (True, True, (), "low")

    # Accepting the item without any explanation or file does not make evidence of nothing.
    bare = {"A-1": AnswerInput("yes", review="accepted"), "A-2": AnswerInput("yes")}
    assert not score_self_and_reviewed(RULED, "T1", bare)[1].passed
