"""The mapping keys that say what each row of a checksheet is and how it is answered (see FORMAT.md).

``answer_type`` (a column naming each row's answer scale), ``follow_ups`` (questions shown after "yes" to the
question above them), ``headings`` (rows that open a section), ``skip`` and ``explanatory`` (rows left out or
kept as section guidance), and the ``weight``, ``critical`` and ``evidence`` columns.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from questionnaires.importers.mapping import ColumnRef, TableImportError, _column, _dict

ROW_KEYS = frozenset({"answer_type", "follow_ups", "headings", "skip", "explanatory", "weight", "critical", "evidence"})

_YES = {"code": "yes", "label": {"ja": "はい", "en": "Yes"}, "value": 1.0}
_NO = {"code": "no", "label": {"ja": "いいえ", "en": "No"}, "value": 0.0}
_NA = {"code": "na", "label": {"ja": "該当しない", "en": "Not applicable"}, "value": None}
#: The answer types a mapping may name besides its own ``output.scales``.
BUILTIN_SCALES: dict[str, dict[str, Any]] = {
    "yes-no": {"choices": [_YES, _NO]},
    "yes-no-na": {"choices": [_YES, _NO, _NA]},
    "text": {"kind": "text"},
}
#: Cell values read as "marked" or "not marked" in the critical and evidence columns (after :func:`fold`).
MARKED = frozenset({"○", "〇", "◯", "●", "◎", "✓", "✔", "yes", "y", "true", "1", "はい", "必須", "重要", "要"})
UNMARKED = frozenset({"", "-", "×", "✕", "✗", "no", "n", "false", "0", "いいえ", "不要", "任意"})


def fold(value: str) -> str:
    """A cell value made comparable: NFKC (full-width letters, ``Ｙ／Ｎ``), lower case, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()


@dataclass(frozen=True)
class RowTest:
    """A row matches when the column's cell is empty (``empty``) or equals one of ``equals`` (folded)."""

    column: ColumnRef
    empty: bool = False
    equals: frozenset[str] = frozenset()

    def matches(self, cell: str) -> bool:
        value = fold(cell)
        return (self.empty and not value) or value in self.equals


@dataclass(frozen=True)
class AnswerTypes:
    """Each row's scale named by the value of ``column`` (folded cell value → scale id)."""

    column: ColumnRef
    values: dict[str, str]
    default: str | None = None
    #: Scales made for custom choice lists, by the scale id the values point at.
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Headings:
    """Rows opening a section: those without question text, or with a level marker or depth."""

    title: ColumnRef | None = None
    level: ColumnRef | None = None
    level_values: dict[str, int] = field(default_factory=dict)
    depth: ColumnRef | None = None


@dataclass(frozen=True)
class FollowUps:
    """Questions nested under another (by id, ``2.1`` → ``2.1.1``, or by a depth column) and shown when it is
    answered with one of ``when``."""

    by: str = "id"
    depth: ColumnRef | None = None
    when: tuple[str, ...] = ("yes",)


@dataclass(frozen=True)
class RowRules:
    answer_types: AnswerTypes | None = None
    follow_ups: FollowUps | None = None
    headings: Headings | None = None
    skip: tuple[RowTest, ...] = ()
    explanatory: tuple[RowTest, ...] = ()
    weight: ColumnRef | None = None
    critical: ColumnRef | None = None
    evidence: ColumnRef | None = None
    evidence_rule: dict[str, Any] = field(default_factory=dict)

    def columns(self) -> list[ColumnRef]:
        refs: list[ColumnRef | None] = [test.column for test in (*self.skip, *self.explanatory)]
        refs += [self.weight, self.critical, self.evidence]
        if self.answer_types is not None:
            refs.append(self.answer_types.column)
        if self.follow_ups is not None:
            refs.append(self.follow_ups.depth)
        if self.headings is not None:
            refs += [self.headings.title, self.headings.level, self.headings.depth]
        return [ref for ref in refs if ref is not None]


def parse_row_rules(top: dict[str, Any], scales: dict[str, Any]) -> RowRules:
    """The row keys of a mapping; ``scales`` are the mapping's own ``output.scales`` (answer types may name them)."""
    evidence, rule = _evidence(top["evidence"]) if "evidence" in top else (None, {})
    return RowRules(
        answer_types=_answer_types(top["answer_type"], scales) if "answer_type" in top else None,
        follow_ups=_follow_ups(top["follow_ups"]) if "follow_ups" in top else None,
        headings=_headings(top["headings"]) if "headings" in top else None,
        skip=_tests(top.get("skip", []), "skip"),
        explanatory=_tests(top.get("explanatory", []), "explanatory"),
        weight=_column(top["weight"], "weight") if "weight" in top else None,
        critical=_column(top["critical"], "critical") if "critical" in top else None,
        evidence=evidence,
        evidence_rule=rule,
    )


