"""The few figures of a score the portfolio shows, stored beside the full results by the scoring job.

A full result carries every item's values (several kilobytes); the buyer's dashboard reads every supplier's
scores at once and needs only grade, overall rate and section rates. Reading them from this small copy keeps
the dashboard of a thousand suppliers fast; the job writes it in the same statement as the results, so it is
never older than they are.
"""

from __future__ import annotations

from typing import Any


def figures(result: dict[str, Any]) -> dict[str, Any]:
    """Grade, level achieved, overall rate and rate per section id of one result (``ScoreResult.to_dict()``);
    ``level`` is the tier achieved under a level model (``""`` when none is), None under a graded one."""
    levels = result.get("levels")
    return {
        "grade": result.get("grade"),
        "level": (levels.get("achieved") or "") if isinstance(levels, dict) else None,
        "overall": result.get("overall"),
        "rates": {section["section_id"]: section.get("rate") for section in result.get("sections", [])},
    }


def score_summary(self_result: dict[str, Any], reviewed_result: dict[str, Any] | None) -> dict[str, Any]:
    """``{"self": figures, "reviewed": figures or None}``; None as the reviewed result does: same as self."""
    return {"self": figures(self_result), "reviewed": None if reviewed_result is None else figures(reviewed_result)}
