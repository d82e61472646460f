"""The Excel checksheet of one assessment (product.md §8): summary, checksheet, evidence, corrective actions.

The same workbook serves the reviewer's export and the supplier's offline answering: a very hidden,
protected ``_meta`` sheet names the assessment, the questionnaire version and the item of each row, and
:mod:`portal.reports.offline_import` checks an upload against it.

Every text that comes from users is written as text (:func:`portal.reports.cells.set_text`). The only
formulas in the workbook are the deliberate ones of the summary's answer-count table, in its column C:
``=COUNTIF('チェックシート'!$G$4:$G$n,"=<label>")`` (one term per label a code has) for each answer code,
and ``=COUNTA('チェックシート'!$B$4:$B$n)`` for the number of items. Their results equal the stored counts
beside them (column B) whenever the checksheet rows are the scored items.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl.chart import RadarChart, Reference
from openpyxl.chart.marker import Marker
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from portal.catalog.levels import verdict_words, verdicts_named
from portal.reports.cells import DATE_FORMATS, DATETIME_FORMATS, display_width, excel_datetime, set_text, set_value
from portal.reports.data import ChecksheetData, ChecksheetRow, EvidenceFile
from portal.reports.printing import (
    BOLD,
    LINE_HEIGHT,
    SMALL,
    TITLE,
    Issue,
    chart_text,
    one_page_if_readable,
    print_setup,
    stamp_box,
)
from portal.reports.words import (
    ACTION_HEADERS,
    ACTION_STATES,
    CHECKSHEET_HEADERS,
    DASH,
    DECISIONS,
    EVIDENCE_HEADERS,
    META_SHEET,
    PASSED,
    RISKS,
    SHEETS,
    STATES,
    SUMMARY,
    TIERS,
    VALIDATION_ERROR,
    require_lang,
    word,
)
from portal.reports.workbook import new_workbook, workbook_bytes
from portal.scoring.radar import MAX_TITLED_AXES

#: Layout of the checksheet sheet (1-based columns); the offline import reads the same positions.
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
COL_NO, COL_ITEM_ID, COL_SECTION, COL_TIER, COL_QUESTION, COL_GUIDANCE = 1, 2, 3, 4, 5, 6
COL_ANSWER, COL_COMMENT, COL_NA_REASON, COL_FILES, COL_SHA256 = 7, 8, 9, 10, 11
COL_DECISION, COL_REVIEW_COMMENT, COL_REFERENCES = 12, 13, 14
#: Last, so that the columns of a file exported before it are where they were.
COL_EVIDENCE_NOTE = 15
INPUT_COLUMNS = (COL_ANSWER, COL_COMMENT, COL_NA_REASON, COL_EVIDENCE_NOTE)
#: Kept in the workbook but folded away (an outline "+" opens them) and so not printed: the guidance, the
#: hashes (also on the evidence sheet) and the scheme references. The printed columns fit PRINT_WIDTH_UNITS.
FOLDED_COLUMNS = (COL_GUIDANCE, COL_SHA256, COL_REFERENCES)

#: Layout of the summary sheet. On the left (columns A-C): the header block (13 rows), the score table (self
#: in column B, reviewed in C; rate, grade, passed, risk), then the answer-count table (label, stored count,
#: formula). On the right (columns E-I): the stamp box (G1:I2), the radar chart, the rates by section and by
#: tier. The chart reads folded columns J-L, where a section without a rate is an empty cell (a gap).
INFO_FIRST_ROW = 3
SCORES_HEADER_ROW = 16
SCORE_RATE_ROW, SCORE_GRADE_ROW, SCORE_PASSED_ROW, SCORE_RISK_ROW = 17, 18, 19, 20
#: Level-based results only: the verdict (★3 達成 / ★4 未達) and each level's unmet items.
SCORE_VERDICT_ROW = 21
COUNTS_HEADER_ROW = 22
SECTIONS_HEADER_ROW = 17
RIGHT_COLUMN = 5
STAMP_COLUMN = 7
CHART_COLUMN = 10
SUMMARY_WIDTHS = (22, 32, 22, 2, 20, 12, 12, 12, 12)
#: The series of the radar chart: self score in blue with circles, reviewed in red with triangles, dashed.
SERIES_STYLES = (("1F4E79", "circle", "solid"), ("C00000", "triangle", "dash"))
#: Widest each checksheet column may grow (folded ones are not printed, so they may be wide).
MAX_WIDTHS = {
    "ja": (4, 9, 10, 7, 28, 40, 13, 17, 11, 13, 66, 8, 16, 24, 13),
    # English words do not break where Japanese does: room for "T2 Standard" and "Nonconforming".
    "en": (4, 9, 10, 11, 26, 40, 13, 16, 10, 12, 66, 14, 13, 24, 12),
}
MIN_WIDTH = 4
#: How much more text a column holds than display_width counts. A full-width character of 10 pt Noto Sans
#: CJK takes about 1.8 width units (counted 2), but line breaking keeps 。 and 、 off a line's start and so
#: ends lines early: counting 2 is what never cuts a question short.
WIDTH_PER_UNIT = 1.0
#: Under the rates by section when a section has none.
GAP_NOTE = {
    "ja": "—: 評価の対象となる項目がない分類です（グラフでは空白）。",
    "en": "—: a section with no item to rate (a gap in the chart).",
}
CLOSING_COMMENT = {"ja": "完了コメント", "en": "Closing comment"}

META_MARKER = "portal-checksheet"
META_FORMAT = "1"
#: Row of the ``item_id | row`` header on the ``_meta`` sheet; the items follow it.
META_ITEMS_HEADER_ROW = 12
#: First column of the ``_meta`` sheet that holds drop-down lists too long to write inline.
META_LISTS_COLUMN = 5

_THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Formula:
    """A formula the summary writes on purpose, and the value it should compute."""

    cell: str
    formula: str
    expected: Any


def build_checksheet(data: ChecksheetData, lang: str = "ja") -> bytes:
    """The .xlsx bytes of the checksheet of one assessment, with headers in ``lang`` ("ja" or "en")."""
    require_lang(lang)
    names = SHEETS[lang]
    workbook, summary = new_workbook(names["summary"])
    checksheet = workbook.create_sheet(names["checksheet"])
    evidence = workbook.create_sheet(names["evidence"])
    actions = workbook.create_sheet(names["actions"])
    meta = workbook.create_sheet(META_SHEET)
    issue = Issue(lang, f"{SUMMARY[lang]['title']}: {data.supplier}", data.buyer, data.issued_on or date.today())

    _write_checksheet(checksheet, meta, data, issue)
    _write_summary(summary, checksheet.title, data, issue)
    _write_evidence(evidence, data, issue)
    _write_actions(actions, data, issue)
    _write_meta(meta, data, lang, [sheet.title for sheet in workbook.worksheets])
    return workbook_bytes(workbook)


def summary_formulas(data: ChecksheetData, lang: str = "ja") -> list[Formula]:
    """The formulas :func:`build_checksheet` writes on the summary, where, and what each should give.

    The expected value is what the formula computes over the checksheet as built (counted here in
    Python), so tests and callers can check a formula against the stored score without a spreadsheet.
    """
    rows = _count_rows(data, lang, SHEETS[lang]["checksheet"])
    return [computed for _label, _stored, computed in rows if isinstance(computed, Formula)]


# --- checksheet sheet ---------------------------------------------------------------------------------


def _write_checksheet(sheet: Worksheet, meta: Worksheet, data: ChecksheetData, issue: Issue) -> None:
    lang = issue.lang
    words = SUMMARY[lang]
    title = f"{words['title']}: {data.questionnaire_title} ({data.questionnaire_version})"
    set_text(sheet.cell(1, 1), title).font = TITLE
    set_text(sheet.cell(2, 1), f"{words['supplier']}: {data.supplier}")
    headers = CHECKSHEET_HEADERS[lang]
    _header_row(sheet, HEADER_ROW, headers)
    widths = [display_width(header) + 2 for header in headers]

    validations: dict[tuple[str, ...], DataValidation] = {}
    for index, row in enumerate(data.rows):
        row_number = FIRST_ROW + index
        values = _row_values(row, index + 1, lang, data.level_names)
        for column, value in enumerate(values, start=1):
            cell = set_value(sheet.cell(row_number, column), value)
            cell.alignment = WRAP
            cell.border = BORDER
            if column in INPUT_COLUMNS:
                cell.fill = INPUT_FILL
            widths[column - 1] = max(widths[column - 1], display_width(value) + 2)
        labels = tuple(choice.label(lang) for choice in row.choices)
        if labels:
            if labels not in validations:
                validations[labels] = _drop_down(labels, meta, len(validations), lang)
                sheet.add_data_validation(validations[labels])
            validations[labels].add(sheet.cell(row_number, COL_ANSWER).coordinate)

    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(
            MIN_WIDTH, min(width, MAX_WIDTHS[lang][column - 1])
        )
    for column in FOLDED_COLUMNS:
        fold_column(sheet, column)
    last_row = max(HEADER_ROW, HEADER_ROW + len(data.rows))
    _fit_row_heights(sheet, HEADER_ROW, last_row, len(headers))
    sheet.freeze_panes = sheet.cell(FIRST_ROW, COL_QUESTION).coordinate
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(headers))}{last_row}"
    print_setup(sheet, issue, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _state_words(data: ChecksheetData, lang: str) -> str:
    """The state, and for an assessment answered by a registration its result (it has no score)."""
    state = word(STATES, lang, data.state)
    return f"{state} · {data.registration}" if data.registration else state


def fold_column(sheet: Worksheet, column: int) -> None:
    """Fold a column away under an outline "+" (hidden, so not printed); it keeps its width for when opened."""
    dimension = sheet.column_dimensions[get_column_letter(column)]
    dimension.outline_level = 1
    dimension.hidden = True


def _row_values(
    row: ChecksheetRow, number: int, lang: str, level_names: Mapping[str, str] | None = None
) -> tuple[Any, ...]:
    choice = row.choice(row.answer_code)
    answer = choice.label(lang) if choice is not None else row.answer_code
    references = "\n".join(f"{scheme}: {', '.join(refs)}" for scheme, refs in row.references.items())
    return (
        number,
        row.item_id,
        row.section_title,
        (level_names or {}).get(row.tier) or word(TIERS, lang, row.tier),
        row.question,
        row.guidance,
        answer,
        row.comment,
        row.na_reason,
        "\n".join(file.filename for file in row.evidence),
        "\n".join(file.sha256 for file in row.evidence),
        word(DECISIONS, lang, row.review_decision),
        row.review_comment,
        references,
        row.evidence_note,
    )


def _drop_down(labels: Sequence[str], meta: Worksheet, index: int, lang: str) -> DataValidation:
    inline = '"' + ",".join(labels) + '"'
    if len(inline) <= 255 and not any("," in label or '"' in label for label in labels):
        formula = inline
    else:
        # Too long, or a label with a comma or quote: list the labels on _meta and point at them.
        column = META_LISTS_COLUMN + index
        for offset, label in enumerate(labels, start=1):
            set_text(meta.cell(offset, column), label)
        letter = get_column_letter(column)
        formula = f"{quote_sheetname(META_SHEET)}!${letter}$1:${letter}${len(labels)}"
    title, message = VALIDATION_ERROR[lang]
    return DataValidation(
        type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorTitle=title, error=message
    )


# --- summary sheet ------------------------------------------------------------------------------------


def _write_summary(sheet: Worksheet, checksheet_title: str, data: ChecksheetData, issue: Issue) -> None:
    lang = issue.lang
    words = SUMMARY[lang]
    set_text(sheet.cell(1, 1), f"{words['title']}: {data.questionnaire_title}").font = TITLE
    stamp_box(sheet, 1, STAMP_COLUMN, lang)
    header: list[tuple[str, Any, str | None]] = [
        (words["supplier"], data.supplier, None),
        (words["buyer"], data.buyer, None),
        (words["questionnaire"], data.questionnaire_title, None),
        (words["key"], data.questionnaire_key, None),
        (words["version"], data.questionnaire_version, None),
        (words["tier"], level_word(data, lang, data.tier), None),
        (words["campaign"], data.campaign, None),
        (words["due_date"], data.due_date, DATE_FORMATS[lang]),
        (words["submitted_at"], excel_datetime(data.submitted_at), DATETIME_FORMATS[lang]),
        (words["submitted_by"], data.submitted_by, None),
        (words["state"], _state_words(data, lang), None),
        (words["outcome_comment"], data.outcome_comment, None),
        # A level model's verdict is the level achieved: no rate threshold applies to it.
        (words["pass_threshold"], DASH if _levelled(data) else data.pass_threshold, "0.0"),
    ]
    row = INFO_FIRST_ROW
    for label, value, number_format in header:
        _label(sheet.cell(row, 1), label)
        cell = set_value(sheet.cell(row, 2), DASH if value is None or value == "" else value)
        cell.border = BORDER
        cell.alignment = WRAP
        if number_format and not isinstance(cell.value, str):
            cell.number_format = number_format
        row += 1

    row = SCORES_HEADER_ROW
    _header_row(sheet, row, (words["scores"], words["self"], words["reviewed"]))
    scores = (data.self_score, data.reviewed_score)
    score_rows: list[tuple[str, Any]] = [
        (words["rate"], lambda s: _rate(s.get("overall"))),
        (words["grade"], lambda s: s.get("grade") or DASH),
        (words["passed"], lambda s: PASSED[lang][s["passed"]] if isinstance(s.get("passed"), bool) else DASH),
        (words["risk"], lambda s: word(RISKS, lang, s.get("risk")) or DASH),
    ]
    for label, pick in score_rows:
        row += 1
        _label(sheet.cell(row, 1), label)
        for column, score in enumerate(scores, start=2):
            _number_or_dash(sheet.cell(row, column), pick(score) if isinstance(score, Mapping) else DASH)
    if any(verdicts_named(data.level_names, score) for score in scores):
        _write_verdict(sheet, data, lang)

    row = COUNTS_HEADER_ROW
    _header_row(sheet, row, (words["answers"], words["count_stored"], words["count_sheet"]))
    for label, stored, computed in _count_rows(data, lang, checksheet_title):
        row += 1
        _label(sheet.cell(row, 1), label)
        set_value(sheet.cell(row, 2), stored).border = BORDER
        cell = sheet.cell(row, 3)
        if isinstance(computed, Formula):
            cell.value = computed.formula  # deliberate: the only formulas this module writes
        else:
            set_value(cell, computed)
        cell.border = BORDER

    for column, width in enumerate(SUMMARY_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    _write_rates(sheet, data, lang)
    _fit_row_heights(sheet, INFO_FIRST_ROW, sheet.max_row, len(SUMMARY_WIDTHS))
    print_setup(sheet, issue)
    one_page_if_readable(sheet)


def _levelled(data: ChecksheetData) -> bool:
    """Whether the result is a level model's (★3 達成 / ★4 未達) rather than a rate's."""
    return any(verdicts_named(data.level_names, score) for score in (data.self_score, data.reviewed_score))


def level_word(data: ChecksheetData, lang: str, tier: str) -> str:
    """The questionnaire's name of a tier (★4), else the default words (T2 標準)."""
    return data.level_names.get(tier) or word(TIERS, lang, tier)