def _answer_types(raw: object, scales: dict[str, Any]) -> AnswerTypes:
    spec = _dict(raw, "answer_type", {"column", "values", "default"})
    values = _dict(spec.get("values"), "answer_type.values", None)
    made: dict[str, dict[str, Any]] = {}
    known = set(BUILTIN_SCALES) | set(scales) | {"implementation"}
    folded: dict[str, str] = {}
    for number, (marker, target) in enumerate(values.items(), start=1):
        where = f"answer_type.values.{marker}"
        if isinstance(target, dict):
            scale_id = f"choice-{number}"
            made[scale_id] = _choice_list(target, where)
        elif isinstance(target, str) and target in known:
            scale_id = target
        else:
            raise TableImportError(
                f"mapping: {where}: must be one of {', '.join(sorted(known))} or {{choices: [...]}} (got {target!r})"
            )
        folded[fold(str(marker))] = scale_id
    default = spec.get("default")
    if default is not None and (not isinstance(default, str) or default not in known):
        raise TableImportError(f"mapping: answer_type.default: must be one of {', '.join(sorted(known))}")
    return AnswerTypes(_column(spec.get("column"), "answer_type.column"), folded, default, made)


def _choice_list(raw: dict[str, Any], where: str) -> dict[str, Any]:
    spec = _dict(raw, where, {"choices"})
    choices = spec.get("choices")
    if not isinstance(choices, list) or not choices or len(choices) > 50:
        raise TableImportError(f"mapping: {where}.choices: must list 1 to 50 choices")
    made = []
    for index, choice in enumerate(choices, start=1):
        if isinstance(choice, dict):
            entry = _dict(choice, f"{where}.choices[{index - 1}]", {"label", "value"})
            label, value = entry.get("label"), entry.get("value")
        else:
            label, value = choice, None
        if not isinstance(label, str | int | float) or not str(label).strip():
            raise TableImportError(f"mapping: {where}.choices[{index - 1}]: needs a label")
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise TableImportError(f"mapping: {where}.choices[{index - 1}].value: must be a number or null")
        text = str(label).strip()
        made.append({"code": f"c{index}", "label": {"ja": text, "en": text}, "value": value})
    return {"choices": made}


def _follow_ups(raw: object) -> FollowUps:
    spec = _dict(raw, "follow_ups", {"by", "column", "when"})
    by = spec.get("by", "id")
    if by not in ("id", "depth"):
        raise TableImportError(f"mapping: follow_ups.by: must be id or depth (got {by!r})")
    depth = _column(spec.get("column"), "follow_ups.column") if by == "depth" else None
    when = spec.get("when", ["yes"])
    when = [when] if isinstance(when, str) else when
    if not isinstance(when, list) or not when or not all(isinstance(code, str) and code for code in when):
        raise TableImportError("mapping: follow_ups.when: must be an answer code or a list of them, e.g. [yes]")
    return FollowUps(str(by), depth, tuple(when))


def _headings(raw: object) -> Headings:
    spec = _dict(raw if raw is not True else {}, "headings", {"title", "level", "depth"})
    level, level_values = None, {}
    if "level" in spec:
        level_spec = _dict(spec["level"], "headings.level", {"column", "values"})
        level = _column(level_spec.get("column"), "headings.level.column")
        for marker, number in _dict(level_spec.get("values"), "headings.level.values", None).items():
            if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 9:
                raise TableImportError(f"mapping: headings.level.values.{marker}: must be a whole number from 1 to 9")
            level_values[fold(str(marker))] = number
    return Headings(
        title=_column(spec["title"], "headings.title") if "title" in spec else None,
        level=level,
        level_values=level_values,
        depth=_column(spec["depth"], "headings.depth") if "depth" in spec else None,
    )


def _tests(raw: object, where: str) -> tuple[RowTest, ...]:
    items = raw if isinstance(raw, list) else [raw]
    tests = []
    for index, item in enumerate(items):
        spec = _dict(item, f"{where}[{index}]", {"column", "empty", "equals"})
        equals = spec.get("equals", [])
        equals = equals if isinstance(equals, list) else [equals]
        if spec.get("empty") not in (None, True, False) or not all(isinstance(v, str | int) for v in equals):
            raise TableImportError(
                f"mapping: {where}[{index}]: write {{column: X, empty: true}} or {{column: Y, equals: OR}}"
            )
        if not spec.get("empty") and not equals:
            raise TableImportError(f"mapping: {where}[{index}]: give empty: true or equals: <text>")
        column = _column(spec.get("column"), f"{where}[{index}].column")
        tests.append(RowTest(column, bool(spec.get("empty")), frozenset(fold(str(v)) for v in equals)))
    return tuple(tests)


def _evidence(raw: object) -> tuple[ColumnRef, dict[str, Any]]:
    if isinstance(raw, dict) and "column" in raw:
        spec = _dict(raw, "evidence", {"column", "required", "kinds"})
        rule: dict[str, Any] = {key: spec[key] for key in ("required", "kinds") if key in spec}
        return _column(spec["column"], "evidence.column"), rule
    return _column(raw, "evidence"), {}
