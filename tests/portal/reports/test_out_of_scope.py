"""An item hidden by its condition is out of scope for every reader: the review, the exports, the counts and
the score leave it out, even with an answer stored from before the condition changed."""

from io import BytesIO

import openpyxl
import pytest

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.operations import AnswerInput, save_answer
from portal.assessments.rules import in_scope
from portal.assessments.sheet import load_sheet
from portal.extensions import db
from portal.reports import build_checksheet
from portal.reports.checksheet import COUNTS_HEADER_ROW, summary_formulas
from portal.reports.from_assessment import checksheet_data
from portal.scoring import operations as scoring
from portal.scoring.queries import current_scores
from questionnaires import load_text
from questionnaires.scope import visibility
from questionnaires.scoring import AnswerInput as ScoringInput
from questionnaires.scoring import score_assessment
from tests.workflow_fixtures import WORKFLOW_DEFINITION, only_assessment, submit_answers

#: The workflow questionnaire with three more items: PRM-02 is asked only while PRM-01 is 実施している, PRM-03
#: only while PRM-02 is.
CONDITIONAL_DEFINITION = (
    WORKFLOW_DEFINITION.replace("key: workflow-check", "key: conditional-check")
    + """\
  - id: premises
    title: {ja: 施設, en: Premises}
    items:
      - id: PRM-01
        tier: T1
        text: {ja: 入退室を管理していますか。, en: "Do you control entry?"}
        scale: implementation
      - id: PRM-02
        tier: T1
        text: {ja: 入退室の記録を保管していますか。, en: "Do you keep entry logs?"}
        scale: implementation
        condition: PRM-01 == yes
      - id: PRM-03
        tier: T1
        text: {ja: 記録を定期的に確認していますか。, en: "Do you check the logs?"}
        scale: implementation
        condition: PRM-02 == yes
"""
)


@pytest.fixture
def conditional(make_buyer, make_supplier, make_campaign, make_version) -> tuple[Assessment, User]:
    """An assessment of the conditional questionnaire, sent, and its supplier's owner."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    version = make_version(CONDITIONAL_DEFINITION)
    return only_assessment(make_campaign(buyer, [supplier], by=admin, version=version)), owner


def test_an_item_hidden_since_its_answer_is_out_of_scope_everywhere(app, conditional):
    assessment, owner = conditional
    # PRM-02 and PRM-03 answered while PRM-01 was yes; then PRM-01 changed to no: their answers stay stored,
    # and PRM-02's stale yes does not bring PRM-03 back.
    first = save_answer(assessment, AnswerInput("PRM-01", "yes", None, None, 0), by=owner)
    save_answer(assessment, AnswerInput("PRM-02", "yes", None, None, 0), by=owner)
    save_answer(assessment, AnswerInput("PRM-03", "no", None, None, 0), by=owner)
    save_answer(assessment, AnswerInput("PRM-01", "no", None, None, first.version), by=owner)
    submit_answers(assessment, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "partial"})
    scoring.compute_scores(db.session.connection(), [assessment.id])
    db.session.commit()

    in_scope = ["POL-01", "STF-01", "STF-02", "PRM-01"]
    for to_supplier in (False, True):  # the review page, the API and both copies of the checksheet read this
        sheet = load_sheet(assessment, to_supplier=to_supplier)
        assert [entry.item.id for entry in sheet.items] == in_scope
        assert [entry.item.id for entry in sheet.in_scope] == in_scope
        assert (sheet.progress.answered, sheet.progress.total) == (4, 4)

    scores = current_scores(assessment)
    assert scores is not None and scores["self"]["counts"] == {"yes": 2, "partial": 1, "no": 1}
    assert sum(scores["self"]["counts"].values()) == len(in_scope)  # the scorer's scope is the sheet's

    for for_supplier in (False, True):
        data = checksheet_data(assessment, lang="ja", for_supplier=for_supplier)
        assert [row.item_id for row in data.rows] == in_scope
        summary = openpyxl.load_workbook(BytesIO(build_checksheet(data, "ja")))["概要"]
        table = {}
        for row in range(COUNTS_HEADER_ROW + 1, COUNTS_HEADER_ROW + 8):
            if summary.cell(row, 1).value:
                table[summary.cell(row, 1).value] = summary.cell(row, 2).value
        assert table["項目数"] == 4
        assert sum(n for label, n in table.items() if label != "項目数" and isinstance(n, int)) == 4  # not 58 vs 63
        assert [f.expected for f in summary_formulas(data, "ja")][-1] == 4


def test_the_supplier_answering_still_sees_a_hidden_item_listed(app, conditional):
    assessment, _owner = conditional
    # Its answering page shows PRM-02 the moment PRM-01 is saved as yes, and the offline copy can answer it.
    entries = {entry.item.id: entry for entry in load_sheet(assessment, to_supplier=True).items}
    assert not entries["PRM-02"].visible and entries["PRM-02"].editable
    assert "PRM-02" in [row.item_id for row in checksheet_data(assessment, lang="ja", for_supplier=True).rows]
    # Before it submits the buyer sees counts only, over the items in scope.
    assert "PRM-02" not in [entry.item.id for entry in load_sheet(assessment, to_supplier=False).items]


def test_a_condition_does_not_read_the_stale_answer_of_an_item_out_of_scope():
    questionnaire = load_text(CONDITIONAL_DEFINITION, "c.yaml")
    codes = {"PRM-01": "no", "PRM-02": "yes", "PRM-03": "no"}
    shown = visibility(questionnaire, "T1", codes)
    assert (shown["PRM-01"], shown["PRM-02"], shown["PRM-03"]) == (True, False, False)
    assert [item.id for item in in_scope(questionnaire, "T1", codes)] == ["POL-01", "STF-01", "STF-02", "PRM-01"]
    score = score_assessment(questionnaire, "T1", {k: ScoringInput(v) for k, v in codes.items()})
    assert score.counts == {"no": 1, "unanswered": 3}
    assert [entry.in_scope for entry in score.items][-3:] == [True, False, False]
