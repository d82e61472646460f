"""Request input no view should ever see: JSON too deep to parse, numbers JSON has not, NUL characters.

Each would otherwise end as a 500: Python's JSON parser raises RecursionError on deep nesting (not the
ValueError Flask expects of a bad body), ``1e999`` parses as infinity, and PostgreSQL refuses NUL in text
(as both databases refuse lone surrogates). They are refused here as bad requests (400) instead.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

#: NUL, and halves of surrogate pairs that cannot be stored as UTF-8 (JSON's "\ud800" can make them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing as malformed (ValueError) what would otherwise raise something else."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _unstorable(data: Any) -> bool:
    """Whether any string in ``data`` (JSON or form values, nested) holds NUL or a lone surrogate."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def register_input_checks(app: Flask) -> None:
    app.json = StrictJSONProvider(app)

    @app.before_request
    def refuse_unstorable_text() -> None:
        fields: list[Any] = [request.path, *request.args.keys(), *(v for _, vs in request.args.lists() for v in vs)]
        if request.method in ("POST", "PUT", "PATCH"):
            fields += [*request.form.keys(), *(v for _, vs in request.form.lists() for v in vs)]
            # The API's bodies are checked by their schemas, which name the field; the pages' JSON here.
            if request.is_json and not request.path.startswith("/api/"):
                fields.append(request.get_json(silent=True))
        if _unstorable(fields):
            abort(400)
