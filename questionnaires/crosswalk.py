"""The crosswalk (対応表): which references of one scheme correspond to which of another, and item matching.

Two items MATCH when they share a reference in the same scheme (``same_reference``) or are the same item of
the same questionnaire (``same_item``); they are RELATED when a crosswalk file maps one's reference onto the
other's (``related``). The files are ``crosswalks/*.csv`` (see ``crosswalks/README.md``).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Generic, Literal, TypeVar

from questionnaires.errors import DefinitionError, Problem
from questionnaires.model import Item, Questionnaire, Tier
from questionnaires.references import SCHEMES, canonical_refs, is_canonical

MatchKind = Literal["same_item", "same_reference", "related"]
#: Closest first.
MATCH_KINDS: tuple[MatchKind, ...] = ("same_item", "same_reference", "related")
Ref = tuple[str, str]
HEADER = ["scheme", "ref", "related_scheme", "related_ref", "cited_by"]
T = TypeVar("T")


def crosswalks_dir() -> Path:
    """The directory holding the crosswalk files shipped with the package."""
    return Path(__file__).resolve().parent / "crosswalks"


@dataclass(frozen=True)
class Crosswalk:
    """Pairs of references that correspond, per file; symmetric."""

    pairs: Mapping[str, tuple[tuple[Ref, Ref], ...]]
    _neighbours: Mapping[Ref, frozenset[Ref]] = field(repr=False, compare=False)

    @classmethod
    def from_pairs(cls, pairs: Mapping[str, tuple[tuple[Ref, Ref], ...]]) -> Crosswalk:
        """A crosswalk of these pairs (file name → pairs)."""
        neighbours: defaultdict[Ref, set[Ref]] = defaultdict(set)
        for file_pairs in pairs.values():
            for a, b in file_pairs:
                neighbours[a].add(b)
                neighbours[b].add(a)
        return cls(pairs, {ref: frozenset(refs) for ref, refs in neighbours.items()})

    def related(self, ref: Ref) -> frozenset[Ref]:
        """The references a crosswalk file maps ``(scheme, ref)`` onto."""
        return self._neighbours.get(ref, frozenset())

    def count(self, file: str, scheme: str, related_scheme: str) -> int:
        """How many pairs of ``file`` join these two schemes (in either order)."""
        wanted = {scheme, related_scheme}
        return sum(1 for a, b in self.pairs[file] if {a[0], b[0]} == wanted)


def read_crosswalk_file(path: Path) -> tuple[tuple[Ref, Ref], ...]:
    """The pairs of one crosswalk CSV file.

    :raises DefinitionError: naming the file and line of every unknown scheme, reference that is not
        canonical, pair of a reference with itself, and pair already given (in either order).
    """
    name = path.name
    problems: list[Problem] = []
    pairs: dict[frozenset[Ref], int] = {}
    ordered: list[tuple[Ref, Ref]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        if next(reader, None) != HEADER:
            raise DefinitionError([Problem(name, "line 1", f"the header must be {','.join(HEADER)}")])
        for row in reader:
            where = f"line {reader.line_num}"
            if len(row) != len(HEADER):
                problems.append(Problem(name, where, f"needs {len(HEADER)} columns, has {len(row)}"))
                continue
            a, b = (row[0], row[1]), (row[2], row[3])
            reasons = [_bad_ref(ref) for ref in (a, b)]
            if a == b:
                reasons.append("maps a reference onto itself")
            elif frozenset((a, b)) in pairs:
                reasons.append(f"the same pair as line {pairs[frozenset((a, b))]}")
            problems.extend(Problem(name, where, reason) for reason in reasons if reason)
            if not any(reasons):
                pairs[frozenset((a, b))] = reader.line_num
                ordered.append((a, b))
    if problems:
        raise DefinitionError(problems)
    return tuple(ordered)


def _bad_ref(ref: Ref) -> str | None:
    scheme, value = ref
    if scheme not in SCHEMES:
        return f"unknown scheme {scheme!r} (known: {', '.join(sorted(SCHEMES))})"
    if not is_canonical(scheme, value):
        return f"{value!r} is not a {scheme} reference written canonically"
    return None


def load_crosswalk(directory: Path | None = None) -> Crosswalk:
    """Every ``*.csv`` crosswalk in ``directory`` (default: the shipped ones, read once and cached)."""
    return _load(directory or crosswalks_dir())


@lru_cache(maxsize=4)
def _load(directory: Path) -> Crosswalk:
    problems: list[Problem] = []
    pairs: dict[str, tuple[tuple[Ref, Ref], ...]] = {}
    for path in sorted(directory.glob("*.csv")):
        try:
            pairs[path.name] = read_crosswalk_file(path)
        except DefinitionError as error:
            problems.extend(error.problems)
    if problems:
        raise DefinitionError(problems)
    return Crosswalk.from_pairs(pairs)


def reference_keys(references: Mapping[str, Sequence[str]]) -> frozenset[Ref]:
    """An item's references as canonical ``(scheme, ref)`` pairs."""
    return frozenset(
        (scheme, ref) for scheme, raws in references.items() for raw in raws for ref in canonical_refs(scheme, raw)
    )


