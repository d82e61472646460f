"""A buyer's own checksheet as buyers send them by e-mail, built with openpyxl for the tests.

Two header rows (対象レベル merged over レベル1 / レベル2), a section column whose cells are merged down
their questions, ○ level markers, a 回答形式 column mixing Y/N, YNA, TXT and 選択, and follow-up questions
numbered under the question they follow (1.1 → 1.1.1).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

HEADERS = ["No.", "区分", "質問項目", "対象レベル", None, "回答形式", "説明", "証跡", "参照"]
#: row number → cells A..I (None: empty)
ROWS: dict[int, list[Any]] = {
    3: ["1", "組織体制", "情報セキュリティ方針を定めていますか", "○", "○", "Y/N", "方針の文書を指します", "○", "A.5.1"],
    4: ["1.1", None, "方針を経営者が承認していますか", "○", "○", "Y/N", None, None, "A.5.1"],
    5: ["1.1.1", None, "承認した日を書いてください", "○", "○", "TXT", None, None, None],
    6: ["2", None, "情報セキュリティの責任者を任命していますか", None, "○", "YNA", None, None, "A.5.2"],
    7: ["3", "取引先管理", "取引先の点検はどの頻度で行いますか", "○", "○", "選択", None, None, None],
    8: ["4", None, "再委託先を把握していますか", "○", "○", "Y/N", None, "○", None],
    9: ["4.1", None, "再委託先の一覧を毎年更新していますか", None, "○", "Y/N", None, None, None],
}
MERGED = ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2", "H1:H2", "I1:I2", "B3:B6", "B7:B9")

MAPPING: dict[str, Any] = {
    "sheet": "チェックシート",
    "header_rows": 2,
    "id": {"column": "A", "separator": "."},
    "sections": [{"title": "B"}],
    "text": "C",
    "tiers": {"T1": "D", "T2": "E"},
    "answer_type": {
        "column": "F",
        "values": {
            "Y/N": "yes-no",
            "YNA": "yes-no-na",
            "TXT": "text",
            "選択": {"choices": ["毎月", "毎年", "不定期"]},
        },
    },
    "follow_ups": {"by": "id"},
    "guidance": "G",
    "evidence": "H",
    "references": {"iso27001": "I"},
    "output": {
        "key": "buyer-checksheet",
        "version": "1",
        "title": {"ja": "取引先チェックシート", "en": "Supplier checksheet"},
        "source": "取引先チェックシート.xlsx",
        "licence": "Proprietary",
    },
}


def checksheet_xlsx(rows: dict[int, list[Any]] | None = None, merged: tuple[str, ...] = MERGED, **cells: Any) -> bytes:
    """The workbook's bytes; ``cells`` overwrite single cells (``F4="はい"``)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "チェックシート"
    workbook.create_sheet("記入方法")
    for column, header in enumerate(HEADERS, start=1):
        if header is not None:
            sheet.cell(row=1, column=column, value=header)
    sheet["D2"], sheet["E2"] = "レベル1", "レベル2"
    for number, values in (rows or ROWS).items():
        for column, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=number, column=column, value=value)
    for cell, value in cells.items():
        sheet[cell] = value
    for ref in merged:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
