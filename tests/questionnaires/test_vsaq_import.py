"""The VSAQ importer on the real Google files (from the shared folder) and on small inline files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from questionnaires import build_questionnaire
from questionnaires.conditions import parse
from questionnaires.importers import definition_yaml, import_vsaq
from questionnaires.importers.lenient_json import LenientJsonError, parse_lenient_json

# The shared folder sits beside the repository root; its files are read in place, never copied in.
VSAQ_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "vsaq"
FILES = [
    "infrastructure.json",
    "physical_and_datacenter.json",
    "security_privacy_programs.json",
    "webapp.json",
    "test_template.json",
    "test_template_extension.json",
]
needs_shared = pytest.mark.skipif(not VSAQ_DIR.is_dir(), reason=f"{VSAQ_DIR} is not present (it is in CI)")
QUESTION_TYPES = {"radiogroup", "yesno", "check", "line", "box"}


def raw_json(path: Path) -> Any:
    """A deliberately simple reading, independent of the importer's lenient parser."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("//")]
    text = re.sub(r'"\s*\+\s*"', "", "\n".join(lines))
    return json.loads(re.sub(r",(\s*[\]}])", r"\1", text))


def expected_counts(items: list[dict[str, Any]]) -> tuple[int, int, dict[str, int]]:
    """(imported items, sections, choices per radiogroup) counted straight from the raw structure."""
    questions = sections = 0
    radios: dict[str, int] = {}
    for item in items:
        children = item.get("items", [])
        direct = sum(c["type"] in QUESTION_TYPES for c in children)
        direct += sum(len(c["choices"]) for c in children if c["type"] == "checkgroup")
        if item["type"] == "block" and direct:
            sections += 1
        if item["type"] in QUESTION_TYPES:
            questions += 1
        if item["type"] == "checkgroup":
            questions += len(item["choices"])
        if item["type"] == "radiogroup" and "id" in item:
            radios[item["id"]] = len(item["choices"])
        more = expected_counts(children)
        questions, sections = questions + more[0], sections + more[1]
        radios.update(more[2])
    return questions, sections, radios


@needs_shared
@pytest.mark.parametrize("name", FILES)
def test_real_files_import_and_validate(name: str) -> None:
    raw = raw_json(VSAQ_DIR / name)
    top = raw.get("questionnaire", raw.get("extensions"))
    questions, sections, radios = expected_counts(top)

    result = import_vsaq(VSAQ_DIR / name)
    _, questionnaire = definition_yaml(result.definition, name)

    assert len(list(questionnaire.items)) == questions
    assert len(questionnaire.sections) == sections
    for radio_id, choice_count in radios.items():
        assert len(questionnaire.scale_of(questionnaire.item(radio_id)).choices) == choice_count
    assert result.warnings[0] == "Japanese text is a copy of the English text: translation pending"
    assert all(item.text.ja == item.text.en for item in questionnaire.items)
    assert "<" not in "".join(item.text.en for item in questionnaire.items if "<b>" in item.text.en)


@needs_shared
def test_real_file_details() -> None:
    result = import_vsaq(VSAQ_DIR / "infrastructure.json")
    questionnaire = build_questionnaire(result.definition, "infrastructure.json")

    assert questionnaire.key == "vsaq-infrastructure"
    assert questionnaire.title.en == "Infrastructure Security Questionnaire"
    firewalls = questionnaire.item("network_firewalls")
    scale = questionnaire.scale_of(firewalls)
    # The choice that shows a warning tip scores 0, the other 1.
    assert [(c.code, c.value) for c in scale.choices] == [("yes", 1.0), ("no", 0.0)]
    assert questionnaire.item("req_sensitive").scale == "check"
    dropped = [w for w in result.warnings if "dropped" in w]
    assert dropped and all("tests whether an item is shown" in w for w in dropped)


INLINE = """// a comment
{
  "questionnaire": [
    {"type": "block", "id": "main", "text": "Main <b>block</b>", "items": [
      {"type": "checkgroup", "id": "opts", "text": "Options", "choices": [{"opt_a": "A"}, {"opt_b": "B"}]},
      {"type": "radiogroup", "id": "fw", "text": "Firewall" + " in place?", "choices": [
        {"fw_yes": "Yes"}, {"fw_no": "No"}]},
      {"type": "tip", "id": "warn_fw", "cond": "fw_no", "warn": "yes", "severity": "high", "text": "x"},
      {"type": "line", "id": "fw_name", "cond": "fw_yes && !opt_b", "text": "Which one?"},
      {"type": "box", "id": "fw_more", "cond": "^warn_fw", "text": "Tell more"},
      {"type": "block", "id": "sub", "cond": "opt_a || fw_no", "text": "Sub", "items": [
        {"type": "radiogroup", "id": "vpn", /* c */ "cond": "fw_yes", "text": "VPN?", "choices": [
          {"vpn_yes": "Yes"}, {"vpn_no": "No"},]}
      ]},
      {"type": "upload", "id": "file", "text": "Upload"},
    ]}
  ]
}
"""


def test_inline_file_conditions_and_scales(tmp_path: Path) -> None:
    (tmp_path / "mini_q.json").write_text(INLINE, encoding="utf-8")

    result = import_vsaq(tmp_path / "mini_q.json", key="mini", version="2026.1")
    questionnaire = build_questionnaire(result.definition, "mini.yaml")

    assert [item.id for item in questionnaire.items] == ["opt_a", "opt_b", "fw", "fw_name", "fw_more", "vpn"]
    assert [s.title.en for s in questionnaire.sections] == ["Main block", "Sub"]
    assert questionnaire.item("fw").text.en == "Firewall in place?"
    assert questionnaire.item("fw_name").condition == parse("fw == yes and not opt_b == yes")
    assert questionnaire.item("fw_more").condition is None
    assert questionnaire.item("vpn").condition == parse("(opt_a == yes or fw == no) and fw == yes")
    assert questionnaire.scales["free-text"].kind == "text"
    assert questionnaire.item("fw_name").required is False
    assert any("fw_more: condition '^warn_fw' dropped" in warning for warning in result.warnings)


def test_lenient_json() -> None:
    text = '// c\n{"a": "x" +\n "y" /* z */ + "w", "b": [1, 2,], "u": "http://e.org//p", "q": "\\"//\\"",}'
    assert parse_lenient_json(text) == {"a": "xyw", "b": [1, 2], "u": "http://e.org//p", "q": '"//"'}
    with pytest.raises(LenientJsonError):
        parse_lenient_json("[" * 200 + "]" * 200)
    with pytest.raises(LenientJsonError):
        parse_lenient_json('{"a": "open')
