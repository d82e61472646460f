"""Fuzzing the table importer: mappings and checksheets give a definition structure or a TableImportError."""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from questionnaires import DefinitionError
from questionnaires.importers import TableImportError, TableMapping, definition_yaml, import_table, load_mapping
from questionnaires.importers.mapping import parse_mapping
from tests.fuzz.strategies import (
    damaged_bytes,
    dump,
    scalars,
    values,
    with_broken_deflate,
    with_truncated_worksheets,
    yaml_scalars,
    yaml_soup,
    zip_with_mutated_parts,
)

OUTPUT = {
    "key": "fuzz-sheet",
    "version": "1",
    "title": {"ja": "確認", "en": "Check"},
    "source": "Built by the fuzz test",
    "licence": "Apache-2.0",
}
# Columns A-F: id, section title, tier, question, guidance, references.
MAPPING: dict[str, Any] = {
    "header_rows": 1,
    "id": {"column": "A", "separator": "-", "levels": None},
    "sections": [{"title": "B"}],
    "text": "D",
    "guidance": "E",
    "tier": {"column": "C", "values": {"★3": "T1", "★4": "T2", "○": "T3"}},
    "default_tier": "T1",
    "references": {"iso27001": "F"},
    "output": {**OUTPUT, "item_defaults": {}},
}
HEADER = ["No.", "分類", "レベル", "質問", "補足", "ISO"]
MAPPING_KEYS = (
    "sheet", "header_rows", "encoding", "id", "sections", "text", "guidance", "tiers", "tier", "default_tier",
    "references", "output", "column", "separator", "levels", "title", "segments", "letter", "header", "values",
    "key", "version", "source", "licence", "scale", "scales", "item_defaults", "description",
)  # fmt: skip
ENCODINGS = (
    "utf-8", "utf-8-sig", "cp932", "utf-16", "latin-1", "ascii", "idna", "punycode", "utf-7", "unicode_escape",
    "rot13", "hex", "nope", "",
)  # fmt: skip

settings_for_files = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("table")


def import_or_error(path: Path, mapping: TableMapping | Path) -> dict[str, Any] | None:
    """The definition structure (checked by the loader, which may refuse it), or None for a TableImportError."""
    try:
        definition = import_table(path, mapping)
    except TableImportError as error:
        event("table import error")
        assert str(error) and error.message
        assert error.row is None or error.row >= 1
        return None
    try:
        text, questionnaire = definition_yaml(definition, "fuzz.yaml")
    except DefinitionError:
        event("definition error")
    else:
        event("questionnaire")
        assert text and questionnaire.key == OUTPUT["key"]
    return definition


# --- mapping structures -----------------------------------------------------------------------------------

mapping_keys = st.one_of(st.sampled_from(MAPPING_KEYS), st.text(max_size=6))
column_specs = st.one_of(
    st.sampled_from(("A", "B", "Z", "ZZZ", "AAAA", "a", "", " ", "No.", "質問", "ISO")),
    st.fixed_dictionaries({}, optional={"letter": st.sampled_from(("A", "F", "XFD", "1", "")), "header": st.text()}),
    scalars,
)
mapping_values = values(mapping_keys, st.one_of(scalars, column_specs))
yaml_mapping_values = values(mapping_keys, st.one_of(yaml_scalars, column_specs))
SMALL_VALUES = ("", ".", "-", " ", 0, 1, 5, 21, -1, 1.5, True, None, [], {}, [1, 2], {"a": 1}, "ab", "T1", "T9", "A")
replacement_values = st.one_of(st.sampled_from(SMALL_VALUES), column_specs, mapping_values)


@st.composite
def mutated_mapping(draw: st.DrawFn) -> Any:
    mapping = copy.deepcopy(MAPPING)
    for _ in range(draw(st.integers(1, 2))):
        target = mapping
        # Walk into a random nested mapping (output, tier, tier.values...) before changing a key there.
        while isinstance(target, dict) and target and draw(st.booleans()):
            inner = target[draw(st.sampled_from(sorted(target, key=str)))]
            if not isinstance(inner, dict):
                break
            target = inner
        if not isinstance(target, dict):
            continue
        key = draw(st.one_of(st.sampled_from(sorted(target, key=str) or ["id"]), mapping_keys))
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(replacement_values)
    return mapping


@settings(max_examples=200, deadline=None)
@given(st.one_of(mapping_values, mutated_mapping()))
def test_any_mapping_structure_is_a_mapping_or_a_table_import_error(data: Any) -> None:
    try:
        mapping = parse_mapping(data)
    except TableImportError as error:
        assert error.message.startswith("mapping")
        return
    assert isinstance(mapping, TableMapping)


