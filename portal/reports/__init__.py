"""Excel workbooks of the portal (product.md §8): pure builders and the offline-answer reader.

Nothing here knows about Flask or the database: the builders take the plain dataclasses of
:mod:`portal.reports.data` and return bytes (or write to a path); the jobs and views adapt the models.

- :func:`build_checksheet` — one assessment's checksheet (summary, items, evidence, corrective actions).
- :func:`parse_offline_upload` — a filled-in checksheet read back into a preview of changes and problems.
- :func:`build_portfolio` — every supplier's scores and answers, streamed in write-only mode.
"""

from portal.reports.checksheet import build_checksheet, summary_formulas
from portal.reports.data import (
    ChecksheetData,
    ChecksheetRow,
    CorrectiveActionRow,
    EvidenceFile,
    ExpectedAssessment,
    ExpectedItem,
    PortfolioRow,
    ScaleChoice,
)
from portal.reports.offline_import import Change, ImportPreview, Limits, Problem, parse_offline_upload
from portal.reports.portfolio import build_portfolio

__all__ = [
    "Change",
    "ChecksheetData",
    "ChecksheetRow",
    "CorrectiveActionRow",
    "EvidenceFile",
    "ExpectedAssessment",
    "ExpectedItem",
    "ImportPreview",
    "Limits",
    "PortfolioRow",
    "Problem",
    "ScaleChoice",
    "build_checksheet",
    "build_portfolio",
    "parse_offline_upload",
    "summary_formulas",
]
