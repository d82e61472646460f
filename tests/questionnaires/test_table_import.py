"""The table importer on checksheets built here: a METI-style XLSX and a CSV with a BOM."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from questionnaires import Tier, build_questionnaire, load_file
from questionnaires.importers import TableImportError, import_table, load_mapping, write_definition_yaml
from questionnaires.importers.mapping import parse_mapping
from questionnaires.importers.table import normalise_id, split_references

OUTPUT = {
    "key": "buyer-sheet",
    "version": "2026.1",
    "title": {"ja": "取引先チェックシート", "en": "Supplier checksheet"},
    "source": "Built by the test",
    "licence": "Apache-2.0",
}
XLSX_MAPPING = {
    "sheet": "評価基準",
    "header_rows": 2,
    "id": {"column": "G", "levels": 4},
    "sections": [{"id": "A", "title": "B"}, {"id": "C", "title": "D"}],
    "text": "H",
    "tiers": {"T1": "E", "T2": "F"},
    "references": {"iso27001": "ISO/IEC 27001:2022", "jama": "J"},
    "output": OUTPUT,
}


def build_xlsx(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "評価基準"
    workbook.create_sheet("メモ")
    headers = ["大分類No.", "大分類", "中分類No.", "中分類", "★3", "★4", "評価基準No.", "評価基準"]
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=1, column=column, value=header)
        sheet.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
    sheet["I1"] = "参照文献"
    sheet.merge_cells("I1:J1")
    sheet["I2"] = "ISO/IEC 27001:2022"
    sheet["J2"] = "自工会/部工会ガイドライン"
    rows = {
        3: ["1", "ガバナンスの整備", "1-1", "組織の状況", "○", "○", "1-1-1-1", "方針を定める\n- 文書化する",
            "4.1, A.5.1", "No.9 (LV1)、No.10 (LV2) "],
        4: [None, None, None, None, None, None, None, "- 経営者が承認する", "A.5.2", None],
        5: [None, None, "1-2", "役割・責任・権限", None, "〇", "１－２－１－１", "責任者を任命する",
            "A.5.2\nA.5.3", None],
        6: [None, None, None, None, "◯", None, "1-2-1-2", "連絡体制を整える", "A.5.24　A.5.25", None],
        7: [2, "取引先管理", "2-1", "サプライチェーン", None, "●", "2-1-1-1", "取引先を把握する", None,
            "No.36"],
    }  # fmt: skip
    for row, values in rows.items():
        for column, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=row, column=column, value=value)
    for ref in ("A3:A6", "B3:B6", "C3:C4", "D3:D4", "C5:C6", "D5:D6"):
        sheet.merge_cells(ref)
    for row in (8, 9, 10):  # trailing blank rows that still carry formatting
        sheet.cell(row=row, column=1).number_format = "@"
    workbook.save(path)


def test_xlsx_checksheet_imports_and_validates(tmp_path: Path) -> None:
    build_xlsx(tmp_path / "sheet.xlsx")

    definition = import_table(tmp_path / "sheet.xlsx", parse_mapping(XLSX_MAPPING))
    questionnaire = build_questionnaire(definition, "buyer-sheet/2026.1.yaml")

    assert [(s.id, s.title.ja, [i.id for i in s.items]) for s in questionnaire.sections] == [
        ("1-1", "ガバナンスの整備 / 組織の状況", ["1-1-1-1"]),
        ("1-2", "ガバナンスの整備 / 役割・責任・権限", ["1-2-1-1", "1-2-1-2"]),
        ("2-1", "取引先管理 / サプライチェーン", ["2-1-1-1"]),
    ]
    first = questionnaire.item("1-1-1-1")
    assert first.text.ja == "方針を定める\n- 文書化する\n- 経営者が承認する"
    assert first.tier is Tier.T1
    assert first.references == {"iso27001": ("4.1", "A.5.1", "A.5.2"), "jama": ("No.9 (LV1)", "No.10 (LV2)")}
    assert questionnaire.item("1-2-1-1").tier is Tier.T2
    assert questionnaire.item("1-2-1-1").references == {"iso27001": ("A.5.2", "A.5.3")}
    assert questionnaire.item("1-2-1-2").tier is Tier.T1
    assert questionnaire.item("1-2-1-2").references == {"iso27001": ("A.5.24", "A.5.25")}
    assert questionnaire.counts_by_tier() == {Tier.T1: 2, Tier.T2: 2, Tier.T3: 0}
    assert questionnaire.scales["implementation"].codes() == ("yes", "partial", "no", "unknown", "na")


def test_written_yaml_round_trips(tmp_path: Path) -> None:
    build_xlsx(tmp_path / "sheet.xlsx")
    definition = import_table(tmp_path / "sheet.xlsx", parse_mapping(XLSX_MAPPING))

    written = write_definition_yaml(definition, tmp_path / "2026.1.yaml")

    text = (tmp_path / "2026.1.yaml").read_text(encoding="utf-8")
    assert 'code: "yes"' in text and 'code: "no"' in text
    assert load_file(tmp_path / "2026.1.yaml") == written


CSV_TEXT = (
    "\ufeffNo.,分類,レベル,質問,補足,ISO\r\n"
    '1-1,経営,★3,"方針を\n定めている",方針書,"A.5.1,A.5.2"\r\n'
    ",,,追記の行,,A.5.3\r\n"
    "1-2,,★4,教育を行っている,,\r\n"
    "２－１,委託,★3,委託先を管理している,,A.5.19、A.5.20\r\n"
    ",,,,,\r\n,,,,,\r\n\r\n"
)
CSV_MAPPING = {
    "header_rows": 1,
    "id": "No.",
    "sections": [{"title": "分類"}],
    "text": "質問",
    "guidance": "補足",
    "tier": {"column": "レベル", "values": {"★3": "T1", "★4": "T2"}},
    # "ISO" alone would read as a column letter; {header: ...} says it is header text.
    "references": {"iso27001": {"header": "ISO"}},
    "output": OUTPUT,
}


def test_csv_with_bom_and_trailing_blank_rows(tmp_path: Path) -> None:
    (tmp_path / "sheet.csv").write_bytes(CSV_TEXT.encode("utf-8"))

    definition = import_table(tmp_path / "sheet.csv", parse_mapping(CSV_MAPPING))
    questionnaire = build_questionnaire(definition, "x.yaml")

    assert [item.id for item in questionnaire.items] == ["1-1", "1-2", "2-1"]
    assert [(section.id, section.title.ja) for section in questionnaire.sections] == [
        ("1", "経営"),
        ("2", "委託"),
    ]
    assert [item.section_id for item in questionnaire.items] == ["1", "1", "2"]
    first = questionnaire.item("1-1")
    assert first.text.ja == "方針を\n定めている\n追記の行"
    assert first.guidance is not None and first.guidance.ja == "方針書"
    assert first.references == {"iso27001": ("A.5.1", "A.5.2", "A.5.3")}
    assert questionnaire.item("1-2").tier is Tier.T2
    assert questionnaire.item("2-1").references == {"iso27001": ("A.5.19", "A.5.20")}


def test_mapping_file_example_parses() -> None:
    example = Path(__file__).resolve().parents[2] / "questionnaires" / "examples" / "meti-style-mapping.yaml"
    mapping = load_mapping(example)
    assert mapping.header_rows == 2 and mapping.id_levels == 4


def test_unrecognised_tier_marker_names_row_and_column(tmp_path: Path) -> None:
    build_xlsx(tmp_path / "sheet.xlsx")
    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "sheet.xlsx")
    workbook["評価基準"]["F7"] = "はい"
    workbook.save(tmp_path / "sheet.xlsx")
    with pytest.raises(TableImportError) as caught:
        import_table(tmp_path / "sheet.xlsx", parse_mapping(XLSX_MAPPING))
    assert str(caught.value) == "row 7, column F: unrecognised tier marker 'はい'"


def test_repeated_id_is_refused(tmp_path: Path) -> None:
    text = "\ufeffNo.,分類,レベル,質問,補足,ISO\n1-1,経営,★3,a,,\n1-2,経営,★3,b,,\n1-1,経営,★3,c,,\n"
    (tmp_path / "dup.csv").write_text(text, encoding="utf-8")
    with pytest.raises(TableImportError) as caught:
        import_table(tmp_path / "dup.csv", parse_mapping(CSV_MAPPING))
    assert str(caught.value) == "row 4, column A: id '1-1' already used in row 2"


def test_hostile_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip at all")
    with pytest.raises(TableImportError, match=r"is not a readable \.xlsx file"):
        import_table(tmp_path / "fake.xlsx", parse_mapping(XLSX_MAPPING))
    (tmp_path / "long.csv").write_text("No.,分類,レベル,質問,補足,ISO\n" + "1-1,y,★3,z,,\n" * 50, encoding="utf-8")
    monkeypatch.setattr("questionnaires.importers.table_reading.MAX_ROWS", 20)
    with pytest.raises(TableImportError) as caught:
        import_table(tmp_path / "long.csv", parse_mapping(CSV_MAPPING))
    assert str(caught.value) == "row 21: more than 20 rows"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("１－２－１－１", "1-2-1-1"), (" 1‐2 ", "1-2"), ("No. 12", "No.12"), ("A.5.31\u3000", "A.5.31")],
)
def test_normalise_id(raw: str, expected: str) -> None:
    assert normalise_id(raw) == expected


def test_split_references() -> None:
    assert split_references("4.1, A.5.31，A.8.1、A.8.2\nA.8.3\u3000A.8.4 ,, ") == [
        "4.1", "A.5.31", "A.8.1", "A.8.2", "A.8.3", "A.8.4",
    ]  # fmt: skip