@settings_for_files
@given(st.one_of(yaml_soup, st.text(max_size=100), mutated_mapping().map(dump), yaml_mapping_values.map(dump)))
def test_any_mapping_file_is_a_mapping_or_a_table_import_error(workdir: Path, text: str) -> None:
    path = workdir / "mapping.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(TableImportError):
        load_mapping(path)


# --- checksheets -----------------------------------------------------------------------------------------

ids = st.one_of(
    st.sampled_from(("1", "1-1", "1-2", "２－１", "1-1-1", "A.5", "", " ", "-", "a b", "1--2", "1-1")),
    st.from_regex(r"\A[0-9]{1,2}(-[0-9]{1,2}){0,3}\Z"),
)
cells_by_column = (
    ids,
    st.sampled_from(("", "ガバナンス", "人", "=1+1", "分類 / 副分類")),
    st.sampled_from(("", "★3", "★4", "○", "★5", "T1", " ★3 ", "★３")),
    st.sampled_from(("", "方針を定めている", "教育を行っている\n- 記録する", '=HYPERLINK("x")')),
    st.sampled_from(("", "補足", "補足\r\n二行目")),
    st.sampled_from(("", "A.5.1", "A.5.1, A.5.2", "A.5.3、A.5.4\nA.5.5", ",,,")),
)
cell = st.one_of(st.text(max_size=10), st.sampled_from(("", "○", "★3", "1-1", "\x00", "\ufeff", '"', "\r")))
good_rows = st.lists(
    st.tuples(
        st.from_regex(r"\A[0-9]{1,2}(-[0-9]{1,2}){1,2}\Z"),  # the section is the id's first segment
        st.sampled_from(("ガバナンス", "人", "分類 / 副分類")),
        st.sampled_from(("★3", "★4", "○", "")),
        st.text(min_size=1, max_size=15).filter(str.strip),
        st.text(max_size=10),
        st.sampled_from(("", "A.5.1", "A.5.1, A.5.2")),
    ).map(list),
    min_size=1,
    max_size=8,
    unique_by=lambda row: row[0],
)
rows = st.one_of(
    good_rows,
    st.lists(st.one_of(st.tuples(*cells_by_column).map(list), st.lists(cell, max_size=8)), max_size=12),
)


def write_csv(path: Path, header: list[str], body: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *body])
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")


@settings_for_files
@given(rows)
def test_csv_rows_import_or_raise_a_table_import_error(workdir: Path, body: list[list[str]]) -> None:
    write_csv(workdir / "sheet.csv", HEADER, body)
    import_or_error(workdir / "sheet.csv", parse_mapping(MAPPING))


@settings_for_files
@given(mutated_mapping(), st.one_of(good_rows, rows))
def test_csv_rows_with_a_mutated_mapping(workdir: Path, data: Any, body: list[list[str]]) -> None:
    try:
        mapping = parse_mapping(data)
    except TableImportError:
        return
    write_csv(workdir / "sheet.csv", HEADER, body)
    import_or_error(workdir / "sheet.csv", mapping)


@settings_for_files
@given(
    st.one_of(st.binary(max_size=300), st.text('ab-.,\n"★', max_size=40).map(lambda text: text.encode("utf-8"))),
    st.sampled_from(ENCODINGS),
)
def test_random_bytes_as_csv_in_any_encoding(workdir: Path, raw: bytes, encoding: str) -> None:
    (workdir / "bytes.csv").write_bytes(raw)
    import_or_error(workdir / "bytes.csv", parse_mapping({**MAPPING, "encoding": encoding}))


# --- xlsx checksheets ------------------------------------------------------------------------------------

xlsx_values = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.text(max_size=20).map(lambda text: "".join(char for char in text if char >= " " or char in "\t\n")),
    st.sampled_from(("=1+1", "=A1", "★3", "○", "1-1", "x" * 5000)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8), xlsx_values), max_size=20),
    st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(0, 3), st.integers(0, 3)), max_size=3),
    st.sampled_from((None, "評価基準", "missing")),
)
def test_xlsx_cells_import_or_raise_a_table_import_error(
    workdir: Path, cells: list[tuple[int, int, Any]], merges: list[tuple[int, int, int, int]], sheet: str | None
) -> None:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = "評価基準"
    for column, value in enumerate(HEADER, start=1):
        worksheet.cell(row=1, column=column, value=value)
    for row, column, value in cells:
        worksheet.cell(row=row, column=column, value=value)
    for row, column, height, width in merges:
        with contextlib.suppress(ValueError):  # overlapping ranges
            worksheet.merge_cells(start_row=row, start_column=column, end_row=row + height, end_column=column + width)
    workbook.save(workdir / "sheet.xlsx")
    import_or_error(workdir / "sheet.xlsx", parse_mapping({**MAPPING, "sheet": sheet}))


