"""The OpenAPI 3.1 document, built from the registered operations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.api.framework import OPERATIONS, Operation, bp
from portal.api.schemas import ErrorBody

REF = "#/components/schemas/{model}"
_DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    202: "Accepted: the work continues in the background",
    204: "No content",
    400: "The body, query or a field is invalid (each field is named)",
    401: "No valid API token",
    403: "The caller's role may not do this",
    404: "Not found (also for other organisations' objects)",
    409: "Conflict with the current state",
    413: "The upload is too large",
    422: "A workflow rule is not met (e.g. items still missing)",
    429: "Too many requests: wait the seconds the Retry-After header gives",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorBody": ErrorBody}
    for op in OPERATIONS:
        for model in (op.body, op.query, *op.responses.values()):
            if isinstance(model, type) and issubclass(model, BaseModel):
                found[model.__name__] = model
    return list(found.values())


def _parameters(op: Operation) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", op.rule):
        schema: dict[str, Any] = (
            {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} if converter == "int" else {"type": "string"}
        )
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        for name, field in op.query.model_fields.items():
            schema = op.query.model_json_schema()["properties"][name]
            parameters.append({"name": name, "in": "query", "required": field.is_required(), "schema": schema})
    parameters.append(
        {
            "name": "X-Organization-Id",
            "in": "header",
            "required": False,
            "description": "The organisation to act for, when the token's user belongs to several",
            "schema": {"type": "string", "pattern": "^[0-9]{1,10}$"},
        }
    )
    parameters.append(
        {
            "name": "X-Side",
            "in": "header",
            "required": False,
            "description": "The side of the organisation to act on, when the token's user has a role on both "
            "(an organisation that buys and supplies); without it, the side whose role may do the operation",
            "schema": {"type": "string", "enum": ["buyer", "supplier"]},
        }
    )
    return parameters


def _content(model: type[BaseModel] | str | None, refs: dict[str, Any]) -> dict[str, Any] | None:
    if model is None:
        return None
    if model == "xlsx":
        return {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}}}
    assert isinstance(model, type)
    return {"application/json": {"schema": refs[model.__name__]}}


def build_document() -> dict[str, Any]:
    keyed, definitions = models_json_schema(
        [(model, "validation" if model is not ErrorBody else "serialization") for model in _models()],
        ref_template=REF,
    )
    refs = {model.__name__: schema for (model, _), schema in keyed.items()}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        responses: dict[str, Any] = {}
        for status, model in op.responses.items():
            responses[str(status)] = {"description": _DESCRIPTIONS.get(status, "OK")}
            content = _content(model, refs)
            if content:
                responses[str(status)]["content"] = content
        for status in op.errors:
            responses[str(status)] = {
                "description": _DESCRIPTIONS[status],
                "content": {"application/json": {"schema": refs["ErrorBody"]}},
            }
        described: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": _parameters(op),
            "responses": responses,
        }
        if op.body is not None:
            described["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[op.body.__name__]}},
            }
        if op.multipart:
            described["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {name: schema for name, (schema, _) in op.multipart.items()},
                            "required": [name for name, (_, required) in op.multipart.items() if required],
                        }
                    }
                },
            }
        paths.setdefault("/api/v1" + op.path, {})[op.method.lower()] = described
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Supply-chain security assessment portal API",
            "version": "1",
            "description": "Send an API token (created on the settings page or with `flask users token EMAIL`) as "
            '`Authorization: Bearer <token>`. Errors are `{"error": {"code", "message"}}`.',
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@bp.route("/openapi.json")
def openapi_document() -> Any:
    return jsonify(build_document())