def _write_verdict(sheet: Worksheet, data: ChecksheetData, lang: str) -> None:
    """A level-based result's verdict (★3 達成 / ★4 未達) under the scores, each level's unmet items below it."""
    words = SUMMARY[lang]
    _label(sheet.cell(SCORE_VERDICT_ROW, 1), words["verdict"])
    for column, score in enumerate((data.self_score, data.reviewed_score), start=2):
        verdicts = verdicts_named(data.level_names, score)
        lines = [verdict_words(verdicts, lang)] if verdicts else [DASH]
        lines += [f"{words['unmet'].format(level=v.name)}: {', '.join(v.unmet)}" for v in verdicts if v.unmet]
        cell = set_text(sheet.cell(SCORE_VERDICT_ROW, column), "\n".join(lines))
        cell.border = BORDER
        cell.alignment = WRAP


def _write_rates(sheet: Worksheet, data: ChecksheetData, lang: str) -> None:
    """The right side of the summary: the radar chart over the rates by section, then the rates by tier."""
    words = SUMMARY[lang]
    left = RIGHT_COLUMN
    row = SECTIONS_HEADER_ROW
    _header_row(sheet, row, (words["sections"], words["self"], words["reviewed"]), left)
    for offset, header in enumerate((words["section"], words["self"], words["reviewed"])):
        set_text(sheet.cell(row, CHART_COLUMN + offset), header)
    self_sections = _section_rates(data.self_score)
    reviewed_sections = _section_rates(data.reviewed_score)
    gaps = False
    sections = _sections(data)
    for section_id, title in sections:
        # As the page's radar: beyond a dozen sections their ids, or the labels crowd the chart and the long
        # titles wrap the summary's rows over pages; the titles stand beside each item on the checksheet sheet.
        title = section_id if len(sections) > MAX_TITLED_AXES else title
        row += 1
        pair = (_rate(self_sections.get(section_id)), _rate(reviewed_sections.get(section_id)))
        gaps = gaps or DASH in pair
        _label(sheet.cell(row, left), title)
        set_text(sheet.cell(row, CHART_COLUMN), title)
        for offset, rate in enumerate(pair, start=1):
            _number_or_dash(sheet.cell(row, left + offset), rate)
            if isinstance(rate, float):  # the chart's copy: a section without a rate stays empty, a gap
                sheet.cell(row, CHART_COLUMN + offset).value = rate
    section_last = row
    if gaps:  # in the row under the table, which is otherwise left blank
        set_text(sheet.cell(section_last + 1, left), GAP_NOTE[lang]).font = SMALL
    for column in range(CHART_COLUMN, CHART_COLUMN + 3):
        fold_column(sheet, column)

    row = section_last + 2
    tier_headers = (
        words["tiers"],
        words["self_exact"],
        words["self_cumulative"],
        words["reviewed_exact"],
        words["reviewed_cumulative"],
    )
    _header_row(sheet, row, tier_headers, left)
    for tier in _tiers(data):
        row += 1
        _label(sheet.cell(row, left), level_word(data, lang, tier))
        for column, (score, key) in enumerate(
            (
                (data.self_score, "tiers_exact"),
                (data.self_score, "tiers_cumulative"),
                (data.reviewed_score, "tiers_exact"),
                (data.reviewed_score, "tiers_cumulative"),
            ),
            start=left + 1,
        ):
            rates = score.get(key) if isinstance(score, Mapping) else None
            _number_or_dash(sheet.cell(row, column), _rate(rates.get(tier) if isinstance(rates, Mapping) else None))

    if section_last > SECTIONS_HEADER_ROW:
        sheet.add_chart(_radar(sheet, words["chart"], section_last), f"{get_column_letter(left)}{INFO_FIRST_ROW}")


