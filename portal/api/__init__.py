"""The JSON API under /api/v1: bearer tokens, the same operations and permissions as the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from portal.api import (  # noqa: F401 (routes)
    assessments,
    audits,
    campaigns,
    catalog,
    claims,
    evidence,
    flow_down,
    openapi,
    registration,
    relationships,
    suppliers,
    transfers,
)
from portal.api.auth import Unauthorized, authenticate
from portal.api.framework import BodyInvalid, bp
from portal.assessments.operations import AnswerConflict, RuleViolation
from portal.errors import PortalError, TooManyRequests
from portal.extensions import db

PUBLIC = {"api.openapi_document"}


@bp.before_request
def _authenticate() -> None:
    if request.endpoint not in PUBLIC:
        authenticate()


@bp.errorhandler(PortalError)
def _error(error: PortalError) -> Any:
    db.session.rollback()
    detail: dict[str, Any] = {"code": error.code, "message": str(error.message)}
    if isinstance(error, BodyInvalid) and error.fields:
        detail["fields"] = error.fields
    if isinstance(error, RuleViolation):
        detail["missing"] = [{"item": m.item_id, "reason": m.reason} for m in error.missing]
    if isinstance(error, AnswerConflict):
        current = error.current
        detail["message"] = f"{current.item_id}: {detail['message']}"
    response = jsonify({"error": detail})
    response.status_code = error.http_status
    if isinstance(error, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def api_blueprint() -> Blueprint:
    return bp
