"""The registry: event type → the one handler that tells people of it.

Handlers are registered with :func:`handles` in :data:`HANDLER_MODULE`, imported the first time an event
is handed over (it imports much of the portal, which the operations that notify must not need at import
time). A lifecycle event nobody is told of is registered with :func:`silent`, so a new event type is a
deliberate choice: ``notify`` refuses one that is neither.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")

HANDLER_MODULE = "portal.notifications.handlers"

#: event type → its handler
HANDLERS: dict[type, Callable[[Any], None]] = {}
#: event types that tell nobody, on purpose
SILENT: set[type] = set()


class NoHandler(LookupError):
    """An event type with neither a handler nor a place among the silent ones."""


def handles(kind: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register the decorated function as the handler of ``kind`` (one handler per type)."""

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        if kind in HANDLERS or kind in SILENT:
            raise ValueError(f"{kind.__name__} already has a handler")
        HANDLERS[kind] = handler
        return handler

    return register


def silent(*kinds: type) -> None:
    """Event types nobody is told of (the person who caused them sees the page change)."""
    SILENT.update(kinds)


def load() -> None:
    importlib.import_module(HANDLER_MODULE)


def notify(event: object) -> None:
    """Queue the e-mails ``event`` causes, in the caller's transaction (nothing is sent before its commit)."""
    load()
    handler = HANDLERS.get(type(event))
    if handler is not None:
        handler(event)
    elif type(event) not in SILENT:
        raise NoHandler(f"no notification handler for {type(event).__name__}")
