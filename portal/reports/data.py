"""Plain data the workbook builders and the offline import take: no database, no Flask.

The adapter that turns an assessment (and its campaign, answers, evidence, review and corrective actions)
into these objects lives with the jobs; the builders only read them. Texts such as the question, the
section title and the guidance are given in the language of the export; the answer labels carry both
languages because the offline import accepts either.

Score dicts have the shape of ``ScoreResult.to_dict()`` (``overall``, ``grade``, ``passed``, ``risk``,
``sections``, ``tiers_exact``, ``tiers_cumulative``, ``counts``, ...); every key is read defensively and a
missing one is shown as "—".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class ScaleChoice:
    """One answer option of an item's scale; ``value`` None means "not applicable" (needs a reason)."""

    code: str
    label_ja: str
    label_en: str
    value: float | None = None

    def label(self, lang: str) -> str:
        """The label in ``lang`` ("ja" or "en")."""
        return self.label_en if lang == "en" else self.label_ja


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file; ``item_ids`` are the items it is attached to (used on the evidence sheet)."""

    filename: str
    size: int
    sha256: str
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecksheetRow:
    """One item of the assessment, in checksheet order.

    ``choices`` empty means a free-text answer: the answer cell holds the text itself. ``review_comment``
    is whatever the caller decided the reader may see (supplier-visible comments only, or all).
    ``references`` maps a scheme to its references (``{"jama": ("No.12",)}``).
    """

    item_id: str
    section_id: str
    section_title: str
    tier: str
    question: str
    choices: tuple[ScaleChoice, ...] = ()
    guidance: str = ""
    answer_code: str | None = None
    comment: str | None = None
    na_reason: str | None = None
    evidence_note: str | None = None
    evidence: tuple[EvidenceFile, ...] = ()
    review_decision: str | None = None
    review_comment: str | None = None
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    critical: bool = False

    def choice(self, code: str | None) -> ScaleChoice | None:
        """The choice with this code, or None."""
        return next((choice for choice in self.choices if choice.code == code), None)


@dataclass(frozen=True)
class CorrectiveActionRow:
    """A corrective action of the assessment (``state``: open, planned, ..., closed), with the comment it was
    closed with."""

    item_id: str | None
    title: str
    owner: str
    due_date: date | None
    state: str
    plan: str | None = None
    closing_comment: str | None = None


@dataclass(frozen=True)
class ChecksheetData:
    """Everything one checksheet workbook shows.

    ``assessment_id``, ``questionnaire_key``, ``questionnaire_version`` and ``content_hash`` (of the
    frozen questionnaire) go into the hidden ``_meta`` sheet that the offline import checks.
    """

    assessment_id: int | str
    supplier: str
    buyer: str
    questionnaire_title: str
    questionnaire_key: str
    questionnaire_version: str
    tier: str
    rows: tuple[ChecksheetRow, ...]
    content_hash: str = ""
    campaign: str = ""
    due_date: date | None = None
    submitted_at: datetime | None = None
    submitted_by: str = ""
    state: str = ""
    #: The comment the reviewer gave with the outcome, when the reader may see it.
    outcome_comment: str | None = None
    #: Answered by a METI SCS registration instead of answers: its result in the sheet's language, beside the state.
    registration: str | None = None
    self_score: Mapping[str, Any] | None = None
    reviewed_score: Mapping[str, Any] | None = None
    pass_threshold: float | None = 80.0
    evidence: tuple[EvidenceFile, ...] = ()
    corrective_actions: tuple[CorrectiveActionRow, ...] = ()
    #: The day printed in the header as the issue date (None: the day it is built).
    issued_on: date | None = None
    #: The questionnaire's name of each tier in the sheet's language (★3, ★4); missing: the default words.
    level_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectedItem:
    """One item as the portal knows it now: what the uploaded row must match, and the current answer.

    ``questions`` holds the question text in each language the file may have been made in; the row's
    question cell must equal one of them.
    """

    item_id: str
    questions: tuple[str, ...]
    choices: tuple[ScaleChoice, ...] = ()
    answer_code: str | None = None
    comment: str | None = None
    na_reason: str | None = None
    evidence_note: str | None = None
    #: False for items the supplier may not change now (e.g. not reopened for clarification).
    editable: bool = True
    #: The version of the current answer (0: no answer yet), carried into each change read against it.
    version: int = 0


@dataclass(frozen=True)
class ExpectedAssessment:
    """The assessment an upload must belong to, with its items in checksheet order."""

    assessment_id: int | str
    questionnaire_key: str
    questionnaire_version: str
    items: tuple[ExpectedItem, ...]
    content_hash: str = ""


@dataclass(frozen=True)
class PortfolioRow:
    """One supplier in the portfolio: its status and scores, and its answers by item id.

    ``answers`` values are written as given (codes), or through the ``answer_labels`` mapping passed to
    :func:`portal.reports.portfolio.build_portfolio`.
    """

    supplier: str
    status: str = ""
    tier: str = ""
    self_rate: float | None = None
    reviewed_rate: float | None = None
    grade: str | None = None
    passed: bool | None = None
    risk: str | None = None
    overdue: bool = False
    submitted_at: datetime | date | None = None
    answers: Mapping[str, str | None] = field(default_factory=dict)
    #: Rate (%) by section key (the keys of ``build_portfolio``'s ``sections``); a missing key is "—".
    section_rates: Mapping[str, float | None] = field(default_factory=dict)
    #: The weakest grade shown in the chain below the supplier, its own included (``portal.suppliers.chain``).
    weakest: str | None = None
    #: The assessment's level in the questionnaire's words (★4); empty: the default words of ``tier``.
    level: str = ""
    #: A level model's verdict (★3 達成 / ★4 未達), written where a graded result has its grade.
    verdict: str = ""
