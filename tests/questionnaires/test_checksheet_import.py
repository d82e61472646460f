"""The checksheet engine behind the upload page and the command line: rows, answer types, follow-ups,
headings, skip rules, and problems named by mapping key, sheet, row and column."""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Any

from questionnaires import build_questionnaire
from questionnaires.conditions import unparse
from questionnaires.importers.checksheet import (
    MAX_UPLOAD_BYTES,
    mapping_problems,
    preview,
    propose_mapping,
    read_sheets,
)
from questionnaires.scope import visibility
from tests.questionnaires.checksheet_workbooks import MAPPING, checksheet_xlsx

OUTPUT = MAPPING["output"]


def _mapping(**changes: Any) -> dict[str, Any]:
    mapping = copy.deepcopy(MAPPING)
    mapping.update(changes)
    return mapping


def test_mixed_answer_types_follow_ups_and_merged_sections() -> None:
    result = preview(checksheet_xlsx(), "チェックシート.xlsx", MAPPING)

    assert result.problems == ()
    assert result.definition is not None
    questionnaire = build_questionnaire(result.definition, "test")
    assert [(s.title.ja, [i.id for i in s.items]) for s in questionnaire.sections] == [
        ("組織体制", ["1", "1.1", "1.1.1", "2"]),
        ("取引先管理", ["3", "4", "4.1"]),
    ]
    items = {item.id: item for item in questionnaire.items}
    assert [items[i].scale for i in ("1", "1.1.1", "2", "3")] == ["yes-no", "text", "yes-no-na", "choice-4"]
    assert [c.label.ja for c in questionnaire.scales["choice-4"].choices] == ["毎月", "毎年", "不定期"]
    assert unparse(items["1.1.1"].condition) == "1.1 == yes"
    assert items["1"].evidence.required == "if_implemented" and items["1"].references == {"iso27001": ("A.5.1",)}
    assert (str(items["2"].tier), str(items["4.1"].tier)) == ("T2", "T2")
    assert result.tier_counts == {"T1": 5, "T2": 2, "T3": 0}
    assert [(s.title, s.items, s.per_tier) for s in result.sections] == [
        ("組織体制", 4, {"T1": 3, "T2": 1}),
        ("取引先管理", 3, {"T1": 2, "T2": 1}),
    ]


def test_a_follow_up_is_in_scope_only_after_yes() -> None:
    questionnaire = build_questionnaire(preview(checksheet_xlsx(), "c.xlsx", MAPPING).definition, "test")

    def shown(answers: dict[str, str]) -> set[str]:
        return {item_id for item_id, visible in visibility(questionnaire, "T2", answers).items() if visible}

    assert "1.1" not in shown({}) and "1.1" not in shown({"1": "no"})
    assert "1.1" in shown({"1": "yes"}) and "1.1.1" not in shown({"1": "yes"})
    assert "1.1.1" in shown({"1": "yes", "1.1": "yes"})


def test_a_problem_repeated_on_many_rows_is_reported_once_with_its_count_and_key() -> None:
    result = preview(checksheet_xlsx(D8="x", D9="x", F4="はい"), "c.xlsx", MAPPING)

    assert result.definition is None
    problems = {problem.code: problem for problem in result.problems}
    marker = problems["tier_marker"]
    assert (marker.key, marker.sheet, marker.row, marker.column, marker.count) == (
        "tiers.T1",
        "チェックシート",
        8,
        "D",
        2,
    )
    answer = problems["answer_type"]
    assert (answer.key, answer.row, answer.column, answer.params["value"]) == ("answer_type.values", 4, "F", "はい")
    assert "answer_type.values" in answer.fix("ja") and "はい" in answer.text("ja")


def test_a_follow_up_under_a_free_text_question_says_what_to_change() -> None:
    result = preview(checksheet_xlsx(F3="TXT"), "c.xlsx", MAPPING)

    [problem] = result.problems
    assert (problem.code, problem.key, problem.row) == ("parent_not_yes_no", "follow_ups.when", 4)
    assert "Give question 1 a yes/no answer type" in problem.fix("en")


