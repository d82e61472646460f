"""The demo of a buyer's own checksheet (issue 22): the Excel form the first buyer has been e-mailing to its
suppliers, read by the upload page's engine and published as that buyer's own questionnaire (no other buyer
sees it), ready to be sent in a campaign from 評価依頼."""

from __future__ import annotations

import io
import logging
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook

from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import publish
from portal.extensions import db
from portal.organizations.models import Organization
from questionnaires import build_questionnaire
from questionnaires.importers.checksheet import preview

logger = logging.getLogger(__name__)

KEY = "demo-torihiki-check"
TITLE = "取引先セキュリティチェックシート"
#: Two header rows (対象レベル over 基本 / 標準), then one row a question: No., 区分 (merged down its questions),
#: question, ○ per level, 回答形式 (Y/N, YNA, TXT, 選択), 説明. 2.1 is asked after はい to 2, 2.1.1 after はい to 2.1.
ROWS: list[list[Any]] = [
    ["1", "管理体制", "情報セキュリティの責任者を決めていますか", "○", "○", "Y/N", "役職と氏名が分かる文書"],
    ["1.1", None, "責任者の氏名と役職を書いてください", "○", "○", "TXT", None],
    ["2", None, "当社から預かった情報の取扱規程がありますか", "○", "○", "Y/N", "社内規程、手順書など"],
    ["2.1", None, "規程を従業員に周知していますか", "○", "○", "YNA", None],
    ["2.1.1", None, "周知の方法を書いてください", None, "○", "TXT", "研修、掲示、誓約書など"],
    ["3", "技術的対策", "パソコンのOSとソフトウェアを最新にしていますか", "○", "○", "YNA", None],
    ["4", None, "バックアップの頻度を選んでください", "○", "○", "選択", None],
    ["5", None, "外部からのアクセスに多要素認証を使っていますか", None, "○", "Y/N", "VPN、クラウドサービスなど"],
]
MAPPING: dict[str, Any] = {
    "header_rows": 2,
    "id": {"column": "A", "separator": "."},
    "sections": [{"title": "B"}],
    "text": "C",
    "tiers": {"T1": "D", "T2": "E"},
    "answer_type": {
        "column": "F",
        "values": {"Y/N": "yes-no", "YNA": "yes-no-na", "TXT": "text", "選択": {"choices": ["毎日", "毎週", "毎月"]}},
    },
    "follow_ups": {"by": "id"},
    "guidance": "G",
    "output": {
        "key": KEY,
        "version": "1",
        "title": {"ja": TITLE, "en": "Supplier security checksheet"},
        "source": "取引先セキュリティチェックシート.xlsx",
        "licence": "デモ (internal)",
    },
}


def seed_buyer_checksheet(buyer_name: str) -> QuestionnaireVersion:
    """Publish the demo checksheet as ``buyer_name``'s own questionnaire (once; later calls return it)."""
    organization = db.session.scalars(sa.select(Organization).where(Organization.name == buyer_name)).one()
    existing = db.session.scalar(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.key == KEY, QuestionnaireVersion.organization_id == organization.id
        )
    )
    if existing is not None:
        return existing
    result = preview(checksheet_workbook(), "取引先セキュリティチェックシート.xlsx", MAPPING)
    if result.definition is None:  # the demo's own workbook: a problem is a bug here, not the user's
        raise RuntimeError("; ".join(str(problem) for problem in result.problems))
    stored, _ = publish(build_questionnaire(result.definition, KEY), origin="import", organization=organization)
    logger.info("Demo checksheet %s published for %s", stored.key, buyer_name)
    return stored


def checksheet_workbook() -> bytes:
    """The buyer's Excel checksheet as it is e-mailed today."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "チェックシート"
    for column, header in enumerate(["No.", "区分", "確認項目", "対象レベル", None, "回答形式", "説明"], start=1):
        sheet.cell(row=1, column=column, value=header)
    sheet["D2"], sheet["E2"] = "基本", "標準"
    for number, values in enumerate(ROWS, start=3):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    for ref in ("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2", "B3:B7", "B8:B10"):
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
