"""Shared helpers for the buyer-side page tests."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from portal.extensions import db


def campaign_form(version: Any, suppliers: list[Any], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "2026年度 取引先確認",
        "questionnaire_version_id": str(version.id),
        "tier": "",
        "due_date": (date.today() + timedelta(days=30)).isoformat(),
        "pass_threshold": "80",
        "reminder_days": "7,3,1",
        "remind_when_overdue": "y",
        "show_score_to_supplier": "y",
        "supplier_ids": [str(s.id) for s in suppliers],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def count_rows(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def data_count(html: str, key: str) -> list[int]:
    """Every progress count shown for ``key`` (e.g. ``overdue``), in page order."""
    return [int(n) for n in re.findall(rf'data-count="{key}">(\d+)<', html)]


def sign_in_english(client: Any, user: Any) -> None:
    """Sign in with English pages, so that tests can read the (English source) messages."""
    from tests.conftest import sign_in

    user.locale = "en"
    db.session.commit()
    sign_in(client, user.email)
