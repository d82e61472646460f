"""The unit of work: commit once at the edge or roll back, and run the after-commit steps only after a commit."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from portal.errors import Conflict, NotFound
from portal.extensions import db
from portal.organizations.models import Organization
from portal.organizations.operations import create_organization
from portal.unit_of_work import after_commit, after_rollback, commit, commits, flash_and_redirect, rollback
from tests.portal.api.helpers import token_for

# The mechanism is the same on both dialects; run it on both, as the demo runs on SQLite.
pytestmark = pytest.mark.both_databases


def committed_names() -> set[str]:
    """Organisation names another connection sees, i.e. what is committed."""
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.select(Organization.name)))


def test_steps_run_after_the_commit_in_order_and_once(app: Flask) -> None:
    seen: list[tuple[str, bool]] = []

    def wake() -> None:
        seen.append(("wake", "Unit A" in committed_names()))

    create_organization("Unit A", by=None)
    after_commit(wake)
    after_commit(lambda: seen.append(("score", "Unit A" in committed_names())))
    after_commit(wake)  # registered twice in one transaction: runs once
    assert seen == []
    commit()
    assert seen == [("wake", True), ("score", True)]
    commit()  # a later commit does not run them again
    assert len(seen) == 2


def test_a_rollback_drops_the_steps(app: Flask) -> None:
    ran: list[str] = []
    create_organization("Unit B", by=None)
    after_commit(lambda: ran.append("step"))
    db.session.rollback()
    commit()
    assert ran == []
    assert "Unit B" not in committed_names()


def test_undo_steps_run_after_a_rollback_and_are_dropped_by_a_commit(app: Flask) -> None:
    seen: list[tuple[str, bool]] = []
    create_organization("Unit D", by=None)
    db.session.flush()
    after_rollback(lambda: seen.append(("undo", "Unit D" in session_names())))
    rollback()
    assert seen == [("undo", False)]  # it runs once the rows are gone
    create_organization("Unit E", by=None)
    after_rollback(lambda: seen.append(("undo", True)))
    commit()
    rollback()
    assert seen == [("undo", False)]


def session_names() -> set[str]:
    return set(db.session.scalars(sa.select(Organization.name)))


def test_a_failing_step_does_not_undo_the_commit(app: Flask) -> None:
    ran: list[str] = []

    def broker_down() -> None:
        raise ConnectionError("broker unreachable")

    create_organization("Unit C", by=None)
    after_commit(broker_down)
    after_commit(lambda: ran.append("next"))
    commit()
    assert "Unit C" in committed_names()
    assert ran == ["next"]  # the steps after it still run


def _page_views(app: Flask, ran: list[str]) -> None:
    def back(**_: Any) -> str:
        return url_for("uow_done")

    @commits(refused=flash_and_redirect(back))
    def create(name: str) -> str:
        create_organization(name, by=None)
        after_commit(lambda: ran.append(name))
        after_rollback(lambda: ran.append(f"undo {name}"))
        if name == "refused":
            raise Conflict("That name is taken.")
        return "created"

    @commits()
    def unhandled() -> str:
        create_organization("unhandled", by=None)
        after_commit(lambda: ran.append("unhandled"))
        raise Conflict("No refusal given.")

    @commits(refused=flash_and_redirect(back))
    def missing() -> str:
        create_organization("missing", by=None)
        raise NotFound()

    app.add_url_rule("/uow/<name>", "uow_create", create, methods=["POST"])
    app.add_url_rule("/uow-missing", "uow_missing", missing, methods=["POST"])
    app.add_url_rule("/uow-unhandled", "uow_unhandled", unhandled, methods=["POST"])
    app.add_url_rule("/uow-done", "uow_done", lambda: "done")


def test_a_page_commits_when_it_returns_and_runs_its_steps(app: Flask) -> None:
    ran: list[str] = []
    _page_views(app, ran)
    response = app.test_client().post("/uow/accepted")
    assert response.get_data(as_text=True) == "created"
    assert "accepted" in committed_names()
    assert ran == ["accepted"]  # and not the undo step


def test_a_refused_page_rolls_back_flashes_and_redirects(app: Flask) -> None:
    ran: list[str] = []
    _page_views(app, ran)
    client = app.test_client()
    response = client.post("/uow/refused")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/uow-done")
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", "That name is taken.")]
    assert "refused" not in committed_names()
    assert ran == ["undo refused"]  # the undo step, after the rollback


def test_a_page_without_a_refusal_gives_the_error_page_and_keeps_nothing(app: Flask) -> None:
    ran: list[str] = []
    _page_views(app, ran)
    response = app.test_client().post("/uow-unhandled")
    assert response.status_code == 409
    assert "unhandled" not in committed_names()
    assert ran == []


def test_a_missing_thing_is_the_404_page_not_a_refusal(app: Flask) -> None:
    _page_views(app, [])
    response = app.test_client().post("/uow-missing")
    assert response.status_code == 404
    assert "missing" not in committed_names()


def test_a_refusal_whose_target_is_missing_is_the_404_page(app: Flask) -> None:
    def gone(**_: Any) -> str:
        raise NotFound()

    @commits(refused=flash_and_redirect(gone), passes=())
    def refused() -> str:
        create_organization("gone", by=None)
        raise NotFound("No such item.")  # an operation's own NotFound, refused like any other error

    app.add_url_rule("/uow-gone", "uow_gone", refused, methods=["POST"])
    client = app.test_client()
    assert client.post("/uow-gone").status_code == 404
    with client.session_transaction() as session:
        assert "_flashes" not in session  # no message left over for the next page
    assert "gone" not in committed_names()


def test_the_api_commits_then_wakes_the_outbox(app: Flask, client: Any, make_buyer: Any, monkeypatch: Any) -> None:
    _, admin = make_buyer()
    woken: list[bool] = []
    monkeypatch.setattr("portal.api.suppliers.send_outbox_soon", lambda: woken.append("部品一" in supplier_names()))
    response = client.post(
        "/api/v1/suppliers",
        json={"name": "部品一", "contact_email": "one@parts.example.com", "tier": "T1"},
        headers=token_for(admin),
    )
    assert response.status_code == 201, response.get_json()
    assert woken == [True]  # the invitation was committed when the worker was woken


def test_a_refused_api_call_keeps_nothing_and_wakes_nobody(
    app: Flask, client: Any, make_buyer: Any, monkeypatch: Any
) -> None:
    _, admin = make_buyer()
    headers = token_for(admin)
    woken: list[str] = []
    monkeypatch.setattr("portal.api.suppliers.send_outbox_soon", lambda: woken.append("woken"))

    def refuse(supplier: Any) -> Any:
        raise Conflict("Refused after the supplier was flushed.")

    monkeypatch.setattr("portal.api.suppliers.supplier_out", refuse)
    response = client.post(
        "/api/v1/suppliers",
        json={"name": "部品二", "contact_email": "two@parts.example.com", "tier": "T1"},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "Refused after the supplier was flushed."
    assert "部品二" not in supplier_names()
    assert woken == []


def test_an_api_call_stands_when_the_broker_is_down(app: Flask, client: Any, make_buyer: Any, monkeypatch: Any) -> None:
    _, admin = make_buyer()

    def broker_down() -> None:
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr("portal.api.suppliers.send_outbox_soon", broker_down)
    response = client.post(
        "/api/v1/suppliers",
        json={"name": "部品三", "contact_email": "three@parts.example.com", "tier": "T1"},
        headers=token_for(admin),
    )
    assert response.status_code == 201
    assert "部品三" in supplier_names()


def supplier_names() -> set[str]:
    from portal.suppliers.models import Supplier

    with db.engine.connect() as connection:
        return set(connection.scalars(sa.select(Supplier.name)))
