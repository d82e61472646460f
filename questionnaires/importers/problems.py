"""What is wrong with a checksheet or its mapping: where (mapping key, sheet, row, column), why, and what to do.

Problems are worded in Japanese and English here, not in the portal's catalogue, so the command line and the
page say the same; ``code`` and ``params`` keep them comparable. A problem met on many rows is reported once,
at its first row, with the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANGS = ("ja", "en")

#: code → (what is wrong, what to change), in each language; ``{name}`` placeholders come from ``params``.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "too_large": ("The file is larger than {limit} MB.", "Upload a smaller file (delete unused sheets)."),
        "not_a_table": ("Only .xlsx and .csv files can be imported.", "Save the sheet as .xlsx or CSV."),
        "unreadable": ("The file cannot be read: {detail}", "Open it in Excel and save it again as .xlsx."),
        "xml_dtd": (
            "The workbook declares a document type ({part}), which is not accepted.",
            "Open it in Excel and save it again as .xlsx.",
        ),
        "encoding": (
            "The CSV file is neither UTF-8 nor Shift_JIS (cp932).",
            "Save it as 'CSV UTF-8' in Excel, or set encoding in the mapping.",
        ),
        "too_many_rows": ("The sheet has more than {limit} rows.", "Split the sheet, or delete empty rows."),
        "no_sheet": ("There is no sheet named '{name}' (sheets: {names}).", "Choose one of the sheets."),
        "mapping_yaml": ("The mapping file cannot be read: {detail}", "Check the YAML syntax (indentation, colons)."),
        "mapping": ("{detail}", "Allowed keys here: {allowed}."),
        "mapping_plain": ("{detail}", ""),
        "header_missing": (
            "No header cell reads '{header}' in the first {rows} rows.",
            "Name the column by its letter, or check the header rows.",
        ),
        "header_repeated": (
            "The header '{header}' is in several columns ({letters}).",
            "Name the column by its letter.",
        ),
        "bad_id": (
            "The id '{value}' has characters other than letters, digits, _ . -",
            "Use an id like 1-2-3 or A.5.1, or choose another id column.",
        ),
        "id_levels": (
            "The id '{value}' has {found} levels; the mapping says {levels}.",
            "Correct the id, or change id.levels.",
        ),
        "duplicate_id": ("id '{value}' already used in row {first}", "Give each question its own id."),
        "no_text": ("The question has no text.", "Fill in the question, or mark the row as a heading or skip it."),
        "no_section": ("No level-{depth} section title for this row.", "Fill in the section, or map headings."),
        "section_from_id": (
            "A level-{depth} section cannot be derived from id '{value}' (it has {found} segments).",
            "Map a section id column, or lower the number of section levels.",
        ),
        "tier_value": (
            "The level '{value}' is not in the mapping's tier.values.",
            "Add '{value}' to tier.values, or correct the cell.",
        ),
        "tier_marker": ("unrecognised tier marker '{value}'", "Mark a level with ○, or leave it empty."),
        "no_tier": ("No level is marked.", "Mark a level with ○, or set default_tier in the mapping."),
        "answer_type": (
            "The answer type '{value}' is not in answer_type.values.",
            "Add '{value}' to answer_type.values, or correct the cell.",
        ),
        "no_answer_type": (
            "The answer type is empty.",
            "Fill in the cell, or set answer_type.default in the mapping.",
        ),
        "weight": ("The weight '{value}' is not a number above 0.", "Write a number such as 1 or 2.5."),
        "flag": ("'{value}' is neither a mark nor empty.", "Mark with ○ (or yes/はい), or leave it empty."),
        "depth": ("The depth '{value}' is not a whole number from 1 to 9.", "Write 1 for a question, 2 below it."),
        "heading_level": (
            "The heading level '{value}' is not in headings.level.values.",
            "Add '{value}' to headings.level.values, or correct the cell.",
        ),
        "orphan_follow_up": (
            "This follow-up question has no question above it to follow.",
            "Correct the id or depth, or remove follow_ups from the mapping.",
        ),
        "parent_not_yes_no": (
            "Question {parent} (row {parent_row}) is not answered with {codes}, so its follow-ups cannot be shown.",
            "Give question {parent} a yes/no answer type, or change follow_ups.when.",
        ),
        "no_items": ("No questions were found below the header rows.", "Check header_rows and the text column."),
        "definition": ("{detail}", "Correct the cell or the mapping so the questionnaire is valid."),
    },
    "ja": {
        "too_large": ("ファイルが {limit} MB を超えています。", "不要なシートを削除するなどして小さくしてください。"),
        "not_a_table": (
            "取り込めるのは .xlsx と .csv のファイルだけです。",
            "シートを .xlsx または CSV で保存してください。",
        ),
        "unreadable": ("ファイルを読めません: {detail}", "Excel で開き、.xlsx で保存し直してください。"),
        "xml_dtd": (
            "ブックに文書型宣言 ({part}) が含まれているため、受け付けられません。",
            "Excel で開き、.xlsx で保存し直してください。",
        ),
        "encoding": (
            "CSV の文字コードが UTF-8 でも Shift_JIS (cp932) でもありません。",
            "Excel で「CSV UTF-8」として保存するか、マッピングの encoding を指定してください。",
        ),
        "too_many_rows": ("シートの行数が {limit} 行を超えています。", "シートを分けるか、空の行を削除してください。"),
        "no_sheet": ("「{name}」というシートはありません (シート: {names})。", "シートを選び直してください。"),
        "mapping_yaml": (
            "マッピングファイルを読めません: {detail}",
            "YAML の書き方 (字下げ、コロン) を確認してください。",
        ),
        "mapping": ("{detail}", "ここで使えるキー: {allowed}"),
        "mapping_plain": ("{detail}", ""),
        "header_missing": (
            "見出し行 (先頭 {rows} 行) に「{header}」と書かれたセルがありません。",
            "列を英字で指定するか、見出し行の数を確認してください。",
        ),
        "header_repeated": ("見出し「{header}」が複数の列 ({letters}) にあります。", "列を英字で指定してください。"),
        "bad_id": (
            "番号「{value}」に英数字と _ . - 以外の文字が含まれています。",
            "1-2-3 や A.5.1 のような番号にするか、番号の列を選び直してください。",
        ),
        "id_levels": (
            "番号「{value}」の階層は {found} 段ですが、マッピングでは {levels} 段です。",
            "番号を直すか、id.levels を変えてください。",
        ),
        "duplicate_id": ("番号「{value}」は {first} 行目でも使われています。", "質問ごとに別の番号を付けてください。"),
        "no_text": (
            "質問文がありません。",
            "質問文を書くか、この行を見出しまたは読み飛ばす行に指定してください。",
        ),
        "no_section": ("この行に第 {depth} 階層の分類がありません。", "分類を書くか、見出し行を指定してください。"),
        "section_from_id": (
            "番号「{value}」 ({found} 段) から第 {depth} 階層の分類を作れません。",
            "分類の番号の列を指定するか、分類の階層を減らしてください。",
        ),
        "tier_value": (
            "レベル「{value}」はマッピングの tier.values にありません。",
            "tier.values に「{value}」を加えるか、セルを直してください。",
        ),
        "tier_marker": ("レベルの印「{value}」を読み取れません。", "○ で印を付けるか、空欄にしてください。"),
        "no_tier": (
            "どのレベルにも印がありません。",
            "○ で印を付けるか、マッピングに default_tier を指定してください。",
        ),
        "answer_type": (
            "回答形式「{value}」はマッピングの answer_type.values にありません。",
            "answer_type.values に「{value}」を加えるか、セルを直してください。",
        ),
        "no_answer_type": (
            "回答形式が空欄です。",
            "セルを埋めるか、マッピングに answer_type.default を指定してください。",
        ),
        "weight": ("重み「{value}」が 0 より大きい数ではありません。", "1 や 2.5 のような数を書いてください。"),
        "flag": ("「{value}」は印でも空欄でもありません。", "○ (または はい/yes) で印を付けるか、空欄にしてください。"),
        "depth": ("階層「{value}」が 1〜9 の整数ではありません。", "質問は 1、その下の追加質問は 2 と書いてください。"),
        "heading_level": (
            "見出しの階層「{value}」はマッピングの headings.level.values にありません。",
            "headings.level.values に「{value}」を加えるか、セルを直してください。",
        ),
        "orphan_follow_up": (
            "この追加質問の上に、元になる質問がありません。",
            "番号や階層を直すか、マッピングから follow_ups を外してください。",
        ),
        "parent_not_yes_no": (
            "質問 {parent} ({parent_row} 行目) の回答に {codes} がないため、その追加質問を表示できません。",
            "質問 {parent} の回答形式を「はい/いいえ」にするか、follow_ups.when を変えてください。",
        ),
        "no_items": ("見出し行の下に質問が見つかりません。", "見出し行の数と質問文の列を確認してください。"),
        "definition": ("{detail}", "質問票として正しくなるよう、セルかマッピングを直してください。"),
    },
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, reported once: ``row`` is the first row it was met on and ``count`` how many rows."""

    code: str
    params: dict[str, str] = field(default_factory=dict)
    key: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    count: int = 1

    def text(self, lang: str = "en") -> str:
        return MESSAGES[_lang(lang)][self.code][0].format(**self.params)

    def fix(self, lang: str = "en") -> str:
        return MESSAGES[_lang(lang)][self.code][1].format(**self.params)

    @property
    def message(self) -> str:
        return self.text("en")

    def where(self) -> str:
        """``sheet 評価基準, row 7, column F`` (English; pages lay the parts out themselves)."""
        parts = [f"mapping key {self.key}" if self.key else "", f"sheet {self.sheet}" if self.sheet else ""]
        parts += [f"row {self.row}" if self.row else "", f"column {self.column}" if self.column else ""]
        return ", ".join(part for part in parts if part)

    def __str__(self) -> str:
        more = f" ({self.count} rows like this)" if self.count > 1 else ""
        where = self.where()
        fix = self.fix("en")
        return f"{where + ': ' if where else ''}{self.message}{more}" + (f" {fix}" if fix else "")

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.text(lang),
            "fix": self.fix(lang),
            "params": dict(self.params),
            "key": self.key,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "count": self.count,
        }


class ProblemList:
    """Problems in the order met; the same code at the same mapping key and column only counts up."""

    def __init__(self, sheet: str | None = None) -> None:
        self.sheet = sheet
        self._found: dict[tuple[str, str | None, str | None], Problem] = {}

    def add(
        self, code: str, *, key: str | None = None, row: int | None = None, column: str | None = None, **params: object
    ) -> None:
        group = (code, key, column)
        known = self._found.get(group)
        if known is not None and code not in _EACH_ONE:
            self._found[group] = Problem(
                known.code, known.params, known.key, known.sheet, known.row, column, known.count + 1
            )
            return
        if known is not None:
            group = (code, key, f"{column}:{row}:{params}")
        texts = {name: str(value) for name, value in params.items()}
        self._found[group] = Problem(code, texts, key, self.sheet, row, column)

    def __bool__(self) -> bool:
        return bool(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def all(self) -> tuple[Problem, ...]:
        return tuple(self._found.values())


#: Problems each told on their own even when repeated: they name different things to change.
_EACH_ONE = frozenset({"duplicate_id", "definition", "mapping", "mapping_plain", "parent_not_yes_no"})


def _lang(lang: str) -> str:
    return lang if lang in MESSAGES else "en"