def _radar(sheet: Worksheet, title: str, last_row: int) -> RadarChart:
    """Self and reviewed rates by section, each series in its own colour, marker and dash, with a legend."""
    chart = RadarChart()
    chart.type = "marker"
    chart_text(chart, title)
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorUnit = 20
    chart.y_axis.delete = False
    chart.add_data(
        Reference(
            sheet, min_col=CHART_COLUMN + 1, max_col=CHART_COLUMN + 2, min_row=SECTIONS_HEADER_ROW, max_row=last_row
        ),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=CHART_COLUMN, min_row=SECTIONS_HEADER_ROW + 1, max_row=last_row))
    for series, (colour, symbol, dash) in zip(chart.series, SERIES_STYLES, strict=True):
        line = LineProperties(solidFill=colour, w=28575, prstDash=dash)  # 2.25 pt
        series.graphicalProperties = GraphicalProperties(ln=line)
        series.marker = Marker(symbol=symbol, size=8)
        series.marker.graphicalProperties = GraphicalProperties(solidFill=colour, ln=LineProperties(solidFill=colour))
    chart.legend.position = "b"
    chart.display_blanks = "gap"
    chart.visible_cells_only = False  # its data is in folded (hidden) columns
    chart.width = 13
    chart.height = 7.2  # within rows 3-16 however short they are
    return chart


