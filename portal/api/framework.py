"""How an API operation is declared: one decorator registers the route and describes it for OpenAPI.

Each operation names its action, its request body and query models, and its response model per status.
The same declaration asks the policy about the role, parses and validates the body (400 naming the field),
serialises the response through its model, commits the unit of work (``portal.unit_of_work``), and is
what ``openapi.py`` turns into the document, so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import FileStorage

from portal.api.auth import api_membership
from portal.errors import NotFound, PermissionDenied, UserInputError
from portal.organizations.models import Membership
from portal.policy import Action, may
from portal.unit_of_work import commit

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: The largest id a path or body may name (PostgreSQL ``integer``); larger ones are simply not found.
MAX_ID = 2**31 - 1


class BodyInvalid(UserInputError):
    """A request body or query that does not match its schema; names each field and what is wrong."""

    def __init__(self, message: object, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    #: what the caller's role must be allowed to do (``portal.policy``)
    action: Action
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    #: status → response model, ``None`` for no body, or ``"xlsx"`` for a workbook download
    responses: dict[int, type[BaseModel] | str | None]
    errors: tuple[int, ...]
    #: multipart form fields: name → (JSON schema, required)
    multipart: dict[str, tuple[dict[str, Any], bool]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The rule in OpenAPI's form: ``/suppliers/<int:supplier_id>`` → ``/suppliers/{supplier_id}``."""
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)


OPERATIONS: list[Operation] = []


def operation(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    action: Action,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | str | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    multipart: dict[str, tuple[dict[str, Any], bool]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``view(membership, **path_args[, body=..., query=...])`` as an API operation.

    The view's changes are committed when it returns (``portal.unit_of_work``). It returns its response
    model, a ``Response``, ``None``, or a function building one of these after the commit.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        described = Operation(
            method=method,
            rule=rule,
            endpoint=view.__name__,
            summary=summary,
            tag=tag,
            action=action,
            body=body,
            query=query,
            responses={status: response},
            errors=tuple(sorted({401, 403, *errors, *((400,) if body or query or multipart else ())})),
            multipart=multipart or {},
        )
        OPERATIONS.append(described)

        @wraps(view)
        def wrapped(**path_args: Any) -> Any:
            membership = api_membership(action)
            if not may(membership, action):
                raise PermissionDenied(_l("Your role may not do this."))
            if any(isinstance(value, int) and value > MAX_ID for value in path_args.values()):
                raise NotFound()
            arguments: dict[str, Any] = {}
            if body is not None:
                arguments["body"] = _parse(body, _json_body())
            if query is not None:
                arguments["query"] = _parse(query, request.args.to_dict())
            result = view(membership, **path_args, **arguments)
            # A raised PortalError never gets here: the blueprint's error handler rolls back instead.
            commit()
            if callable(result) and not isinstance(result, Response):  # shows what after-commit steps started
                result = result()
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status=status)
            return jsonify(result.model_dump(mode="json")), status

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return view

    return decorator


def _json_body() -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BodyInvalid(_l("The request body must be a JSON object."))
    return data


def uploaded_file() -> FileStorage:
    """The multipart request's ``file`` field, or a 400 naming it."""
    file = request.files.get("file")
    if file is None or not file.filename:
        raise BodyInvalid(_l("file: please send a file."), [{"field": "file", "message": "required"}])
    return file


def _parse(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = [
            {"field": ".".join(str(part) for part in problem["loc"]) or "(body)", "message": problem["msg"]}
            for problem in error.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        raise BodyInvalid(summary, fields) from None


def acting(membership: Membership) -> Any:
    """The organisation the caller acts for."""
    return membership.organization
