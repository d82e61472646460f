"""The words the workbooks use, in Japanese and English (terms from the glossary).

Plain dicts rather than Flask-Babel: the builders run in workers and tests without an app or a request.
"""

from __future__ import annotations

LANGS = ("ja", "en")


def require_lang(lang: str) -> None:
    """Refuse a language the workbooks have no words for, before anything is built or read."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'ja' or 'en' (got {lang!r})")


SHEETS = {
    "ja": {"summary": "概要", "checksheet": "チェックシート", "evidence": "証跡", "actions": "是正処置"},
    "en": {"summary": "Summary", "checksheet": "Checksheet", "evidence": "Evidence", "actions": "Corrective actions"},
}
META_SHEET = "_meta"

CHECKSHEET_HEADERS = {
    "ja": (
        "No.",
        "項目ID",
        "分類",
        "区分",
        "質問",
        "補足説明",
        "回答",
        "コメント",
        "該当しない理由",
        "証跡ファイル",
        "SHA-256",
        "審査結果",
        "審査コメント",
        "参照",
        "証跡の代わりの説明",
    ),
    "en": (
        "No.",
        "Item ID",
        "Section",
        "Tier",
        "Question",
        "Guidance",
        "Answer",
        "Comment",
        "N/A reason",
        "Evidence files",
        "SHA-256",
        "Review decision",
        "Reviewer comment",
        "References",
        "Explanation instead of evidence",
    ),
}

EVIDENCE_HEADERS = {
    "ja": ("ファイル名", "サイズ (バイト)", "SHA-256", "項目"),
    "en": ("File name", "Size (bytes)", "SHA-256", "Items"),
}

ACTION_HEADERS = {
    "ja": ("項目ID", "件名", "担当者", "期限", "状態", "是正計画"),
    "en": ("Item ID", "Title", "Owner", "Due date", "State", "Plan"),
}

SUMMARY = {
    "ja": {
        "title": "セキュリティチェックシート",
        "supplier": "委託先",
        "buyer": "発注元",
        "questionnaire": "質問票",
        "key": "質問票キー",
        "version": "バージョン",
        "tier": "区分",
        "campaign": "評価依頼",
        "due_date": "回答期限",
        "submitted_at": "提出日時",
        "submitted_by": "提出者",
        "state": "状態",
        "outcome_comment": "審査結果のコメント",
        "pass_threshold": "合格基準 (%)",
        "scores": "評価点",
        "self": "自己評価",
        "reviewed": "審査後評価",
        "rate": "達成率 (%)",
        "grade": "評価ランク",
        "verdict": "判定",
        "unmet": "{level} 未達の項目",
        "passed": "合否",
        "risk": "リスク",
        "answers": "回答",
        "count_stored": "件数 (自己評価)",
        "count_sheet": "件数 (チェックシート集計)",
        "text_items": "記述式の項目",
        "unanswered": "未回答",
        "items": "項目数",
        "section": "分類",
        "sections": "分類別達成率 (%)",
        "tiers": "区分別達成率 (%)",
        "self_exact": "自己評価 (当該区分)",
        "self_cumulative": "自己評価 (累積)",
        "reviewed_exact": "審査後評価 (当該区分)",
        "reviewed_cumulative": "審査後評価 (累積)",
        "chart": "分類別達成率",
    },
    "en": {
        "title": "Security checksheet",
        "supplier": "Supplier",
        "buyer": "Buyer",
        "questionnaire": "Questionnaire",
        "key": "Questionnaire key",
        "version": "Version",
        "tier": "Tier",
        "campaign": "Campaign",
        "due_date": "Due date",
        "submitted_at": "Submitted at",
        "submitted_by": "Submitted by",
        "state": "State",
        "outcome_comment": "Outcome comment",
        "pass_threshold": "Pass threshold (%)",
        "scores": "Scores",
        "self": "Self score",
        "reviewed": "Reviewed score",
        "rate": "Rate (%)",
        "grade": "Grade",
        "verdict": "Verdict",
        "unmet": "Not met for {level}",
        "passed": "Passed",
        "risk": "Risk",
        "answers": "Answer",
        "count_stored": "Count (self score)",
        "count_sheet": "Count (from checksheet)",
        "text_items": "Free-text items",
        "unanswered": "Unanswered",
        "items": "Items",
        "section": "Section",
        "sections": "Rate by section (%)",
        "tiers": "Rate by tier (%)",
        "self_exact": "Self (this tier)",
        "self_cumulative": "Self (cumulative)",
        "reviewed_exact": "Reviewed (this tier)",
        "reviewed_cumulative": "Reviewed (cumulative)",
        "chart": "Rate by section",
    },
}

TIERS = {
    "ja": {"T1": "T1 基本", "T2": "T2 標準", "T3": "T3 高度"},
    "en": {"T1": "T1 Basic", "T2": "T2 Standard", "T3": "T3 Advanced"},
}
STATES = {
    "ja": {
        "invited": "招待済み",
        "in_progress": "回答中",
        "submitted": "提出済み",
        "under_review": "審査中",
        "returned": "差し戻し",
        "accepted": "承認",
        "accepted_with_conditions": "条件付き承認",
        "rejected": "否認",
        "withdrawn": "取り下げ",
        "not_assessed": "未評価",
    },
    "en": {
        "invited": "Invited",
        "in_progress": "In progress",
        "submitted": "Submitted",
        "under_review": "Under review",
        "returned": "Returned",
        "accepted": "Accepted",
        "accepted_with_conditions": "Accepted with conditions",
        "rejected": "Rejected",
        "withdrawn": "Withdrawn",
        "not_assessed": "Not assessed",
    },
}
DECISIONS = {
    "ja": {"accepted": "適合", "clarification": "確認依頼", "nonconforming": "不適合"},
    "en": {"accepted": "Accepted", "clarification": "Clarification", "nonconforming": "Nonconforming"},
}
ACTION_STATES = {
    "ja": {
        "open": "未対応",
        "planned": "是正計画あり",
        "plan_returned": "計画の見直し依頼",
        "in_progress": "計画承認済み（是正の証跡待ち）",
        "verifying": "証跡受領済み（検証中）",
        "evidence_returned": "証跡の追加依頼",
        "closed": "完了",
    },
    "en": {
        "open": "Open",
        "planned": "Planned",
        "plan_returned": "More asked on the plan",
        "in_progress": "Plan accepted: waiting for evidence of the fix",
        "verifying": "Evidence received: being verified",
        "evidence_returned": "More evidence asked",
        "closed": "Closed",
    },
}
RISKS = {
    "ja": {"low": "低", "medium": "中", "high": "高", "critical": "重大"},
    "en": {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"},
}
PASSED = {"ja": {True: "合格", False: "不合格"}, "en": {True: "Passed", False: "Not passed"}}
YES_NO = {"ja": {True: "はい", False: "いいえ"}, "en": {True: "Yes", False: "No"}}
DASH = "—"

PORTFOLIO_SHEETS = {"ja": ("委託先一覧", "回答一覧"), "en": ("Suppliers", "Answers")}
PORTFOLIO_HEADERS = {
    "ja": (
        "委託先",
        "状態",
        "区分",
        "自己評価 (%)",
        "審査後評価 (%)",
        "評価ランク",
        "合否",
        "リスク",
        "期限超過",
        "提出日",
        "最も低い評価",
    ),
    "en": (
        "Supplier",
        "Status",
        "Tier",
        "Self score (%)",
        "Reviewed score (%)",
        "Grade",
        "Passed",
        "Risk",
        "Overdue",
        "Submitted",
        "Weakest link",
    ),
}

VALIDATION_ERROR = {
    "ja": ("回答", "一覧から選んでください。"),
    "en": ("Answer", "Choose an answer from the list."),
}


def word(table: dict[str, dict[str, str]], lang: str, code: str | None) -> str:
    """The word for ``code`` in ``lang``; the code itself when the table has none, "" for None."""
    if code is None or code == "":
        return ""
    return table[lang].get(code, code)
