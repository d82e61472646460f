"""Pages ask the permission table (``may``) or the side a membership works on, never compare roles themselves.

A role added or an action given to another role is then one row of ``portal/policy/actions.py``: the links and
buttons the pages show follow, as the routes' ``permission_required`` does.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, render_template_string
from flask_login import login_user

from portal.extensions import db
from portal.organizations.models import Role
from portal.policy.actions import ROLES, Action

PORTAL = Path(__file__).resolve().parents[3] / "portal"
ROLE_COMPARISON = re.compile(r"\bRole\.|\.role\s*(==|!=|\bin\b|\bnot in\b)|is_buyer_side|_ROLES\b")


def _comparisons(paths: list[Path]) -> list[str]:
    return [
        f"{path.relative_to(PORTAL)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_COMPARISON.search(line)
    ]


def test_no_template_compares_roles() -> None:
    # macros.html's role_label names a role; it decides nothing.
    templates = [p for p in sorted((PORTAL / "templates").rglob("*.html")) if p.name != "macros.html"]
    assert _comparisons(templates) == []


def test_no_view_or_api_module_compares_roles() -> None:
    modules = sorted(PORTAL.glob("*/views.py")) + sorted((PORTAL / "api").glob("*.py"))
    found = [
        line
        for line in _comparisons(modules)
        if "Role(form.role.data)" not in line and "Role.BUYER_ADMIN, by=" not in line
    ]
    assert found == []


def test_a_template_asks_the_table_for_the_acting_membership(app: Flask, make_buyer, make_user) -> None:
    buyer, admin = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    db.session.commit()
    asked = (Action.CAMPAIGN_MANAGE, Action.REVIEW_DECIDE, Action.ASSESSMENT_ANSWER)
    shown = " ".join(f"{{{{ may(Action.{action.name}) }}}}" for action in asked)
    for person, role in ((admin, Role.BUYER_ADMIN), (reviewer, Role.REVIEWER)):
        with app.app_context(), app.test_request_context():  # a request's own context, as a page has
            login_user(person)
            assert render_template_string(shown) == " ".join(str(role in ROLES[action]) for action in asked)
    with app.test_request_context():
        assert render_template_string(shown) == "False False False"  # nobody signed in
