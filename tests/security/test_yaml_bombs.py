"""Questionnaire YAML built to exhaust the loader: alias bombs, deep nesting, node floods.

Each is a small file (a few kilobytes at most) that is refused with the loader's own error,
``DefinitionError``, naming the file and the reason; ``flask questionnaires validate`` and ``publish``
print that reason and exit non-zero instead of crashing or publishing.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from questionnaires import DefinitionError, load_text
from questionnaires.loader import MAX_FILE_BYTES
from questionnaires.yaml_io import MAX_DEPTH, MAX_NODES

FILE = "bomb.yaml"


def billion_laughs(levels: int = 9) -> str:
    """The classic: each level a list of nine aliases of the level below (9**levels strings if expanded)."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMBS = {
    "billion laughs": billion_laughs(),
    "block-style laughs": "a: &a\n  - lol\n  - lol\nb: &b\n  - *a\n  - *a\n  - *a\nc:\n  - *b\n  - *b\n",
    "alias inside a definition": "format: 1\nkey: &k bomb\nversion: *k\n",
    "merge key": "base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n",
    "self-referencing anchor": "a: &a [*a]\n",
}
DEEP = {
    "deep flow lists": "a: " + "[" * 10_000 + "]" * 10_000,
    "unclosed flow lists": "a: " + "[" * 100_000,
    "deep flow mappings": "a: " + "{b: " * 5_000 + "1" + "}" * 5_000,
    "deep block lists": "- " * 5_000 + "x\n",
}


def refused(text: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, FILE)
    return caught.value


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_alias_bombs_are_refused_by_the_loader(name):
    text = BOMBS[name]
    assert len(text.encode()) < 4096
    error = refused(text)
    assert [(p.file, p.path) for p in error.problems] == [(FILE, "")]
    assert "aliases (*name) are not allowed" in error.problems[0].reason


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_nesting_is_refused_by_the_loader_not_the_interpreter(name):
    text = DEEP[name]
    assert len(text.encode()) < MAX_FILE_BYTES
    error = refused(text)  # a RecursionError would escape this
    assert [(p.file, p.path) for p in error.problems] == [(FILE, "")]
    assert f"nested deeper than {MAX_DEPTH} levels" in error.problems[0].reason


def test_a_flood_of_nodes_and_an_oversized_file_are_refused():
    flood = "a: [" + "1," * (MAX_NODES + 1) + "1]\n"
    assert len(flood.encode()) < MAX_FILE_BYTES
    assert f"more than {MAX_NODES} YAML nodes" in refused(flood).problems[0].reason
    assert "larger than" in refused("# " + "x" * MAX_FILE_BYTES).problems[0].reason


def test_nesting_as_deep_as_a_definition_needs_still_loads_its_real_problems():
    # Eight levels, as deep as a real definition goes: the YAML is read and then checked for content.
    error = refused("a: " + "[" * 8 + "]" * 8 + "\n")
    assert all("nested deeper" not in p.reason and "not valid YAML" not in p.reason for p in error.problems)


@pytest.fixture
def bomb_files(tmp_path):
    files = {}
    for n, text in enumerate([*BOMBS.values(), *DEEP.values()]):
        path = tmp_path / f"bomb{n}.yaml"
        path.write_text(text, encoding="utf-8")
        files[path] = text
    return files


def test_the_validate_command_reports_each_bomb_and_exits_non_zero(app, bomb_files):
    runner = app.test_cli_runner()
    for path in bomb_files:
        result = runner.invoke(args=["questionnaires", "validate", str(path)])
        assert result.exit_code == 1, (path.name, result.output)
        assert isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
        assert path.name in result.output and "not valid YAML" in result.output, result.output


def test_the_publish_command_publishes_no_bomb(app, bomb_files):
    runner = app.test_cli_runner()
    for path in bomb_files:
        result = runner.invoke(args=["questionnaires", "publish", str(path)])
        assert result.exit_code == 1, (path.name, result.output)
        assert "not valid YAML" in result.output and "Traceback" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireVersion)) == 0
