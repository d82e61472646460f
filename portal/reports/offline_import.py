"""Read a checksheet a supplier filled in offline, and say what it would change (product.md §8).

Nothing is applied here: :func:`parse_offline_upload` returns an :class:`ImportPreview` with the changes
against the current answers and every problem, each naming the sheet, the cell and the reason in the
reader's language. The caller shows the preview and applies the changes only when there is no problem and
the user confirms.

A hostile file is refused before openpyxl parses it:

- more than ``max_bytes`` (5 MB) on the wire;
- not a ZIP archive, or a ZIP without the parts of an Excel workbook (a text file renamed ``.xlsx``);
- more than ``max_members`` parts, or more than ``max_uncompressed`` (50 MB) once unpacked, as declared
  in the ZIP directory (zipfile never inflates a part past its declared size: a part that lies fails its
  CRC check and the file is refused as unreadable) — the zip-bomb guard;
- any XML part with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration. openpyxl uses defusedxml when it is
  installed; it is not a dependency of the portal, so the standard library's expat would expand entities
  (the "billion laughs"). A genuine .xlsx never declares a DTD, so such files are refused outright,
  whether or not defusedxml is present.

Then the workbook is loaded read-only (values, not formulas), at most ``max_rows`` rows are read, and the
hidden ``_meta`` sheet must name the expected assessment and questionnaire version.

A blank cell means "no change": a workbook never erases an answer, a comment or an N/A reason (clearing
one is done on the answering page). People delete what they do not mean to keep, or receive a file a
colleague emptied, far more often than they mean to erase an answer through Excel. Each change carries the
answer version it was read against, so the confirm step can leave alone an answer changed since.
"""

from __future__ import annotations

import io
import os
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook

from portal.reports.checksheet import (
    COL_ANSWER,
    COL_COMMENT,
    COL_EVIDENCE_NOTE,
    COL_ITEM_ID,
    COL_NA_REASON,
    COL_QUESTION,
    COL_REFERENCES,
    FIRST_ROW,
    META_ITEMS_HEADER_ROW,
    META_MARKER,
)
from portal.reports.data import ExpectedAssessment, ExpectedItem, ScaleChoice
from portal.reports.words import META_SHEET, require_lang