def test_headings_skip_rules_and_explanatory_rows() -> None:
    rows = {
        3: ["", "", "1. 組織", "", "", "", "", "", ""],
        4: ["", "", "注: すべての質問に答えてください", "", "", "説明", "", "", ""],
        5: ["1", "", "方針を定めていますか", "○", "", "Y/N", "", "", ""],
        6: ["", "", "OR", "", "", "", "", "", ""],
        7: ["2", "", "規程を定めていますか", "○", "", "Y/N", "", "", ""],
        8: ["", "", "1.1 規程の運用", "", "", "", "", "", ""],
        9: ["3", "", "運用を記録していますか", "○", "", "YNA", "", "", ""],
        10: ["", "", "2. 取引先", "", "", "", "", "", ""],
        11: ["4", "", "取引先を把握していますか", "", "○", "Y/N", "", "", ""],
    }
    mapping = _mapping(
        header_rows=2,
        headings={"title": "C"},
        skip=[{"column": "C", "equals": "OR"}],
        explanatory=[{"column": "F", "equals": "説明"}],
        follow_ups={"by": "depth", "column": "B"},
    )
    del mapping["sections"], mapping["guidance"]
    workbook = checksheet_xlsx(rows)
    result = preview(_without_merges(workbook), "c.xlsx", mapping)

    assert result.problems == ()
    sections = result.definition["sections"]
    assert [(s["title"]["ja"], [i["id"] for i in s["items"]]) for s in sections] == [
        ("1. 組織", ["1", "2"]),
        ("1. 組織 / 1.1 規程の運用", ["3"]),
        ("2. 取引先", ["4"]),
    ]
    assert sections[0]["description"]["ja"] == "注: すべての質問に答えてください"


def test_an_unknown_mapping_key_is_named_with_the_allowed_keys() -> None:
    [problem] = mapping_problems(_mapping(answer_type={"column": "F", "valeus": {}}))
    assert problem.key == "answer_type.valeus" and "'valeus'" in problem.text("en")
    assert problem.fix("en") == "Allowed keys here: column, default, values."

    [problem] = mapping_problems(_mapping(colour="red"))
    assert problem.key == "colour" and "'colour'" in problem.text("en")
    assert "answer_type" in problem.fix("en") and "follow_ups" in problem.fix("en")

    [problem] = preview(checksheet_xlsx(), "c.xlsx", "sheet: [unclosed\n").problems
    assert problem.code == "mapping_yaml"


def test_hostile_and_broken_files_give_a_problem_not_an_exception() -> None:
    def codes(source: bytes, name: str = "c.xlsx") -> list[str]:
        return [problem.code for problem in preview(source, name, MAPPING).problems]

    assert codes(b"x" * (MAX_UPLOAD_BYTES + 1)) == ["too_large"]
    assert codes(b"not a zip") == ["unreadable"]
    assert codes(checksheet_xlsx(), "c.pdf") == ["not_a_table"]
    assert codes(_with_dtd(checksheet_xlsx())) == ["xml_dtd"]
    assert codes("No.,質問\n1,é\n".encode("utf-16"), "c.csv") == ["encoding"]
    assert codes(checksheet_xlsx(), "c.xlsx")[:0] == []
    assert [p.code for p in preview(checksheet_xlsx(), "c.xlsx", _mapping(sheet="ない")).problems] == ["no_sheet"]


def test_a_shift_jis_csv_is_read() -> None:
    text = "No.,区分,質問,レベル\n1,組織,方針を定めていますか,★3\n2,組織,責任者を任命していますか,★4\n"
    mapping = {
        "id": "A",
        "sections": [{"title": "B"}],
        "text": "C",
        "tier": {"column": "D", "values": {"★3": "T1", "★4": "T2"}},
        "output": OUTPUT,
    }
    result = preview(text.encode("cp932"), "sheet.csv", mapping)
    assert result.problems == () and result.item_count == 2


def test_the_grid_shows_the_first_rows_with_merged_cells_filled() -> None:
    grid = read_sheets(checksheet_xlsx(), "c.xlsx", rows=4)

    assert grid.names == ["チェックシート", "記入方法"] and grid.sheet == "チェックシート"
    assert grid.rows[0][:5] == ["No.", "区分", "質問項目", "対象レベル", "対象レベル"]
    assert grid.rows[1][3:5] == ["レベル1", "レベル2"] and grid.rows[3][1] == "組織体制"
    assert len(grid.rows) == 4 and len(grid.rows[0]) == 9


