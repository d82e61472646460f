"""The portfolio's chart geometry and heat map rows, without a database."""

from portal.portfolio.charts import columns, heat_bands, heat_class, sparkline, stacked
from portal.portfolio.heatmap import PER_PAGE, heatmap
from portal.scoring.portfolio import Column, QuestionnaireMap, Round, SupplierScore
from questionnaires.model import Text


def supplier(n, overall, policy, grade="C", rounds=(None,)):
    return SupplierScore(
        supplier_id=n,
        name=f"委託先{n:02}",
        assessment_id=100 + n,
        grade=grade,
        overall=overall,
        rates={"policy": policy, "staff": 50.0},
        rounds=tuple(Round(n, "r", rate) for rate in (*rounds[:-1], overall)),
    )


def questionnaire_map(rows):
    columns = (Column("policy", Text("方針", "Policy"), 50.0), Column("staff", Text("人", "Staff"), 50.0))
    return QuestionnaireMap("q", Text("質問票", "Questionnaire"), columns, tuple(rows))


def test_rates_fall_in_the_grade_bands_and_the_legend_names_them():
    assert [heat_class(r) for r in (None, 0.0, 49.9, 50.0, 69.9, 70.0, 80.0, 89.9, 90.0, 100.0)] == [
        "heat-none", "heat-1", "heat-1", "heat-2", "heat-2", "heat-3", "heat-4", "heat-4", "heat-5", "heat-5",
    ]  # fmt: skip
    assert heat_bands()[0] == ("heat-1", "0–50%") and heat_bands()[-1] == ("heat-5", "90–100%")


def test_bars_are_scaled_to_the_largest_and_stacked_parts_follow_each_other():
    chart = columns([("A", 2), ("B", 4), ("C", 0)])
    a, b, c = chart.bars
    assert b.height == 2 * a.height and c.height == 0 and b.y + b.height == chart.base
    rows = stacked([("0-30", [("on_time", 1), ("overdue", 3)]), ("30-60", [("on_time", 2), ("overdue", 0)])]).rows
    (_, _, x1, w1), (_, _, x2, w2) = rows[0].parts
    assert x2 == x1 + w1 and w2 == 3 * w1 and rows[0].total == 4 and rows[1].total == 2


def test_a_sparkline_skips_rounds_without_a_rate_and_ends_on_the_newest():
    line = sparkline([50.0, None, 100.0], width=46, height=26)
    assert line.points == "3.0,21.2 43.0,3.0" and line.last == (43.0, 3.0)  # 45–100 from bottom to top
    assert sparkline([80.0, 81.0], height=36).points == "3.0,18.5 81.0,17.5"  # 30 points high: one point is one pixel
    assert sparkline([None]).last is None and sparkline([]).points == ""


def test_the_heat_map_sorts_worst_first_with_rows_without_a_rate_last_and_filters_by_grade():
    q = questionnaire_map(
        [supplier(1, 80.0, None, "B"), supplier(2, 40.0, 90.0, "D"), supplier(3, 60.0, 30.0), supplier(4, None, 70.0)]
    )
    ids = lambda hm: [r.supplier.supplier_id for r in hm.rows]  # noqa: E731
    assert ids(heatmap(q, sort="overall", descending=False, grade="", page=1)) == [2, 3, 1, 4]
    assert ids(heatmap(q, sort="section:policy", descending=True, grade="", page=1)) == [2, 4, 3, 1]
    assert ids(heatmap(q, sort="name", descending=True, grade="", page=1)) == [4, 3, 2, 1]
    assert ids(heatmap(q, sort="nonsense", descending=False, grade="C", page=1)) == [3, 4]  # unknown sort: overall
    cells = heatmap(q, sort="overall", descending=False, grade="", page=1).rows[0].cells
    assert [(c.rate, c.css) for c in cells] == [(90.0, "heat-5"), (50.0, "heat-2"), (40.0, "heat-1")]  # overall last


def test_the_heat_map_pages_and_shows_each_rounds_change():
    rows = [supplier(n, float(n), 50.0, rounds=(n - 5.0, None)) for n in range(1, PER_PAGE + 6)]
    last = heatmap(questionnaire_map(rows), sort="overall", descending=False, grade="", page=99)
    assert (last.page, last.pages, last.total, last.first, len(last.rows)) == (2, 2, PER_PAGE + 5, PER_PAGE + 1, 5)
    assert last.rows[0].change == 5.0
    first = heatmap(questionnaire_map([supplier(1, 70.0, 50.0)]), sort="overall", descending=False, grade="", page=0)
    assert first.page == 1 and first.rows[0].change is None  # one round: nothing to compare
