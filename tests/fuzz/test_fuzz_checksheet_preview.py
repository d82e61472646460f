"""Fuzzing the upload page's engine: any checksheet bytes, any mapping (structure, YAML text or the page's
posted form) give a Preview, never an exception; a definition only when the loader accepts it, and every
problem words itself in both languages."""

from __future__ import annotations

import copy
import csv
import io
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from questionnaires import build_questionnaire
from questionnaires.importers.checksheet import Preview, preview, propose_mapping, read_sheets
from questionnaires.importers.problems import MESSAGES
from tests.fuzz.strategies import damaged_bytes, dump, scalars, values, yaml_soup, zip_with_mutated_parts
from tests.questionnaires.checksheet_workbooks import MAPPING, ROWS, checksheet_xlsx

ROW_KEYS = ("answer_type", "follow_ups", "headings", "skip", "explanatory", "weight", "critical", "evidence")
INNER_KEYS = ("column", "values", "default", "by", "when", "title", "level", "depth", "empty", "equals", "choices")
VALID_XLSX = checksheet_xlsx()
files = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def checked(result: Preview) -> Preview:
    """The invariants every preview keeps, whatever it was given."""
    assert isinstance(result, Preview)
    assert (result.definition is None) == bool(result.problems)
    for problem in result.problems:
        assert problem.code in MESSAGES["en"] and problem.count >= 1
        assert problem.text("ja") and problem.text("en") and str(problem)
        assert problem.row is None or problem.row >= 1
    if result.definition is not None:
        event("definition")
        build_questionnaire(result.definition, "fuzz")
        assert result.item_count == sum(section.items for section in result.sections) > 0
    else:
        event(result.problems[0].code)
    return result


row_values = st.one_of(
    st.sampled_from(("", "A", "B", "F", "ZZ", "1", "yes", "id", "depth", "OR", True, None, [], {}, 0, 10)),
    scalars,
    st.lists(st.sampled_from(("yes", "no", "c1", "", 1)), max_size=3),
    st.fixed_dictionaries({}, optional={key: st.sampled_from(("A", "F", "x", "yes", True, 2)) for key in INNER_KEYS}),
)


@st.composite
def mutated_mapping(draw: st.DrawFn) -> dict[str, Any]:
    """The test workbook's mapping with row keys added, removed or broken, at the top or one level down."""
    mapping = copy.deepcopy(MAPPING)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from((*ROW_KEYS, *sorted(mapping))))
        target = mapping.get(key)
        if isinstance(target, dict) and target and draw(st.booleans()):
            inner = draw(st.one_of(st.sampled_from(sorted(target, key=str)), st.sampled_from(INNER_KEYS)))
            target[inner] = draw(row_values)
        elif key in mapping and draw(st.booleans()):
            del mapping[key]
        else:
            mapping[key] = draw(row_values)
    return mapping


@settings(max_examples=150, deadline=None)
@given(st.one_of(mutated_mapping(), values(st.sampled_from((*ROW_KEYS, *INNER_KEYS)), row_values)))
def test_any_mapping_gives_a_preview(data: Any) -> None:
    checked(preview(VALID_XLSX, "sheet.xlsx", data))


@settings(max_examples=80, deadline=None)
@given(st.one_of(yaml_soup, st.text(max_size=80), mutated_mapping().map(dump)))
def test_any_mapping_file_gives_a_preview(text: str) -> None:
    checked(preview(VALID_XLSX, "sheet.xlsx", text.encode("utf-8", "surrogatepass")))


cell = st.one_of(
    st.text(max_size=8),
    st.sampled_from(("", "○", "x", "Y/N", "YNA", "TXT", "選択", "1", "1.1", "1.1.1", "2.1", "=1+1", "OR", "\ufeff")),
)
#: Cells openpyxl writes (no control characters other than tab and new line).
xlsx_cell = cell.map(lambda text: "".join(char for char in text if char >= " " or char in "\t\n"))
sheet_rows = st.lists(st.lists(cell, min_size=0, max_size=10), max_size=14)


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding, "replace")


@files
@given(
    sheet_rows,
    st.sampled_from(("utf-8", "utf-8-sig", "cp932", "utf-16")),
    st.one_of(st.just(MAPPING), mutated_mapping()),
)
def test_any_csv_gives_a_preview(rows: list[list[str]], encoding: str, mapping: dict[str, Any]) -> None:
    content = csv_bytes(rows, encoding)
    checked(preview(content, "sheet.csv", {**mapping, "sheet": None, "header_rows": 2}))
    grid = read_sheets(content, "sheet.csv")
    assert grid.problems or all(isinstance(cell, str) for row in grid.rows for cell in row)
    if not grid.problems:
        proposed = propose_mapping(content, "sheet.csv")
        checked(preview(content, "sheet.csv", {**proposed, "output": MAPPING["output"]}))


@files
@given(st.dictionaries(st.sampled_from(sorted(ROWS)), st.lists(xlsx_cell, min_size=9, max_size=9), max_size=7))
def test_changed_rows_of_the_workbook_give_a_preview(changes: dict[int, list[str]]) -> None:
    content = checksheet_xlsx({**ROWS, **changes})
    checked(preview(content, "sheet.xlsx", MAPPING))
    checked(preview(content, "sheet.xlsx", {**propose_mapping(content, "sheet.xlsx"), "output": MAPPING["output"]}))


@files
@given(st.one_of(damaged_bytes(VALID_XLSX), zip_with_mutated_parts(VALID_XLSX), st.binary(max_size=200)))
def test_damaged_workbooks_give_a_problem(raw: bytes) -> None:
    checked(preview(raw, "sheet.xlsx", MAPPING))
    grid = read_sheets(raw, "sheet.xlsx")
    assert grid.problems or grid.names


@files
@given(
    st.dictionaries(
        st.sampled_from(("A1", "C5", "D4", "F3", "F7", "B3", "A9")),
        st.one_of(st.none(), st.integers(-(10**15), 10**15), st.floats(allow_nan=False), st.booleans(), xlsx_cell),
    )
)
def test_odd_cell_values_give_a_preview(cells: dict[str, Any]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "チェックシート"
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    checked(preview(buffer.getvalue(), "sheet.xlsx", MAPPING))


posted_fields = st.sampled_from(
    (
        "sheet", "header_rows", "id", "id_separator", "text", "section1", "section2", "headings", "guidance",
        "answer_type", "answer_default", "weight", "critical", "evidence", "tier_T1", "tier_T2", "tier_column",
        "default_tier", "follow_ups", "follow_ups_column", "skip_column", "skip_equals", "skip_empty", "key",
        "version", "title", "at_value_0", "at_kind_0", "at_choices_0", "at_value_new", "at_kind_new",
        "tv_value_0", "tv_tier_0", "explanatory_column", "explanatory_equals",
    )
)  # fmt: skip
posted_values = st.one_of(
    st.sampled_from(("", "A", "C", "F", "ZZZ", "T1", "T4", "id", "depth", "yes-no", "choices", "text", "on", "-1")),
    st.text(max_size=6),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(posted_fields, posted_values))
def test_any_posted_mapping_form_gives_a_preview(posted: dict[str, str]) -> None:
    from portal.catalog.mapping_form import form_from_post, mapping_from_form

    form = form_from_post(posted)
    mapping = mapping_from_form(form, MAPPING)  # as the page does, before it looks at form.errors
    checked(preview(VALID_XLSX, "sheet.xlsx", {**mapping, "output": MAPPING["output"]}))
