"""Frozen, validated questionnaire objects and their serialisation back to the definition structure."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from questionnaires.conditions import Condition, unparse

FORMAT_VERSION = 1

EvidenceRequirement = Literal["never", "always", "if_implemented"]
EVIDENCE_REQUIREMENTS: tuple[EvidenceRequirement, ...] = ("never", "always", "if_implemented")
#: The answer that says a measure is implemented (product.md §7): what ``if_implemented`` asks evidence for.
IMPLEMENTED_CODE = "yes"
#: How :meth:`EvidenceRule.describe` words a rule in templates and documents outside the web pages.
EVIDENCE_WORDS = {
    "ja": {"never": "不要", "always": "必須", "when": "{}の場合は必須", "quote": "「{}」", "or": "または"},
    "en": {
        "never": "Not needed",
        "always": "Required",
        "when": "Required when answered {}",
        "quote": "“{}”",
        "or": " or ",
    },
}
EVIDENCE_KINDS = ("policy", "certificate", "pledge", "record", "screenshot", "contract", "other")
ScaleKind = Literal["choice", "text"]
ScoringModelName = Literal["default", "ipa_points", "meti_scs", "jama_levels", "aichi"]
SCORING_MODELS: tuple[ScoringModelName, ...] = ("default", "ipa_points", "meti_scs", "jama_levels", "aichi")
#: The models whose verdict is a level (achieved / requested) rather than a grade.
LEVEL_MODELS: tuple[ScoringModelName, ...] = ("meti_scs", "jama_levels")
#: ``jama_levels``: the cumulative rate (percent) a level needs when the definition does not say.
DEFAULT_LEVEL_THRESHOLD = 100.0


class Tier(StrEnum):
    """Cumulative assessment tiers: an assessment at T2 contains every T1 and T2 item."""

    T1 = "T1"
    T2 = "T2"
    T3 = "T3"

    @property
    def rank(self) -> int:
        """1 for T1, 2 for T2, 3 for T3."""
        return int(self.value[1:])

    def includes(self, other: Tier) -> bool:
        """True when an assessment at this tier contains items of tier ``other``."""
        return other.rank <= self.rank


@dataclass(frozen=True)
class Text:
    """A bilingual text; Japanese is the primary language."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("ja" or "en"), falling back to Japanese."""
        return self.en if lang == "en" else self.ja

    def to_dict(self) -> dict[str, str]:
        """The ``{ja, en}`` mapping of the definition format."""
        return {"ja": self.ja, "en": self.en}


#: The names of the tiers of a questionnaire that does not name its own levels.
DEFAULT_LEVEL_NAMES: Mapping[Tier, Text] = {
    Tier.T1: Text("基本", "Basic"),
    Tier.T2: Text("標準", "Standard"),
    Tier.T3: Text("高度", "Advanced"),
}


@dataclass(frozen=True)
class Choice:
    """One answer option; ``value`` None means the answer is left out of rates (e.g. not applicable)."""

    code: str
    label: Text
    value: float | None

    def to_dict(self) -> dict[str, Any]:
        """The choice as in the definition format."""
        return {"code": self.code, "label": self.label.to_dict(), "value": _plain_number(self.value)}


