"""A first mapping proposed from a checksheet's header words (番号/No., 質問/項目, 区分, レベル/★, 回答形式 …).

The proposal is only a start: the page shows it in its column pickers and the buyer corrects it there.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.utils.cell import get_column_letter

from questionnaires.importers.row_rules import fold

#: mapping role → header words that name it (folded; a header containing one of them matches), in priority order.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "answer_type": ("回答形式", "回答タイプ", "回答方法", "answer type", "answer format"),
    "evidence": ("証跡", "エビデンス", "evidence"),
    "critical": ("必須", "重要", "critical", "mandatory"),
    "weight": ("重み", "配点", "weight"),
    "references": ("参照", "reference", "iso", "関連規格", "根拠"),
    "tier": ("レベル", "★", "level", "tier", "対象"),
    "guidance": ("ガイダンス", "説明", "補足", "解説", "guidance", "note", "explanation"),
    "section": ("区分", "カテゴリ", "分類", "大項目", "中項目", "category", "section", "domain"),
    "text": ("質問", "設問", "項目", "要求事項", "評価基準", "確認事項", "question", "requirement", "control"),
    "id": ("番号", "項番", "no.", "no", "id", "#"),
}
#: Cells of a level column read as marks rather than level names.
_MARKS = frozenset({"○", "〇", "◯", "●", "◎", "✓", "✔", "-", "×"})
_TIERS = ("T1", "T2", "T3")
#: A cell that is data rather than a header: a number such as 1, 1.2 or 1-2-3.
_DATA = re.compile(r"^[0-9０-９]+([.\-－][0-9０-９]+)*$")


def propose_from_grid(grid: list[list[str]], header_rows: int | None = None) -> dict[str, Any]:
    """A mapping structure for the sheet whose first rows are ``grid`` (its ``output`` block left to the caller)."""
    rows = header_rows if header_rows is not None else guess_header_rows(grid)
    roles = _roles(grid, rows)
    mapping: dict[str, Any] = {"header_rows": rows}
    first = {role: letters[0] for role, letters in roles.items() if letters}
    mapping["id"] = first.get("id", "A")
    ids = _values(grid, rows, mapping["id"], limit=50)
    if any("." in value for value in ids) and not any("-" in value for value in ids):
        mapping["id"] = {"column": mapping["id"], "separator": "."}
    mapping["text"] = first.get("text", "B" if first.get("id", "A") == "A" else "A")
    if roles.get("section"):
        mapping["sections"] = [{"title": letter} for letter in roles["section"][:3]]
    else:
        mapping["headings"] = {"title": mapping["text"]}
    if "guidance" in first:
        mapping["guidance"] = first["guidance"]
    _propose_tiers(mapping, grid, rows, roles.get("tier", []))
    if "answer_type" in first:
        mapping["answer_type"] = _answer_types(grid, rows, first["answer_type"])
        mapping["follow_ups"] = {"by": "id"}
    for role in ("weight", "critical", "evidence"):
        if role in first:
            mapping[role] = first[role]
    if roles.get("references"):
        mapping["references"] = {f"ref{n}" if n else "ref": letter for n, letter in enumerate(roles["references"])}
    return mapping


def guess_header_rows(grid: list[list[str]]) -> int:
    """1, or 2 when the second row names columns too (``対象レベル`` above ``★3`` / ``★4``): most of its cells
    repeat the first row (merged headers) or are header words, and none looks like data (a number, a mark)."""
    if len(grid) < 2 or _matches(grid[0]) < 1:
        return 1 if grid else 0
    first, second = grid[0], grid[1]
    filled = [index for index, cell in enumerate(second) if cell.strip()]
    if not filled or any(_DATA.match(second[index].strip()) or second[index].strip() in _MARKS for index in filled):
        return 1
    headers = sum(
        1 for index in filled if (index < len(first) and second[index] == first[index]) or _role(fold(second[index]))
    )
    return 2 if headers >= 2 and headers * 5 >= len(filled) * 4 else 1


def _matches(row: list[str]) -> int:
    return sum(1 for cell in row if _role(fold(cell)) is not None)


def _role(header: str) -> str | None:
    if not header:
        return None
    for role, words in HEADER_WORDS.items():
        if any(word == header or ((len(word) > 2 or not word.isascii()) and word in header) for word in words):
            return role
    return None


def _roles(grid: list[list[str]], rows: int) -> dict[str, list[str]]:
    """role → column letters, left to right; each column's header is its header rows' distinct texts."""
    width = max((len(row) for row in grid[:rows]), default=0)
    found: dict[str, list[str]] = {}
    for index in range(width):
        parts = [fold(row[index]) for row in grid[:rows] if index < len(row) and row[index].strip()]
        # The lowest header row names the column most precisely (★3 under 対象レベル); any row may name it.
        role = next((r for part in reversed(list(dict.fromkeys(parts))) if (r := _role(part))), None)
        if role is not None:
            found.setdefault(role, []).append(get_column_letter(index + 1))
    return found


def _propose_tiers(mapping: dict[str, Any], grid: list[list[str]], rows: int, letters: list[str]) -> None:
    if len(letters) > 1:  # one column per level holding ○ marks
        mapping["tiers"] = dict(zip(_TIERS, letters[:3], strict=False))
        mapping["default_tier"] = "T1"
        return
    if letters:
        values = _values(grid, rows, letters[0])
        if values and all(value in _MARKS for value in values):
            mapping["tiers"] = {"T1": letters[0]}
        else:
            mapping["tier"] = {"column": letters[0], "values": dict(zip(values, _TIERS, strict=False))}
    mapping["default_tier"] = "T1"


def _answer_types(grid: list[list[str]], rows: int, letter: str) -> dict[str, Any]:
    """Each answer-type word seen in the column mapped onto the scale it most likely means."""
    values: dict[str, Any] = {}
    for value in _values(grid, rows, letter, limit=20):
        folded = fold(value)
        if any(word in folded for word in ("na", "n/a", "該当")):
            values[value] = "yes-no-na"
        elif any(word in folded for word in ("y/n", "yes", "はい", "有無", "yn")):
            values[value] = "yes-no"
        elif any(word in folded for word in ("txt", "text", "記述", "自由", "記入")):
            values[value] = "text"
        else:
            values[value] = {"choices": ["選択肢1", "選択肢2"]}
    return {"column": letter, "values": values, "default": "yes-no"}


def _values(grid: list[list[str]], rows: int, letter: str, limit: int = 3) -> list[str]:
    from openpyxl.utils.cell import column_index_from_string

    index = column_index_from_string(letter) - 1
    seen = dict.fromkeys(row[index].strip() for row in grid[rows:] if index < len(row) and row[index].strip())
    return sorted(seen)[:limit]