def _count_rows(data: ChecksheetData, lang: str, checksheet_title: str) -> list[tuple[str, Any, Any]]:
    """The answer-count table: (answer label, stored count, Formula or "—") per code, the free-text items if any,
    then the item count; the counts above the item count add up to it."""
    labels: dict[str, list[str]] = {}
    for row in data.rows:
        for choice in row.choices:
            if choice.label(lang) not in labels.setdefault(choice.code, []):
                labels[choice.code].append(choice.label(lang))
    counts = data.self_score.get("counts") if isinstance(data.self_score, Mapping) else None
    stored: Mapping[str, Any] = counts if isinstance(counts, Mapping) else {}
    codes = list(labels) + [code for code in stored if code not in labels]

    last = max(FIRST_ROW, FIRST_ROW + len(data.rows) - 1)
    sheet = quote_sheetname(checksheet_title)
    answers, item_ids = (
        f"{sheet}!${letter}${FIRST_ROW}:${letter}${last}"
        for letter in (get_column_letter(COL_ANSWER), get_column_letter(COL_ITEM_ID))
    )
    shown = [_row_values(row, 0, lang)[COL_ANSWER - 1] for row in data.rows]

    table: list[tuple[str, Any, Any]] = []
    row_number = COUNTS_HEADER_ROW
    for code in codes:
        row_number += 1
        # A score's counts leave out the codes nobody chose: 0 then, "—" only when there is no score at all.
        count = stored.get(code, 0 if isinstance(counts, Mapping) else None)
        count = count if isinstance(count, int | float) and not isinstance(count, bool) else DASH
        if code in labels:
            terms = "+".join(f"COUNTIF({answers},{_criterion(label)})" for label in labels[code])
            expected = sum(shown.count(label) for label in labels[code])
            table.append((labels[code][0], count, Formula(f"C{row_number}", f"={terms}", expected)))
        else:  # a count the scorer keeps without an answer label: unanswered items, or a code no longer offered
            table.append((SUMMARY[lang].get(code, code), count, DASH))
    text_rows = sum(1 for row in data.rows if not row.choices)
    if text_rows:  # free-text items have no answer code, so the table says how many there are
        row_number += 1
        table.append((SUMMARY[lang]["text_items"], text_rows, DASH))
    row_number += 1
    items = Formula(f"C{row_number}", f"=COUNTA({item_ids})", len(data.rows))
    table.append((SUMMARY[lang]["items"], len(data.rows), items))
    return table


