"""Every definition shipped under questionnaires/definitions/ validates (counts are asserted elsewhere)."""

from __future__ import annotations

from questionnaires import DefinitionError, builtin_definitions_dir, load_builtin, load_file


def test_every_definition_file_validates() -> None:
    directory = builtin_definitions_dir()
    files = sorted(directory.glob("*/*.yaml")) if directory.is_dir() else []
    problems: list[str] = []
    for path in files:
        try:
            assert list(load_file(path).items), f"{path} has no items"
        except DefinitionError as error:
            problems.extend(str(problem) for problem in error.problems)
    assert problems == []
    assert len(load_builtin()) == len(files)
