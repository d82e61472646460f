"""Hostile values and the checks every security test shares."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from markupsafe import escape

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
#: What must never reach a page unescaped.
RAW_MARKERS = (SCRIPT, "<img src=x onerror")
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&lt;img src=x onerror=alert(1)&gt;"

#: Text that a spreadsheet program would read as a formula (or DDE) if it were not stored as text.
FORMULAS = ('=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def hostile(tag: str) -> str:
    """Both payloads, between a tag that says which field the text was typed into."""
    return f"{tag} {SCRIPT} {IMG} {tag}"


def escaped(tag: str) -> str:
    """The text of :func:`hostile` as an HTML page must show it."""
    return str(escape(hostile(tag)))


def assert_nothing_raw(page: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in page, f"{marker!r} unescaped on {where}"


def assert_shown_escaped(page: str, where: str, *tags: str) -> None:
    """No payload unescaped, and each tagged value present in its escaped form."""
    assert_nothing_raw(page, where)
    assert ESCAPED_SCRIPT in page and ESCAPED_IMG in page, f"no escaped payload on {where}"
    for tag in tags:
        assert escaped(tag) in page, f"{tag} is not shown escaped on {where}"


def yaml_text(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def hostile_definition(text: Any, key: str = "hostile-check") -> str:
    """A questionnaire definition whose every displayed text is ``text(tag)``: three sections, five items."""

    def t(tag: str) -> str:
        value = yaml_text(text(tag))
        return f"{{ja: {value}, en: {value}}}"

    return f"""\
format: 1
key: {key}
version: "1"
title: {t("q-title")}
source: "Written by the project for tests"
licence: "Apache-2.0"
scales:
  implementation:
    choices:
      - {{code: "yes", label: {t("q-label-yes")}, value: 1.0}}
      - {{code: partial, label: {{ja: 一部実施している, en: Partially implemented}}, value: 0.5}}
      - {{code: "no", label: {{ja: 実施していない, en: Not implemented}}, value: 0.0}}
      - {{code: unknown, label: {{ja: わからない, en: "Don't know"}}, value: 0.0}}
      - {{code: na, label: {{ja: 該当しない, en: Not applicable}}, value: null}}
sections:
  - id: policy
    title: {t("q-section-policy")}
    items:
      - id: POL-01
        tier: T1
        text: {t("q-item-pol01")}
        guidance: {t("q-guidance-pol01")}
        scale: implementation
        critical: true
        evidence: {{required: if_implemented, kinds: [policy], description: {t("q-evidence-pol01")}}}
      - id: POL-02
        tier: T2
        text: {t("q-item-pol02")}
        scale: implementation
  - id: staff
    title: {t("q-section-staff")}
    items:
      - id: STF-01
        tier: T1
        text: {t("q-item-stf01")}
        scale: implementation
      - id: STF-02
        tier: T1
        text: {t("q-item-stf02")}
        scale: implementation
  - id: ops
    title: {t("q-section-ops")}
    items:
      - id: OPS-01
        tier: T1
        text: {t("q-item-ops01")}
        scale: implementation
"""


def form_field_value(page: str, field_id: str) -> str:
    """The value of the WTForms field rendered with ``id=field_id`` (the layout has other ``next`` fields)."""
    match = re.search(rf'<input id="{field_id}"[^>]*value="([^"]*)"', page)
    assert match is not None, f"no field {field_id}"
    return html.unescape(match.group(1))
