"""A small assessment to build workbooks from, with hostile text where users type."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from portal.reports.data import (
    ChecksheetData,
    ChecksheetRow,
    CorrectiveActionRow,
    EvidenceFile,
    ExpectedAssessment,
    ExpectedItem,
    ScaleChoice,
)

SCALE = (
    ScaleChoice("yes", "実施している", "Implemented", 1.0),
    ScaleChoice("partial", "一部実施している", "Partially implemented", 0.5),
    ScaleChoice("no", "実施していない", "Not implemented", 0.0),
    ScaleChoice("unknown", "わからない", "Don't know", 0.0),
    ScaleChoice("na", "該当しない", "Not applicable", None),
)
HOSTILE = ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=2", "#N/A")
POLICY = EvidenceFile("policy.pdf", 12345, "a" * 64, ("GOV-01", "GOV-02"))
PLEDGE = EvidenceFile("=pledge.pdf", 999, "b" * 64, ("STF-01",))

SELF_SCORE = {
    "overall": 58.3,
    "grade": "C",
    "passed": False,
    "risk": "high",
    "sections": [{"section_id": "governance", "rate": 75.0}, {"section_id": "staff", "rate": 33.3}],
    "tiers_exact": {"T1": 62.5, "T2": 50.0},
    "tiers_cumulative": {"T1": 62.5, "T2": 58.3},
    "counts": {"yes": 2, "partial": 1, "no": 1, "unknown": 1, "na": 1},
    "rules_version": "default/1",
    "model": "default",
}
REVIEWED_SCORE = {
    "overall": 41.7,
    "grade": "D",
    "passed": False,
    "risk": "critical",
    "sections": [{"section_id": "governance", "rate": 50.0}],  # staff missing on purpose: shown as "—"
    "tiers_exact": {"T1": 37.5},
}


def make_rows() -> tuple[ChecksheetRow, ...]:
    return (
        ChecksheetRow(
            "GOV-01",
            "governance",
            "経営層の関与",
            "T1",
            "方針を定めていますか",
            SCALE,
            guidance="文書化された方針",
            answer_code="yes",
            comment=HOSTILE[0],
            evidence=(POLICY,),
            review_decision="accepted",
            review_comment="確認しました",
            references={"ipa_5min": ("Q3",), "meti_scs": ("1-1-1-1",)},
            critical=True,
        ),
        ChecksheetRow(
            "GOV-02",
            "governance",
            "経営層の関与",
            "T2",
            "方針を見直していますか",
            SCALE,
            answer_code="partial",
            comment=HOSTILE[1],
            evidence=(POLICY,),
            review_decision="nonconforming",
            review_comment=HOSTILE[3],
        ),
        ChecksheetRow("GOV-03", "governance", "経営層の関与", "T1", "責任者を決めていますか", SCALE, answer_code="yes"),
        ChecksheetRow(
            "STF-01",
            "staff",
            "従業員",
            "T1",
            "教育をしていますか",
            SCALE,
            answer_code="no",
            comment=HOSTILE[2],
            evidence=(PLEDGE,),
        ),
        ChecksheetRow("STF-02", "staff", "従業員", "T2", "誓約書を取っていますか", SCALE, answer_code="unknown"),
        ChecksheetRow(
            "STF-03",
            "staff",
            "従業員",
            "T1",
            "退職時の手続きはありますか",
            SCALE,
            answer_code="na",
            na_reason=HOSTILE[4],
            comment=HOSTILE[6],
        ),
        ChecksheetRow("STF-04", "staff", "従業員", "T2", "=1+1 は質問文です", SCALE),
    )


def make_data(**changes: object) -> ChecksheetData:
    data = ChecksheetData(
        assessment_id=42,
        supplier="株式会社テスト部品",
        buyer="=発注元株式会社",
        questionnaire_title="サプライチェーン・セキュリティ確認",
        questionnaire_key="scs-core",
        questionnaire_version="2026.1",
        tier="T2",
        rows=make_rows(),
        content_hash="c" * 64,
        campaign="2026年度 定期評価",
        due_date=date(2026, 6, 30),
        submitted_at=datetime(2026, 6, 1, 1, 30, tzinfo=UTC),
        submitted_by="山田 太郎",
        state="under_review",
        self_score=SELF_SCORE,
        reviewed_score=REVIEWED_SCORE,
        pass_threshold=80.0,
        evidence=(POLICY, PLEDGE),
        corrective_actions=(
            CorrectiveActionRow("GOV-02", "方針の見直し手順を定める", "佐藤", date(2026, 9, 30), "planned", HOSTILE[5]),
            CorrectiveActionRow(
                "STF-01", "誓約書を回収する", "田中", date(2026, 8, 31), "closed", "全員から回収", HOSTILE[3]
            ),
        ),
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def expected_for(data: ChecksheetData, **changes: object) -> ExpectedAssessment:
    items = tuple(
        ExpectedItem(
            row.item_id,
            (row.question, f"EN: {row.question}"),
            row.choices,
            row.answer_code,
            row.comment,
            row.na_reason,
        )
        for row in data.rows
    )
    expected = ExpectedAssessment(
        data.assessment_id, data.questionnaire_key, data.questionnaire_version, items, data.content_hash
    )
    return replace(expected, **changes)  # type: ignore[arg-type]