def _criterion(label: str) -> str:
    # "=" makes COUNTIF compare for equality even for labels that start with < > or =; ~ escapes its
    # wildcards; a quote inside an Excel string literal is doubled.
    escaped = label.replace("~", "~~").replace("*", "~*").replace("?", "~?").replace('"', '""')
    return f'"={escaped}"'


def _sections(data: ChecksheetData) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in data.rows:
        seen.setdefault(row.section_id, row.section_title)
    for score in (data.self_score, data.reviewed_score):
        for section_id in _section_rates(score):
            seen.setdefault(section_id, section_id)
    return list(seen.items())


def _section_rates(score: Mapping[str, Any] | None) -> dict[str, Any]:
    sections = score.get("sections") if isinstance(score, Mapping) else None
    if not isinstance(sections, list):
        return {}
    return {
        str(entry["section_id"]): entry.get("rate")
        for entry in sections
        if isinstance(entry, Mapping) and entry.get("section_id") is not None
    }


def _tiers(data: ChecksheetData) -> list[str]:
    tiers = {row.tier for row in data.rows}
    for score in (data.self_score, data.reviewed_score):
        if isinstance(score, Mapping):
            for key in ("tiers_exact", "tiers_cumulative"):
                if isinstance(score.get(key), Mapping):
                    tiers.update(str(tier) for tier in score[key])
    return sorted(tiers)