def _without_merges(source: bytes) -> bytes:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(source))
    sheet = workbook["チェックシート"]
    for ref in list(sheet.merged_cells.ranges):
        sheet.unmerge_cells(str(ref))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_dtd(source: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as original, zipfile.ZipFile(out, "w") as copy_:
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + data.split(b"?>", 1)[-1]
            copy_.writestr(member, data)
    return out.getvalue()


def test_a_mapping_is_proposed_from_japanese_and_english_header_words() -> None:
    proposed = propose_mapping(checksheet_xlsx(), "c.xlsx")

    assert proposed["sheet"] == "チェックシート" and proposed["header_rows"] == 2
    assert proposed["id"] == {"column": "A", "separator": "."} and proposed["text"] == "C"
    assert proposed["sections"] == [{"title": "B"}] and proposed["tiers"] == {"T1": "D", "T2": "E"}
    assert (proposed["guidance"], proposed["evidence"], proposed["references"]) == ("G", "H", {"ref": "I"})
    assert proposed["answer_type"]["values"]["YNA"] == "yes-no-na" and proposed["follow_ups"] == {"by": "id"}
    assert preview(checksheet_xlsx(), "c.xlsx", {**proposed, "output": OUTPUT}).item_count == 7

    english = "ID,Category,Question,Level,Answer type,Guidance,Weight,Critical,Evidence,Reference\n"
    proposed = propose_mapping(english.encode() + b"1-1,Org,Q,L1,YN,,,,,\n", "sheet.csv")
    assert [proposed[k] for k in ("id", "text", "weight", "critical", "evidence")] == ["A", "C", "G", "H", "I"]
    assert proposed["sections"] == [{"title": "B"}] and proposed["tier"] == {"column": "D", "values": {"L1": "T1"}}


def test_a_first_question_that_reads_like_a_header_is_not_taken_for_one() -> None:
    text = "No.,区分,質問,レベル1\n1,区分A,質問の一つめ,○\n2,区分A,質問の二つめ,○\n"
    assert propose_mapping(text.encode(), "sheet.csv")["header_rows"] == 1


def test_heading_levels_weights_critical_marks_and_depth_follow_ups() -> None:
    text = (
        "見出し,No.,質問,深さ,重み,重要\n"
        "■,,組織,,,\n"
        ",1,方針がありますか,1,2,○\n"
        ",2,見直していますか,2,,\n"
        "□,,委託先,,,\n"
        ",3,委託先を管理していますか,1,1.5,いいえ\n"
        ",4,孫の質問,3,,\n"
        ",5,重みが変,1,-1,たぶん\n"
    )
    mapping = {
        "header_rows": 1,
        "id": "B",
        "text": "C",
        "headings": {"level": {"column": "A", "values": {"■": 1, "□": 2}}},
        "follow_ups": {"by": "depth", "column": "D"},
        "weight": "E",
        "critical": "F",
        "answer_type": {"column": "A", "values": {}, "default": "yes-no"},
        "default_tier": "T1",
        "output": OUTPUT,
    }
    problems = {problem.code: problem for problem in preview(text.encode(), "sheet.csv", mapping).problems}
    assert (problems["orphan_follow_up"].row, problems["orphan_follow_up"].column) == (7, "D")
    assert (problems["weight"].row, problems["weight"].params["value"]) == (8, "-1")
    assert (problems["flag"].key, problems["flag"].row, problems["flag"].column) == ("critical", 8, "F")

    fixed = text.replace(",4,孫の質問,3,,\n", "").replace(",5,重みが変,1,-1,たぶん\n", "")
    result = preview(fixed.encode(), "sheet.csv", mapping)
    assert result.problems == ()
    sections = result.definition["sections"]
    assert [(s["title"]["ja"], [i["id"] for i in s["items"]]) for s in sections] == [
        ("組織", ["1", "2"]),
        ("組織 / 委託先", ["3"]),
    ]
    items = {i["id"]: i for s in sections for i in s["items"]}
    assert (items["1"]["weight"], items["1"]["critical"], items["2"]["condition"]) == (2, True, "1 == yes")
    assert items["3"]["weight"] == 1.5 and "critical" not in items["3"]


def test_a_heading_merged_across_the_row_opens_a_section() -> None:
    rows = {
        3: ["1. 組織", None, None, None, None, None, None, None, None],
        4: ["1", None, "方針がありますか", "○", None, "Y/N", None, None, None],
        5: ["1.1", None, "承認されていますか", "○", None, "Y/N", None, None, None],
        6: ["2. 取引先", None, None, None, None, None, None, None, None],
        7: ["2", None, "取引先を把握していますか", "○", None, "YNA", None, None, None],
    }
    merged = ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2", "H1:H2", "I1:I2", "A3:I3", "A6:I6")
    mapping = _mapping(headings={})
    del mapping["sections"]
    result = preview(checksheet_xlsx(rows, merged), "c.xlsx", mapping)

    assert result.problems == ()
    assert [(s.title, s.items) for s in result.sections] == [("1. 組織", 2), ("2. 取引先", 1)]
