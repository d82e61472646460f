"""One unit of work per page request or API call: commit once at the edge, or roll back.

Operations flush and never commit; what must happen only once their rows are committed (wake the
outbox, queue scoring, start a job) they register with ``after_commit``. The edge (``commits`` for
pages, the API's ``operation`` decorator) commits when the view returns and then runs those steps,
or rolls back when it raises and drops them, so a worker never looks for a row that is not there.
``after_rollback`` is the other side: what to undo outside the database (files a refused plan stored).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import flash, redirect
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.errors import NotFound, PortalError
from portal.extensions import db

logger = logging.getLogger(__name__)

_AFTER_COMMIT = "portal.after_commit"
_AFTER_ROLLBACK = "portal.after_rollback"

#: ``refused(error, **view_args)``: the page's own answer to a refused operation
Refusal = Callable[..., Any]


def after_commit(callback: Callable[[], object]) -> None:
    """Run ``callback`` once the current transaction has committed; a rollback drops it.

    The same plain function registered twice in one transaction runs once (two e-mails queued, one
    wake-up); ``partial`` objects never compare equal, so each of those runs.
    """
    callbacks: list[Callable[[], object]] = db.session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


def after_rollback(callback: Callable[[], object]) -> None:
    """Run ``callback`` if the unit of work rolls back (a refused operation): undo what the database cannot,
    such as files stored for rows that will not exist. A commit drops it."""
    db.session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def commit() -> None:
    """Commit the session, then run what was registered for after the commit.

    A step that fails (the broker is down) is logged and skipped: the commit stands, and the sweeps and
    the beat schedule pick up whatever it would have started.
    """
    db.session.commit()
    db.session.info.pop(_AFTER_ROLLBACK, None)
    _run(db.session.info.pop(_AFTER_COMMIT, []))


def rollback() -> None:
    """Roll the session back: the after-commit steps are dropped and the after-rollback ones run."""
    db.session.rollback()


def _run(steps: list[Callable[[], object]]) -> None:
    for step in steps:
        try:
            step()
        except Exception:
            logger.warning("Step %r after the transaction failed; the transaction stands", step, exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    # Any rollback of the whole transaction (ours, the error handlers', a failed commit's) forgets the
    # after-commit steps, so nothing rolled back is ever announced, and runs the undo steps, so no file
    # stored for a row that will not exist is left behind. A savepoint's rollback keeps both lists.
    if not previous_transaction.nested:
        session.info.pop(_AFTER_COMMIT, None)
        _run(session.info.pop(_AFTER_ROLLBACK, []))


def commits(
    refused: Refusal | None = None, *, passes: tuple[type[PortalError], ...] = (NotFound,)
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a page view: commit when it returns, roll back when it raises.

    A ``PortalError`` becomes ``refused(error, **view_args)`` (after the rollback), the page's own
    answer such as ``flash_and_redirect``; without ``refused`` it reaches the app's error page. So do
    the ``passes`` errors: a view looks up what it acts on first, and a missing one is the 404 page.
    A view whose operation refuses with ``NotFound`` itself passes ``passes=()`` and a refusal that
    looks the subject up again.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(**view_args: Any) -> Any:
            try:
                response = view(**view_args)
            except PortalError as error:
                rollback()
                if refused is None or isinstance(error, passes):
                    raise
                return refused(error, **view_args)
            commit()
            return response

        return wrapped

    return decorator


def flash_and_redirect(target: Callable[..., str]) -> Refusal:
    """A refusal that flashes the error's message and redirects to ``target(**view_args)``."""

    def refused(error: PortalError, **view_args: Any) -> Any:
        url = target(**view_args)  # first: a target that looks its subject up may still answer 404
        flash(str(error.message), "error")
        return redirect(url)

    return refused