def _rate(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return DASH


def _number_or_dash(cell: Any, value: Any) -> None:
    set_value(cell, value)
    cell.border = BORDER
    if isinstance(value, float):
        cell.number_format = "0.0"
    else:
        cell.alignment = Alignment(horizontal="right")


# --- evidence, corrective actions, meta ---------------------------------------------------------------


def _write_evidence(sheet: Worksheet, data: ChecksheetData, issue: Issue) -> None:
    files = data.evidence or _evidence_from_rows(data.rows)
    rows = [(file.filename, file.size, file.sha256, ", ".join(file.item_ids)) for file in files]
    _table(sheet, EVIDENCE_HEADERS[issue.lang], rows, (40, 12, 66, 30), {}, issue)


def _evidence_from_rows(rows: Iterable[ChecksheetRow]) -> tuple[EvidenceFile, ...]:
    by_hash: dict[tuple[str, str], list[str]] = {}
    sizes: dict[tuple[str, str], int] = {}
    for row in rows:
        for file in row.evidence:
            key = (file.sha256, file.filename)
            by_hash.setdefault(key, []).append(row.item_id)
            sizes[key] = file.size
    return tuple(
        EvidenceFile(filename, sizes[(sha, filename)], sha, tuple(items)) for (sha, filename), items in by_hash.items()
    )


def _write_actions(sheet: Worksheet, data: ChecksheetData, issue: Issue) -> None:
    lang = issue.lang
    rows = [
        (
            action.item_id,
            action.title,
            action.owner,
            action.due_date,
            word(ACTION_STATES, lang, action.state),
            action.plan,
            action.closing_comment,
        )
        for action in data.corrective_actions
    ]
    headers = (*ACTION_HEADERS[lang], CLOSING_COMMENT[lang])
    _table(sheet, headers, rows, (9, 28, 12, 11, 16, 38, 34), {4: DATE_FORMATS[lang]}, issue)


def _table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    max_widths: Sequence[int],
    formats: Mapping[int, str],
    issue: Issue,
) -> None:
    _header_row(sheet, 1, headers)
    widths = [display_width(header) + 2 for header in headers]
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            cell = set_value(sheet.cell(row_number, column), value)
            cell.alignment = WRAP
            cell.border = BORDER
            if column in formats and isinstance(value, date | datetime):
                cell.number_format = formats[column]
            widths[column - 1] = max(widths[column - 1], display_width(value) + 2)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(MIN_WIDTH, min(width, max_widths[column - 1]))
    _fit_row_heights(sheet, 1, len(rows) + 1, len(headers))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"
    print_setup(sheet, issue, title_rows="1:1")


