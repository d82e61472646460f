"""Shared fixtures for the questionnaire engine tests."""

from __future__ import annotations

import pytest

SMALL_DEFINITION = """\
format: 1
key: small-check
version: "2026.1"
title: {ja: 小さな確認, en: Small check}
source: "Written by the project for tests"
licence: "Apache-2.0"
scoring:
  model: default
scales:
  implementation:
    choices:
      - {code: yes, label: {ja: 実施している, en: Implemented}, value: 1.0}
      - {code: partial, label: {ja: 一部実施している, en: Partially implemented}, value: 0.5}
      - {code: no, label: {ja: 実施していない, en: Not implemented}, value: 0.0}
      - {code: unknown, label: {ja: わからない, en: "Don't know"}, value: 0.0}
      - {code: na, label: {ja: 該当しない, en: Not applicable}, value: null}
sections:
  - id: governance
    title: {ja: 経営層の関与, en: Management involvement}
    items:
      - id: GOV-01
        tier: T1
        text: {ja: 方針を定めていますか, en: "Do you have a policy?"}
        guidance: {ja: 文書化された方針, en: A written policy}
        scale: implementation
        critical: true
        evidence:
          required: if_implemented
          kinds: [policy]
          max_age_days: 365
        references:
          ipa_5min: [Q3]
          meti_scs: ["1-1-1-1"]
      - id: GOV-02
        tier: T2
        text: {ja: 方針を見直していますか, en: "Do you review it?"}
        scale: implementation
        weight: 2
        condition: "GOV-01 in [yes, partial]"
  - id: staff
    title: {ja: 従業員, en: Staff}
    items:
      - id: STF-01
        tier: T3
        text: {ja: 教育をしていますか, en: "Do you train staff?"}
        scale: implementation
        required: false
        condition: "not GOV-02 == no and GOV-01 != na"
"""


@pytest.fixture
def small_definition() -> str:
    """A valid definition as YAML text."""
    return SMALL_DEFINITION