@dataclass(frozen=True)
class Scale:
    """A named answer scale: a list of choices, or (kind ``text``) a free-text answer that is never scored."""

    id: str
    choices: tuple[Choice, ...] = ()
    kind: ScaleKind = "choice"

    def codes(self) -> tuple[str, ...]:
        """The choice codes in order."""
        return tuple(choice.code for choice in self.choices)

    def choice(self, code: str) -> Choice | None:
        """The choice with this code, or None."""
        return next((choice for choice in self.choices if choice.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        """The scale body as in the definition format (without its id, which is the mapping key)."""
        if self.kind == "text":
            return {"kind": "text"}
        return {"choices": [choice.to_dict() for choice in self.choices]}


@dataclass(frozen=True)
class EvidenceRule:
    """When an item needs an evidence file, which kinds are accepted, and how old it may be."""

    required: EvidenceRequirement = "never"
    kinds: tuple[str, ...] = ()
    max_age_days: int | None = None
    description: Text | None = None

    def is_required_for(self, choice: Choice | None) -> bool:
        """Whether an answer with this choice needs evidence.

        ``if_implemented`` asks it of the answer "implemented" (code ``yes``, 実施している) only, as the rule's
        name and every label say; "partially implemented" (一部実施している) does not need a file.
        """
        if self.required == "always":
            return choice is not None
        if self.required == "if_implemented":
            return choice is not None and choice.code == IMPLEMENTED_CODE
        return False

    def required_codes(self, scale: Scale) -> tuple[str, ...]:
        """The answers of ``scale`` that need evidence under this rule, in the scale's order."""
        return tuple(choice.code for choice in scale.choices if self.is_required_for(choice))

    def describe(self, scale: Scale, lang: str) -> str:
        """The rule in words, made from the answers it names, so a label never says other than the rule does."""
        codes = self.required_codes(scale)
        words = EVIDENCE_WORDS["en" if lang == "en" else "ja"]
        if not codes:
            return words["never"]
        if codes == scale.codes():
            return words["always"]
        labels = [choice.label.get(lang) for choice in scale.choices if choice.code in codes]
        quoted = [words["quote"].format(label) for label in labels]
        return words["when"].format(words["or"].join(quoted))

    def is_default(self) -> bool:
        """True when the rule says nothing beyond the default (no evidence)."""
        return self == EvidenceRule()

    def to_dict(self) -> dict[str, Any]:
        """The rule as in the definition format."""
        data: dict[str, Any] = {"required": self.required}
        if self.kinds:
            data["kinds"] = list(self.kinds)
        if self.max_age_days is not None:
            data["max_age_days"] = self.max_age_days
        if self.description is not None:
            data["description"] = self.description.to_dict()
        return data


@dataclass(frozen=True)
class Item:
    """One question of a questionnaire."""

    id: str
    section_id: str
    tier: Tier
    text: Text
    scale: str
    guidance: Text | None = None
    weight: float = 1.0
    required: bool = True
    critical: bool = False
    evidence: EvidenceRule = field(default_factory=EvidenceRule)
    condition: Condition | None = None
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_visible(self, answers: Mapping[str, str | None]) -> bool:
        """Whether the visibility condition holds for these answers (always, without a condition)."""
        return self.condition is None or self.condition.evaluate(answers)

    def to_dict(self) -> dict[str, Any]:
        """The item as in the definition format; keys at their default value are left out."""
        data: dict[str, Any] = {"id": self.id, "tier": self.tier.value, "text": self.text.to_dict()}
        if self.guidance is not None:
            data["guidance"] = self.guidance.to_dict()
        data["scale"] = self.scale
        if self.weight != 1:
            data["weight"] = _plain_number(self.weight)
        if not self.required:
            data["required"] = False
        if self.critical:
            data["critical"] = True
        if not self.evidence.is_default():
            data["evidence"] = self.evidence.to_dict()
        if self.condition is not None:
            data["condition"] = unparse(self.condition)
        if self.references:
            data["references"] = {scheme: list(refs) for scheme, refs in self.references.items()}
        return data


@dataclass(frozen=True)
class Section:
    """An ordered group of items."""

    id: str
    title: Text
    items: tuple[Item, ...]
    description: Text | None = None
    #: Its items may cite the answering organisation's assessments of its own subcontractors as evidence
    #: (the outsourcing-management section, 委託先管理).
    cites_subassessments: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The section as in the definition format."""
        data: dict[str, Any] = {"id": self.id, "title": self.title.to_dict()}
        if self.description is not None:
            data["description"] = self.description.to_dict()
        if self.cites_subassessments:
            data["cites_subassessments"] = True
        data["items"] = [item.to_dict() for item in self.items]
        return data


@dataclass(frozen=True)
class Band:
    """A result band of the ``ipa_points`` model: reached when the total is at least ``min``."""

    min: float | None
    label: Text


@dataclass(frozen=True)
class ScoringModel:
    """Which scoring rules the questionnaire uses, with the model's parameters (FORMAT.md, Scoring models)."""

    model: ScoringModelName = "default"
    #: ``ipa_points`` only
    bands: tuple[Band, ...] = ()
    #: ``jama_levels`` only: the cumulative rate (percent) a level needs
    level_threshold: float = DEFAULT_LEVEL_THRESHOLD

    @property
    def is_level_based(self) -> bool:
        """Whether the verdict is an achieved level (``meti_scs``, ``jama_levels``) rather than a grade."""
        return self.model in LEVEL_MODELS

    def band_for(self, total: float) -> Band | None:
        """The first band whose minimum ``total`` reaches; the open last band catches the rest."""
        for band in self.bands:
            if band.min is None or total >= band.min:
                return band
        return None

    def to_dict(self) -> dict[str, Any]:
        """The scoring block as in the definition format."""
        data: dict[str, Any] = {"model": self.model}
        if self.bands:
            data["bands"] = [{"min": _plain_number(band.min), "label": band.label.to_dict()} for band in self.bands]
        if self.level_threshold != DEFAULT_LEVEL_THRESHOLD:
            data["level_threshold"] = _plain_number(self.level_threshold)
        return data


@dataclass(frozen=True)
class Questionnaire:
    """A complete, validated questionnaire definition of one version."""

    key: str
    version: str
    title: Text
    source: str
    licence: str
    scoring: ScoringModel
    scales: Mapping[str, Scale]
    sections: tuple[Section, ...]
    description: Text | None = None
    format: int = FORMAT_VERSION
    #: The names the questionnaire gives its tiers (``★3``, ``Lv1``); empty when it keeps the default names.
    levels: Mapping[Tier, Text] = field(default_factory=dict)

    @property
    def level_tiers(self) -> tuple[Tier, ...]:
        """The tiers this questionnaire uses, lowest first: the named ones, or all three without ``levels``."""
        return tuple(self.levels) if self.levels else tuple(Tier)

    def level_name(self, tier: Tier | str) -> Text:
        """The questionnaire's name for ``tier`` (``★4``), or the default name (標準 / Standard)."""
        target = Tier(tier)
        return self.levels.get(target) or DEFAULT_LEVEL_NAMES[target]

    @property
    def items(self) -> Iterator[Item]:
        """Every item, section by section, in definition order."""
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> Item:
        """The item with this id; KeyError when there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section(self, section_id: str) -> Section:
        """The section with this id; KeyError when there is none."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def scale_of(self, item: Item) -> Scale:
        """The answer scale an item uses."""
        return self.scales[item.scale]

    def items_for_tier(self, tier: Tier | str) -> list[Item]:
        """The items of an assessment at ``tier``: that tier and every lower one, in order."""
        target = Tier(tier)
        return [item for item in self.items if target.includes(item.tier)]

    def counts_by_tier(self) -> dict[Tier, int]:
        """How many items each tier adds (not cumulative); every tier is present."""
        counts = Counter(item.tier for item in self.items)
        return {tier: counts.get(tier, 0) for tier in Tier}

    def to_dict(self) -> dict[str, Any]:
        """The definition structure (as read from YAML) for JSON storage and YAML export."""
        data: dict[str, Any] = {
            "format": self.format,
            "key": self.key,
            "version": self.version,
            "title": self.title.to_dict(),
        }
        if self.description is not None:
            data["description"] = self.description.to_dict()
        data["source"] = self.source
        data["licence"] = self.licence
        if self.levels:
            data["levels"] = {tier.value: name.to_dict() for tier, name in self.levels.items()}
        data["scoring"] = self.scoring.to_dict()
        data["scales"] = {scale_id: scale.to_dict() for scale_id, scale in self.scales.items()}
        data["sections"] = [section.to_dict() for section in self.sections]
        return data

    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON of :meth:`to_dict`.

        Formatting, comments and keys written at their default value do not change the hash; any change
        of meaning does, which is what "a published version never changes" needs.
        """
        canonical = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _plain_number(value: float | None) -> float | int | None:
    # Whole numbers are written as ints so an exported file reads like a hand-written one.
    if value is not None and float(value).is_integer():
        return int(value)
    return value