MB = 1024 * 1024
#: The last column read: a file exported before the explanation column has it blank (no change).
LAST_COLUMN = max(COL_REFERENCES, COL_EVIDENCE_NOTE)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = tuple(
    marker.encode(encoding) for marker in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_SCAN_CHUNK = 64 * 1024

MESSAGES: dict[str, dict[str, str]] = {
    "ja": {
        "too_large": "ファイルが大きすぎます（{size} バイト。上限は {limit} バイトです）。",
        "not_xlsx": "Excel ファイル（.xlsx）ではありません。このポータルから出力したチェックシートを使ってください。",
        "too_many_parts": "ファイルの構成要素が多すぎます（{count} 個。上限は {limit} 個です）。",
        "too_large_unpacked": "展開後のサイズが大きすぎます（{size} バイト。上限は {limit} バイトです）。",
        "xml_dtd": "ファイルに許可されていない XML 宣言（DOCTYPE／ENTITY）が含まれています（{part}）。",
        "unreadable": "Excel ファイルとして読み込めません。",
        "no_meta": "このポータルから出力したチェックシートではありません（識別用の非表示シートがありません）。",
        "other_assessment": "このファイルは別の評価のものです（ファイル: {found}、この評価: {expected}）。",
        "other_version": "このファイルは別の質問票・バージョンのものです（ファイル: {found}、この評価: {expected}）。",
        "items_changed": "ファイルの作成後にこの評価の項目が変わっています。チェックシートを出力し直してください。",
        "missing_sheet": "シート「{name}」がありません。",
        "extra_sheet": "シートが追加されています。追加したシートを削除してください。",
        "too_many_rows": "行が多すぎます（上限は {limit} 行です）。",
        "unknown_label": "回答「{value}」は選択肢にありません（選択肢: {choices}）。",
        "na_without_reason": "「該当しない」を選んだ場合は、該当しない理由を入力してください。",
        "question_edited": "質問文が変更されています。質問文は変更しないでください。",
        "row_moved": "項目 {item_id} の行が移動されています（元の位置: {expected_row} 行目）。",
        "row_deleted": "項目 {item_id} の行が削除されています（元の位置: {expected_row} 行目）。",
        "duplicate_item": "項目 {item_id} の行が重複しています。",
        "unknown_item": "項目ID「{value}」はこの評価にありません。",
        "extra_row": "行が追加されています。行を追加しないでください。",
        "not_editable": "項目 {item_id} は現在変更できません。",
    },
    "en": {
        "too_large": "The file is too large ({size} bytes; the limit is {limit} bytes).",
        "not_xlsx": "This is not an Excel file (.xlsx). Use a checksheet downloaded from this portal.",
        "too_many_parts": "The file has too many parts ({count}; the limit is {limit}).",
        "too_large_unpacked": "The file is too large once unpacked ({size} bytes; the limit is {limit} bytes).",
        "xml_dtd": "The file contains an XML declaration that is not allowed (DOCTYPE/ENTITY in {part}).",
        "unreadable": "The file cannot be read as an Excel workbook.",
        "no_meta": "This is not a checksheet from this portal (its hidden identification sheet is missing).",
        "other_assessment": "This file is for another assessment (file: {found}; this assessment: {expected}).",
        "other_version": (
            "This file is for another questionnaire or version (file: {found}; this assessment: {expected})."
        ),
        "items_changed": "The items of this assessment changed after the file was made. Download it again.",
        "missing_sheet": "The sheet '{name}' is missing.",
        "extra_sheet": "A sheet was added. Remove the sheets you added.",
        "too_many_rows": "Too many rows (the limit is {limit}).",
        "unknown_label": "'{value}' is not one of the answers ({choices}).",
        "na_without_reason": "'Not applicable' needs a reason in the N/A reason column.",
        "question_edited": "The question text was changed. Do not change the questions.",
        "row_moved": "The row of item {item_id} was moved (it was row {expected_row}).",
        "row_deleted": "The row of item {item_id} was deleted (it was row {expected_row}).",
        "duplicate_item": "The row of item {item_id} appears more than once.",
        "unknown_item": "The item ID '{value}' is not in this assessment.",
        "extra_row": "A row was added. Do not add rows.",
        "not_editable": "Item {item_id} cannot be changed now.",
    },
}


@dataclass(frozen=True)
class Limits:
    """How much of an upload is read at most; past any of these the file is refused."""

    max_bytes: int = 5 * MB
    max_parts: int = 200
    max_uncompressed: int = 50 * MB
    max_rows: int = 5000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """Something wrong with the upload: where (sheet and cell, "" for the whole file) and why."""

    code: str
    sheet: str
    cell: str
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class Change:
    """What the upload would change on one item: old → new answer code, comment, N/A reason and explanation
    instead of evidence.

    ``base_version`` is the version of the answer the old values were read from (0: no answer yet). A preview
    stored before explanations were read has none: its explanations stay as they are.
    """

    item_id: str
    row: int
    old_code: str | None
    new_code: str | None
    old_comment: str | None
    new_comment: str | None
    old_na_reason: str | None
    new_na_reason: str | None
    base_version: int = 0
    old_evidence_note: str | None = None
    new_evidence_note: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of the fields that change ("answer", "comment", "na_reason", "evidence_note")."""
        pairs = {
            "answer": (self.old_code, self.new_code),
            "comment": (_norm(self.old_comment), _norm(self.new_comment)),
            "na_reason": (_norm(self.old_na_reason), _norm(self.new_na_reason)),
            "evidence_note": (_norm(self.old_evidence_note), _norm(self.new_evidence_note)),
        }
        return tuple(name for name, (old, new) in pairs.items() if old != new)


@dataclass
class ImportPreview:
    """The result of reading an upload: the changes it would make and its problems.

    ``refused`` is True when the file as a whole was refused (wrong assessment, not a workbook, too
    large...): then ``changes`` is empty and ``problems`` holds the one reason.
    """

    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: bool = False

    @property
    def ok(self) -> bool:
        """True when the changes may be applied (after the user confirms)."""
        return not self.problems


class _Refused(Exception):
    def __init__(self, code: str, sheet: str = "", cell: str = "", **params: Any) -> None:
        super().__init__(code)
        self.code, self.sheet, self.cell, self.params = code, sheet, cell, params


def parse_offline_upload(
    source: bytes | str | os.PathLike[str],
    expected: ExpectedAssessment,
    *,
    lang: str = "ja",
    limits: Limits = DEFAULT_LIMITS,
) -> ImportPreview:
    """Read an uploaded checksheet (its bytes or a path) and compare it with ``expected``.

    Problems are worded in ``lang`` ("ja" or "en"). Nothing is changed anywhere.
    """
    require_lang(lang)
    try:
        data = _read_source(source, limits)
        _check_archive(data, limits)
        return _parse_workbook(data, expected, lang, limits)
    except _Refused as refusal:
        message = MESSAGES[lang][refusal.code].format(**refusal.params)
        return ImportPreview(problems=[Problem(refusal.code, refusal.sheet, refusal.cell, message)], refused=True)


# --- the archive, before openpyxl sees it -------------------------------------------------------------


def _read_source(source: bytes | str | os.PathLike[str], limits: Limits) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        size = os.stat(source).st_size
        if size > limits.max_bytes:
            raise _Refused("too_large", size=size, limit=limits.max_bytes)
        with open(source, "rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise _Refused("too_large", size=len(data), limit=limits.max_bytes)
    return data


def _check_archive(data: bytes, limits: Limits) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise _Refused("not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise _Refused("not_xlsx")
            if len(members) > limits.max_parts:
                raise _Refused("too_many_parts", count=len(members), limit=limits.max_parts)
            unpacked = sum(member.file_size for member in members)
            if unpacked > limits.max_uncompressed:
                raise _Refused("too_large_unpacked", size=unpacked, limit=limits.max_uncompressed)
            if any(member.flag_bits & 0x1 for member in members):  # encrypted parts
                raise _Refused("unreadable")
            for member in members:
                if member.filename.lower().endswith(_XML_SUFFIXES) and _declares_dtd(archive, member):
                    raise _Refused("xml_dtd", part=member.filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, zlib.error) as error:
        raise _Refused("unreadable") from error


def _declares_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(member) as part:
        while chunk := part.read(_SCAN_CHUNK):
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                return True
            tail = window[-32:]
    return False


# --- the workbook -------------------------------------------------------------------------------------


def _parse_workbook(data: bytes, expected: ExpectedAssessment, lang: str, limits: Limits) -> ImportPreview:
    try:
        with warnings.catch_warnings():
            # Files saved by Excel carry extensions openpyxl warns about and skips; none of them matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file; all mean "unreadable"
        raise _Refused("unreadable") from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _compare(workbook, expected, lang, limits)
    finally:
        workbook.close()


def _compare(workbook: Any, expected: ExpectedAssessment, lang: str, limits: Limits) -> ImportPreview:
    if META_SHEET not in workbook.sheetnames:
        raise _Refused("no_meta")
    meta, meta_items = _read_meta(workbook[META_SHEET], limits)
    if meta.get("assessment_id") != str(expected.assessment_id):
        raise _Refused("other_assessment", found=meta.get("assessment_id") or "?", expected=expected.assessment_id)
    found = f"{meta.get('questionnaire_key')} {meta.get('questionnaire_version')}"
    wanted = f"{expected.questionnaire_key} {expected.questionnaire_version}"
    hashes_differ = bool(meta.get("content_hash") and expected.content_hash) and (
        meta.get("content_hash") != expected.content_hash
    )
    if found != wanted or hashes_differ:
        raise _Refused("other_version", found=found, expected=wanted)
    if [item_id for item_id, _row in meta_items] != [item.item_id for item in expected.items]:
        raise _Refused("items_changed")

    checksheet_name = meta.get("checksheet_sheet") or ""
    if checksheet_name not in workbook.sheetnames:
        raise _Refused("missing_sheet", name=checksheet_name)
    preview = ImportPreview()
    words = MESSAGES[lang]
    known_sheets = set((meta.get("sheets") or "").split("\n")) | {META_SHEET}
    for name in workbook.sheetnames:
        if name not in known_sheets:
            preview.problems.append(Problem("extra_sheet", name, "", words["extra_sheet"]))

    def problem(code: str, cell: str, **params: Any) -> None:
        preview.problems.append(Problem(code, checksheet_name, cell, words[code].format(**params)))

    rows = dict(_data_rows(workbook[checksheet_name], limits))
    positions: dict[str, list[int]] = {}
    for row_number, values in rows.items():
        item_id = _text(values[COL_ITEM_ID - 1])
        if item_id is None:
            problem("extra_row", f"A{row_number}")
        else:
            positions.setdefault(item_id, []).append(row_number)
    known_ids = {item.item_id for item in expected.items}
    for item_id, found_rows in positions.items():
        if item_id not in known_ids:
            problem("unknown_item", f"B{found_rows[0]}", value=item_id)

    for item, (_item_id, meta_row) in zip(expected.items, meta_items, strict=True):
        found_rows = positions.get(item.item_id, [])
        if not found_rows:
            problem("row_deleted", f"B{meta_row}", item_id=item.item_id, expected_row=meta_row)
            continue
        if len(found_rows) > 1:
            problem("duplicate_item", f"B{found_rows[1]}", item_id=item.item_id)
            continue
        row_number = found_rows[0]
        if row_number != meta_row:
            problem("row_moved", f"B{row_number}", item_id=item.item_id, expected_row=meta_row)
        change = _compare_row(item, row_number, rows[row_number], problem)
        if change is not None:
            if not item.editable:
                problem("not_editable", f"B{row_number}", item_id=item.item_id)
            else:
                preview.changes.append(change)
    return preview


def _read_meta(sheet: Any, limits: Limits) -> tuple[dict[str, str], list[tuple[str, int]]]:
    pairs: dict[str, str] = {}
    items: list[tuple[str, int]] = []
    for row_number, row in enumerate(_iter_rows(sheet, max_col=2, values_only=True), start=1):
        if row_number > META_ITEMS_HEADER_ROW + limits.max_rows:
            raise _Refused("too_many_rows", sheet=META_SHEET, limit=limits.max_rows)
        key, value = (*row, None, None)[:2]
        if row_number < META_ITEMS_HEADER_ROW:
            if key is not None:
                pairs[str(key)] = "" if value is None else str(value)
        elif row_number > META_ITEMS_HEADER_ROW and key is not None:
            try:
                items.append((str(key), int(str(value))))
            except (TypeError, ValueError) as error:
                raise _Refused("no_meta") from error
    if pairs.get(META_MARKER) is None:
        raise _Refused("no_meta")
    return pairs, items


def _iter_rows(sheet: Any, **options: Any) -> Iterator[tuple[Any, ...]]:
    """``sheet.iter_rows(**options)``; a read-only sheet parses its XML part only now, so damage shows here."""
    rows = sheet.iter_rows(**options)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:  # openpyxl raises many kinds on a damaged part; all mean "unreadable"
            raise _Refused("unreadable") from error
        yield row


def _data_rows(sheet: Any, limits: Limits) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for offset, row in enumerate(_iter_rows(sheet, min_row=FIRST_ROW, max_col=LAST_COLUMN, values_only=True)):
        if offset >= limits.max_rows:
            raise _Refused("too_many_rows", sheet=sheet.title, limit=limits.max_rows)
        values = tuple(row) + (None,) * (LAST_COLUMN - len(row))
        if any(_text(value) is not None for value in values):
            yield FIRST_ROW + offset, values


def _compare_row(item: ExpectedItem, row_number: int, values: tuple[Any, ...], problem: Any) -> Change | None:
    question = _text(values[COL_QUESTION - 1])
    if question not in {_norm(text) for text in item.questions}:
        problem("question_edited", f"E{row_number}")
    answer = _text(values[COL_ANSWER - 1])
    typed_comment = _text(values[COL_COMMENT - 1])
    if not item.choices and answer is not None:
        # A free-text item keeps its answer as text, as on the answering page: what is typed in the answer
        # column is that text (joined to a comment typed beside it), never a code.
        typed_comment = answer if typed_comment in (None, answer) else f"{answer}\n{typed_comment}"
        answer = None
    # Blank keeps what the portal holds (see the module's docstring).
    code = item.answer_code if answer is None else answer
    comment = typed_comment or item.comment
    na_reason = _text(values[COL_NA_REASON - 1]) or item.na_reason
    evidence_note = _text(values[COL_EVIDENCE_NOTE - 1]) or item.evidence_note
    if answer is not None and item.choices:
        choice = _match_choice(answer, item.choices)
        if choice is None:
            labels = " / ".join(f"{c.label_ja} ({c.label_en})" for c in item.choices)
            problem("unknown_label", f"G{row_number}", value=answer, choices=labels)
            return None
        code = choice.code
    chosen = next((choice for choice in item.choices if choice.code == code), None)
    if chosen is not None and chosen.value is not None:
        na_reason = None  # a reason is kept only with "not applicable", as the answering page keeps it
    elif chosen is not None and answer is not None and na_reason is None:
        problem("na_without_reason", f"I{row_number}")
    change = Change(
        item.item_id,
        row_number,
        item.answer_code,
        code,
        item.comment,
        comment,
        item.na_reason,
        na_reason,
        item.version,
        item.evidence_note,
        evidence_note,
    )
    return change if change.fields else None


def _match_choice(answer: str, choices: tuple[ScaleChoice, ...]) -> ScaleChoice | None:
    wanted = _fold(answer)
    for choice in choices:
        if wanted in (_fold(choice.label_ja), _fold(choice.label_en), _fold(choice.code)):
            return choice
    return None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _norm(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def _text(value: Any) -> str | None:
    """A cell's value as the text a user meant: numbers and dates as they would be typed."""
    if value is None:
        return None
    if isinstance(value, str):
        return _norm(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return _norm(str(value))


__all__ = [
    "DEFAULT_LIMITS",
    "MESSAGES",
    "Change",
    "ImportPreview",
    "Limits",
    "Problem",
    "parse_offline_upload",
]