def _valid_xlsx() -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(HEADER)
    worksheet.append(["1-1", "ガバナンス", "★3", "方針を定めている", "補足", "A.5.1"])
    worksheet.append(["1-2", None, "★4", "教育を行っている", None, None])
    worksheet.merge_cells("B2:B3")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _valid_xlsx()


@settings_for_files
@given(st.one_of(damaged_bytes(VALID_XLSX), zip_with_mutated_parts(VALID_XLSX)))
def test_damaged_xlsx_is_a_table_import_error(workdir: Path, raw: bytes) -> None:
    (workdir / "damaged.xlsx").write_bytes(raw)
    import_or_error(workdir / "damaged.xlsx", parse_mapping(MAPPING))


def test_the_valid_xlsx_imports(workdir: Path) -> None:
    (workdir / "valid.xlsx").write_bytes(VALID_XLSX)
    definition = import_table(workdir / "valid.xlsx", parse_mapping(MAPPING))
    _, questionnaire = definition_yaml(definition, "valid.yaml")
    assert [item.id for item in questionnaire.items] == ["1-1", "1-2"]


# --- inputs the fuzzers found ---------------------------------------------------------------------------

FOUND_MAPPINGS = {
    "an empty id separator": {**MAPPING, "id": {"column": "A", "separator": ""}},
    "item_defaults that is a number": {**MAPPING, "output": {**OUTPUT, "item_defaults": 5}},
    "item_defaults that is a list": {**MAPPING, "output": {**OUTPUT, "item_defaults": [1, 2]}},
    "item_defaults that is text": {**MAPPING, "output": {**OUTPUT, "item_defaults": "ab"}},
    "a default tier that is a list": {**MAPPING, "default_tier": ["T1"]},
}


@pytest.mark.parametrize("data", FOUND_MAPPINGS.values(), ids=FOUND_MAPPINGS.keys())
def test_mappings_found_by_fuzzing_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(TableImportError, match=r"^mapping: "):
        parse_mapping(data)


def test_a_codec_raising_a_bare_unicode_error_is_a_table_import_error(workdir: Path) -> None:
    (workdir / "puny.csv").write_bytes(b"No.,x\n1-1 2,y\n")
    with pytest.raises(TableImportError, match="cannot be decoded as punycode"):
        import_table(workdir / "puny.csv", parse_mapping({**MAPPING, "encoding": "punycode"}))


def test_a_codec_that_only_warns_about_bad_input_is_a_table_import_error(workdir: Path) -> None:
    (workdir / "escaped.csv").write_bytes(b"No.,x\\ \n1-1 2,y\n")  # "\ " is no escape sequence
    with pytest.raises(TableImportError, match="cannot be decoded as unicode_escape"):
        import_table(workdir / "escaped.csv", parse_mapping({**MAPPING, "encoding": "unicode_escape"}))


@pytest.mark.parametrize("member", ["xl/workbook.xml", "docProps/core.xml", "xl/worksheets/sheet1.xml"])
def test_a_broken_compressed_stream_is_a_table_import_error(workdir: Path, member: str) -> None:
    (workdir / "broken.xlsx").write_bytes(with_broken_deflate(VALID_XLSX, member))
    with pytest.raises(TableImportError, match=r"not a readable \.xlsx file"):
        import_table(workdir / "broken.xlsx", parse_mapping(MAPPING))


def test_damaged_sheet_xml_is_a_table_import_error(workdir: Path) -> None:
    (workdir / "cut.xlsx").write_bytes(with_truncated_worksheets(VALID_XLSX))
    with pytest.raises(TableImportError, match=r"not a readable \.xlsx file"):
        import_table(workdir / "cut.xlsx", parse_mapping(MAPPING))


@pytest.mark.parametrize("text", ["方針\x85を定める", "a\u2028b", "一行目\n\x85二行目"])
def test_cells_with_unicode_line_breaks_write_yaml_that_loads_back(workdir: Path, text: str) -> None:
    write_csv(workdir / "breaks.csv", HEADER, [["1-1", "分類", "★3", text, text, ""]])
    definition = import_table(workdir / "breaks.csv", parse_mapping(MAPPING))
    _, questionnaire = definition_yaml(definition, "breaks.yaml")  # raised AssertionError: round trip changed
    assert questionnaire.item("1-1").text.ja == text
