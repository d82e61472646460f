"""The mapping page's form keeps what it does not show: a mapping file uploaded again comes back out of the
form as it went in (columns the page shows, and the keys it does not)."""

from __future__ import annotations

import copy
from typing import Any

from portal.catalog.mapping_form import MappingForm, form_from_mapping, form_from_post, mapping_from_form
from tests.questionnaires.checksheet_workbooks import MAPPING


def posted(form: MappingForm) -> dict[str, str]:
    """What the browser posts for a form shown as ``form`` (its pickers, value tables and check boxes)."""
    data = {name: value for name, value in form.values.items() if value}
    for index, (value, kind, choices) in enumerate(form.answer_values):
        data |= {f"at_value_{index}": value, f"at_kind_{index}": kind, f"at_choices_{index}": choices}
    for index, (value, tier) in enumerate(form.tier_values):
        data |= {f"tv_value_{index}": value, f"tv_tier_{index}": tier}
    return data


def round_trip(mapping: dict[str, Any]) -> dict[str, Any]:
    form = form_from_post(posted(form_from_mapping(mapping, {"key": "k", "version": "1", "title": "t"})))
    assert form.errors == {}
    return mapping_from_form(form, mapping)


def test_the_test_workbooks_mapping_comes_back_as_it_went_in() -> None:
    expected = {key: value for key, value in copy.deepcopy(MAPPING).items() if key != "output"}
    result = round_trip(MAPPING)
    for key in ("sheet", "header_rows", "id", "sections", "text", "tiers", "answer_type", "follow_ups", "guidance"):
        assert result[key] == expected[key], key


def test_keys_the_page_does_not_show_are_kept() -> None:
    rich = {
        **MAPPING,
        "id": {"column": "A", "separator": ".", "levels": 3},
        "text": ["C", "G"],
        "sections": [{"title": "B", "id": "J"}],
        "headings": {"level": {"column": "K", "values": {"■": 1}}},
        "follow_ups": {"by": "id", "when": ["yes", "partial"]},
        "skip": [{"column": "C", "equals": "OR"}, {"column": "A", "empty": True}],
        "evidence": {"column": "H", "required": "always", "kinds": ["policy"]},
        "references": {"iso27001": "I", "jama": "J"},
        "encoding": "cp932",
    }
    result = round_trip(rich)
    for key in ("id", "text", "sections", "follow_ups", "skip", "evidence", "references", "encoding"):
        assert result[key] == rich[key], key
    assert result["headings"] == {"title": "C", "level": {"column": "K", "values": {"■": 1}}}
