"""Shared set-up for the supplier-side page tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.workflow_fixtures import generated_definition, only_assessment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def setup(make_buyer: Callable, make_supplier: Callable, make_campaign: Callable, **options: Any) -> tuple:
    """One launched campaign to one supplier: (assessment, buyer admin, supplier owner)."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin, **options))
    return assessment, admin, owner


def sized(
    make_buyer: Callable, make_supplier: Callable, make_campaign: Callable, make_version: Callable, size: int
) -> tuple:
    """:func:`setup` with a questionnaire of ``size`` T1 items, Q000 onwards (for query-count tests)."""
    return setup(make_buyer, make_supplier, make_campaign, version=make_version(generated_definition(size)))


def save(client: Any, assessment: Any, item_id: str, version: int = 0, **fields: Any) -> Any:
    return client.post(f"/assessments/{assessment.id}/items/{item_id}", json={"version": version, **fields})


def upload(client: Any, assessment: Any, item_id: str, *files: tuple[bytes, str]) -> Any:
    from io import BytesIO

    return client.post(
        f"/assessments/{assessment.id}/items/{item_id}/evidence",
        data={"files": [(BytesIO(content), name) for content, name in files]},
        content_type="multipart/form-data",
    )


#: Items shown by conditions on CLD-01: CLD-02, CLD-03 and STF-02 (another section, a text item) when the
#: supplier uses cloud services, CLD-04 when it does not. With nothing answered, CLD-01 and STF-01 are shown.
CONDITIONAL_DEFINITION = """\
format: 1
key: conditional-check
version: "1"
title: {ja: 条件付きの確認, en: Conditional check}
source: "Written by the project for tests"
licence: "Apache-2.0"
scales:
  yes-no:
    choices:
      - {code: "yes", label: {ja: はい, en: "Yes"}, value: 1.0}
      - {code: "no", label: {ja: いいえ, en: "No"}, value: 0.0}
  implementation:
    choices:
      - {code: "yes", label: {ja: 実施している, en: Implemented}, value: 1.0}
      - {code: "no", label: {ja: 実施していない, en: Not implemented}, value: 0.0}
  free-text:
    kind: text
sections:
  - id: cloud
    title: {ja: クラウド, en: Cloud}
    items:
      - id: CLD-01
        tier: T1
        text: {ja: クラウドサービスを利用していますか。, en: "Do you use cloud services?"}
        scale: yes-no
      - id: CLD-02
        tier: T1
        text: {ja: 利用するサービスを管理していますか。, en: "Do you keep a list of them?"}
        scale: implementation
        condition: "CLD-01 == yes"
      - id: CLD-03
        tier: T1
        text: {ja: 多要素認証を使っていますか。, en: "Do you use MFA for them?"}
        scale: implementation
        condition: "CLD-01 == yes"
      - id: CLD-04
        tier: T1
        text: {ja: 社内サーバーを管理していますか。, en: "Do you manage your own servers?"}
        scale: implementation
        condition: "CLD-01 == no"
  - id: staff
    title: {ja: 従業員, en: Staff}
    items:
      - id: STF-01
        tier: T1
        text: {ja: 従業員に教育をしていますか。, en: "Do you train your staff?"}
        scale: implementation
      - id: STF-02
        tier: T1
        text: {ja: クラウドの利用規則を記入してください。, en: "Describe your rules for cloud use."}
        scale: free-text
        condition: "CLD-01 == yes"
"""
