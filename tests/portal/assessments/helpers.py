"""Shared set-up for the supplier-side page tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from tests.workflow_fixtures import only_assessment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def setup(make_buyer: Callable, make_supplier: Callable, make_campaign: Callable, **options: Any) -> tuple:
    """One launched campaign to one supplier: (assessment, buyer admin, supplier owner)."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, **options))
    return assessment, admin, owner


def save(client: Any, assessment: Any, item_id: str, version: int = 0, **fields: Any) -> Any:
    return client.post(f"/assessments/{assessment.id}/items/{item_id}", json={"version": version, **fields})


def upload(client: Any, assessment: Any, item_id: str, *files: tuple[bytes, str]) -> Any:
    from io import BytesIO

    return client.post(
        f"/assessments/{assessment.id}/items/{item_id}/evidence",
        data={"files": [(BytesIO(content), name) for content, name in files]},
        content_type="multipart/form-data",
    )


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
