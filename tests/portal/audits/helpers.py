"""Shared set-up for the audit page tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def audit_form(supplier_id: int, version_id: int, days: int = 10, **extra: Any) -> dict[str, Any]:
    """The form of /audits/new: an on-site audit of the supplier ``days`` from today."""
    return {
        "supplier_id": supplier_id,
        "questionnaire_version_id": version_id,
        "tier": "",
        "mode": "on_site",
        "planned_date": (date.today() + timedelta(days=days)).isoformat(),
        **extra,
    }
