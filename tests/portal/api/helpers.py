"""Calling the API as an integrator would: a bearer token per user."""

from __future__ import annotations

from typing import Any

from portal.accounts.operations import create_api_token
from portal.extensions import db


def token_for(user: Any) -> dict[str, str]:
    _, token = create_api_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}
