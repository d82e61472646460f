"""Schemathesis against /api/v1/openapi.json: generated requests never get a 5xx, and every response
matches the schema the document gives for its status."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.framework import OPERATIONS
from tests.portal.api.helpers import token_for
from tests.workflow_fixtures import only_assessment

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_document_lists_every_api_route_and_nothing_else(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    declared = {(op.method, "/api/v1" + op.rule) for op in OPERATIONS}
    assert routes == declared
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert described == {(op.method, "/api/v1" + op.path) for op in OPERATIONS}


@pytest.mark.parametrize("who", ["buyer admin", "supplier owner"])
def test_generated_requests_get_no_server_error_and_match_the_schema(
    app, who, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    only_assessment(make_campaign(buyer, [supplier], by=admin, due_in_days=20))
    headers = token_for(admin if who == "buyer admin" else owner)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(OPERATIONS)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
