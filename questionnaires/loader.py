"""Loading definition files: ``definitions/<key>/<version>.yaml``, validated on load."""

from __future__ import annotations

from pathlib import Path

import yaml

from questionnaires.errors import DefinitionError, Problem
from questionnaires.model import Questionnaire
from questionnaires.validation import build_questionnaire
from questionnaires.yaml_io import read_yaml

MAX_FILE_BYTES = 2 * 1024 * 1024


def builtin_definitions_dir() -> Path:
    """The directory holding the built-in definitions shipped with the package."""
    return Path(__file__).resolve().parent / "definitions"


def load_text(text: str, filename: str) -> Questionnaire:
    """Validate definition YAML text; ``filename`` is only used to name the file in problems.

    :raises DefinitionError: for unreadable YAML or any invalid content.
    """
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise DefinitionError([Problem(filename, "", f"larger than {MAX_FILE_BYTES} bytes")])
    try:
        data = read_yaml(text)
    except yaml.YAMLError as error:
        raise DefinitionError([Problem(filename, "", f"not valid YAML: {_one_line(error)}")]) from None
    return build_questionnaire(data, filename)


def load_file(path: str | Path, display_name: str | None = None) -> Questionnaire:
    """Load and validate one definition file.

    ``display_name`` names the file in problems; by default the last two path parts
    (``supply-chain/2026.1.yaml``).
    """
    path = Path(path)
    name = display_name or (f"{path.parent.name}/{path.name}" if path.parent.name else path.name)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DefinitionError([Problem(name, "", f"larger than {MAX_FILE_BYTES} bytes")])
        raw = path.read_bytes()
    except OSError as error:
        raise DefinitionError([Problem(name, "", f"cannot be read: {error.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DefinitionError([Problem(name, "", "is not UTF-8 text")]) from None
    return load_text(text, name)


def load_directory(path: str | Path) -> list[Questionnaire]:
    """Load every ``<key>/<version>.yaml`` under ``path``, sorted by key and version.

    Each file's ``key`` and ``version`` must match its place in the tree, and a key/version pair may
    appear once. Problems from all files are collected into one :class:`DefinitionError`.
    """
    root = Path(path)
    problems: list[Problem] = []
    loaded: list[Questionnaire] = []
    for file in sorted(root.glob("*/*.yaml")):
        name = file.relative_to(root).as_posix()
        try:
            questionnaire = load_file(file, name)
        except DefinitionError as error:
            problems.extend(error.problems)
            continue
        if questionnaire.key != file.parent.name:
            problems.append(Problem(name, "key", f"must match the directory name {file.parent.name!r}"))
        elif questionnaire.version != file.stem:
            problems.append(Problem(name, "version", f"must match the file name {file.stem!r}"))
        else:
            loaded.append(questionnaire)
    if problems:
        raise DefinitionError(problems)
    return sorted(loaded, key=lambda q: (q.key, q.version))


def load_builtin() -> list[Questionnaire]:
    """Every built-in definition (empty when the package ships none)."""
    directory = builtin_definitions_dir()
    return load_directory(directory) if directory.is_dir() else []


def _one_line(error: yaml.YAMLError) -> str:
    return " ".join(str(error).split())