def match(
    item_a: Item,
    item_b: Item,
    *,
    same_questionnaire: bool = False,
    crosswalk: Crosswalk | None = None,
) -> MatchKind | None:
    """How closely two items correspond, or None; ``same_questionnaire``: both belong to one questionnaire key."""
    if same_questionnaire and item_a.id == item_b.id:
        return "same_item"
    if shared_references(item_a, item_b):
        return "same_reference"
    return "related" if linking_pairs(item_a, item_b, crosswalk) else None


def shared_references(item_a: Item, item_b: Item) -> list[Ref]:
    """The canonical references both items cite, sorted: why they match by reference."""
    return sorted(reference_keys(item_a.references) & reference_keys(item_b.references))


def linking_pairs(item_a: Item, item_b: Item, crosswalk: Crosswalk | None = None) -> list[tuple[Ref, Ref]]:
    """The crosswalk pairs (a reference of ``item_a``, one of ``item_b``) that relate the two items, sorted."""
    crosswalk = crosswalk or load_crosswalk()
    refs_b = reference_keys(item_b.references)
    return sorted(
        (ref, other) for ref in reference_keys(item_a.references) for other in crosswalk.related(ref) & refs_b
    )


@dataclass
class Matcher(Generic[T]):
    """An index of entries (answers, items) by questionnaire item and by reference, for fast look-ups.

    ``candidates`` costs one dictionary look-up per reference of the asked item and per crosswalk neighbour,
    however many entries there are.
    """

    crosswalk: Crosswalk = field(default_factory=lambda: load_crosswalk())
    _by_item: defaultdict[tuple[str, str], list[T]] = field(default_factory=lambda: defaultdict(list))
    _by_ref: defaultdict[Ref, list[T]] = field(default_factory=lambda: defaultdict(list))

    def add(self, value: T, *, questionnaire: str, item_id: str, references: Mapping[str, Sequence[str]]) -> None:
        """Index ``value``, which answers item ``item_id`` of questionnaire key ``questionnaire``."""
        self._by_item[(questionnaire, item_id)].append(value)
        for ref in reference_keys(references):
            self._by_ref[ref].append(value)

    def candidates(self, item: Item, *, questionnaire: str | None = None) -> list[tuple[MatchKind, T]]:
        """The indexed values matching ``item`` (of questionnaire key ``questionnaire``), closest first.

        Each value comes once (values are told apart by identity), with its closest kind; within a kind, by
        reference and then in the order added.
        """
        found: dict[int, tuple[MatchKind, T]] = {}
        refs = sorted(reference_keys(item.references))
        near = sorted({other for ref in refs for other in self.crosswalk.related(ref)})
        groups: list[tuple[MatchKind, Iterable[T]]] = [
            ("same_item", self._by_item.get((questionnaire, item.id), []) if questionnaire is not None else []),
            ("same_reference", _chain(self._by_ref.get(ref, []) for ref in refs)),
            ("related", _chain(self._by_ref.get(ref, []) for ref in near)),
        ]
        for kind, values in groups:
            for value in values:
                found.setdefault(id(value), (kind, value))
        return sorted(found.values(), key=lambda pair: MATCH_KINDS.index(pair[0]))

    @classmethod
    def of_questionnaire(
        cls,
        questionnaire: Questionnaire,
        crosswalk: Crosswalk | None = None,
        tier: Tier | str | None = None,
    ) -> Matcher[Item]:
        """A matcher over the items of ``questionnaire`` (those of an assessment at ``tier``, if given)."""
        matcher: Matcher[Item] = Matcher(crosswalk or load_crosswalk())
        for item in _items(questionnaire, tier):
            matcher.add(item, questionnaire=questionnaire.key, item_id=item.id, references=item.references)
        return matcher


def _items(questionnaire: Questionnaire, tier: Tier | str | None) -> Iterable[Item]:
    return questionnaire.items if tier is None else questionnaire.items_for_tier(tier)


def _chain(groups: Iterable[Iterable[T]]) -> Iterator[T]:
    for group in groups:
        yield from group


@dataclass(frozen=True)
class ItemCoverage:
    """How many items of another questionnaire one item covers, exactly (same item or reference) and by relation."""

    item: Item
    exact: int
    related: int


def coverage(
    first: Questionnaire,
    second: Questionnaire,
    crosswalk: Crosswalk | None = None,
    *,
    tiers: tuple[Tier | str | None, Tier | str | None] = (None, None),
) -> list[ItemCoverage]:
    """For each item of ``first``, how many items of ``second`` it covers exactly and (only) by relation.

    ``tiers`` limits each questionnaire to the items of an assessment at that tier (None: every item).
    """
    matcher = Matcher.of_questionnaire(second, crosswalk, tiers[1])
    result = []
    for item in _items(first, tiers[0]):
        kinds = [kind for kind, _ in matcher.candidates(item, questionnaire=first.key)]
        exact = sum(1 for kind in kinds if kind != "related")
        result.append(ItemCoverage(item, exact, len(kinds) - exact))
    return result


@dataclass(frozen=True)
class CoverageTotals:
    """Of a questionnaire's items: how many cover some item of the other exactly, only by relation, or none."""

    exact: int
    related: int
    none: int

    @classmethod
    def of(cls, rows: Sequence[ItemCoverage]) -> CoverageTotals:
        """The totals of :func:`coverage` rows."""
        exact = sum(1 for row in rows if row.exact)
        related = sum(1 for row in rows if not row.exact and row.related)
        return cls(exact, related, len(rows) - exact - related)