def _write_meta(sheet: Worksheet, data: ChecksheetData, lang: str, sheet_names: list[str]) -> None:
    pairs = [
        (META_MARKER, META_FORMAT),
        ("assessment_id", str(data.assessment_id)),
        ("questionnaire_key", data.questionnaire_key),
        ("questionnaire_version", data.questionnaire_version),
        ("content_hash", data.content_hash),
        ("lang", lang),
        ("checksheet_sheet", SHEETS[lang]["checksheet"]),
        ("header_row", str(HEADER_ROW)),
        ("sheets", "\n".join(sheet_names)),
    ]
    for row, (key, value) in enumerate(pairs, start=1):
        set_text(sheet.cell(row, 1), key)
        set_text(sheet.cell(row, 2), value)
    set_text(sheet.cell(META_ITEMS_HEADER_ROW, 1), "item_id")
    set_text(sheet.cell(META_ITEMS_HEADER_ROW, 2), "row")
    for index, item in enumerate(data.rows):
        set_text(sheet.cell(META_ITEMS_HEADER_ROW + 1 + index, 1), item.item_id)
        sheet.cell(META_ITEMS_HEADER_ROW + 1 + index, 2).value = FIRST_ROW + index
    sheet.sheet_state = "veryHidden"
    # Nobody needs to edit it, so nobody gets the password: a random one, thrown away.
    sheet.protection.password = secrets.token_urlsafe(24)
    sheet.protection.sheet = True


# --- shared formatting --------------------------------------------------------------------------------


def _header_row(sheet: Worksheet, row: int, headers: Sequence[str], first_column: int = 1) -> None:
    for column, header in enumerate(headers, start=first_column):
        cell = set_text(sheet.cell(row, column), header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _label(cell: Any, text: str) -> None:
    set_text(cell, text)
    cell.font = BOLD
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = WRAP


def _fit_row_heights(sheet: Worksheet, first_row: int, last_row: int, columns: int) -> None:
    """Give each row the height its wrapped text needs: LibreOffice keeps stored heights, not fitted ones."""
    widths = {
        column: dimension.width
        for column in range(1, columns + 1)
        if not (dimension := sheet.column_dimensions[get_column_letter(column)]).hidden
    }
    for row in range(first_row, last_row + 1):
        lines = 1
        for column, width in widths.items():
            cell = sheet.cell(row, column)
            value = cell.value
            # A formula shows its result, not its text; text not wrapped runs on into the empty cells beside.
            if isinstance(value, str) and cell.data_type != "f" and cell.alignment.wrap_text:
                usable = max(1.0, (width - 1) * WIDTH_PER_UNIT)
                lines = max(lines, sum(max(1, math.ceil(display_width(part) / usable)) for part in value.split("\n")))
        if lines > 1:
            sheet.row_dimensions[row].height = min(409, LINE_HEIGHT * lines + 3)
