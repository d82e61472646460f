"""The names of a questionnaire's levels, and its verdict, as the portal shows them.

A questionnaire may name its levels (METI's SCS: T1 is ★3, T2 is ★4); one that does not keeps the portal's
``T1 基本`` / ``T2 標準`` / ``T3 高度``. Every page, e-mail, export and API answer that shows a campaign's or an
assessment's level asks :func:`level_labels` (or :func:`level_name`), never a table of its own. A supplier's own
class (``Supplier.tier``) is another thing and keeps ``TIER_LABELS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale, get_locale

from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import questionnaire_of
from portal.suppliers.forms import TIER_LABELS
from questionnaires import Questionnaire
from questionnaires.model import Tier


def _lang(lang: str | None) -> str:
    return lang or ("en" if str(get_locale()) == "en" else "ja")


def level_labels(version: QuestionnaireVersion | Questionnaire, lang: str | None = None) -> dict[str, str]:
    """Every tier's name for this questionnaire in ``lang`` (the request's language by default), T1 first.

    The questionnaire's own levels come first; tiers it does not use keep the default words so a stored
    assessment at such a tier still reads.
    """
    questionnaire = version if isinstance(version, Questionnaire) else questionnaire_of(version)
    lang = _lang(lang)
    if not questionnaire.levels:
        return {str(tier): _translated(TIER_LABELS[tier], lang) for tier in Tier}
    return {str(tier): questionnaire.level_name(tier).get(lang) for tier in Tier}


def level_name(version: QuestionnaireVersion | Questionnaire, tier: Tier | str | None, lang: str | None = None) -> str:
    """The name of ``tier`` in this questionnaire (``★4``, ``T2 標準``); an empty string without a tier."""
    return level_labels(version, lang)[str(tier)] if tier else ""


def level_choices(version: QuestionnaireVersion | Questionnaire, lang: str | None = None) -> list[tuple[str, str]]:
    """(tier, name) of the levels a campaign may ask for with this questionnaire: its own, lowest first."""
    questionnaire = version if isinstance(version, Questionnaire) else questionnaire_of(version)
    labels = level_labels(questionnaire, lang)
    return [(str(tier), labels[str(tier)]) for tier in questionnaire.level_tiers]


def fit_tier(version: QuestionnaireVersion | Questionnaire, tier: Tier) -> Tier:
    """``tier`` when the questionnaire has it, else its highest level (a T3 supplier asked METI's ★4)."""
    questionnaire = version if isinstance(version, Questionnaire) else questionnaire_of(version)
    tiers = questionnaire.level_tiers
    return tier if tier in tiers else tiers[-1]


def _translated(label: Any, lang: str) -> str:
    if lang == _lang(None):
        return str(label)
    with force_locale(lang):
        return str(label)


@dataclass(frozen=True)
class LevelVerdict:
    """One level of a level-based result: its name, whether it is achieved, its rate and the unmet criteria."""

    tier: str
    name: str
    achieved: bool
    rate: float | None
    unmet: tuple[str, ...]


def level_verdicts(
    version: QuestionnaireVersion | Questionnaire, score: Mapping[str, Any] | None, lang: str | None = None
) -> list[LevelVerdict]:
    """The ``levels`` block of a stored score, level by level with the questionnaire's names; empty for a model
    whose verdict is a grade (``default``, ``ipa_points``, ``aichi``)."""
    return verdicts_named(level_labels(version, lang), score)


def verdicts_named(labels: Mapping[str, str], score: Mapping[str, Any] | None) -> list[LevelVerdict]:
    """:func:`level_verdicts` with the level names given (an export that carries them)."""
    block = score.get("levels") if isinstance(score, Mapping) else None
    if not isinstance(block, Mapping):
        return []
    verdicts = []
    for entry in block.get("per_level") or []:
        if not isinstance(entry, Mapping) or str(entry.get("tier")) not in labels:
            continue
        rate = entry.get("rate")
        verdicts.append(
            LevelVerdict(
                tier=str(entry["tier"]),
                name=labels[str(entry["tier"])],
                achieved=bool(entry.get("achieved")),
                rate=float(rate) if isinstance(rate, int | float) else None,
                unmet=tuple(str(item) for item in entry.get("unmet") or ()),
            )
        )
    return verdicts


ACHIEVED = {"ja": "達成", "en": "achieved"}
NOT_ACHIEVED = {"ja": "未達", "en": "not achieved"}


def verdict_text(
    version: QuestionnaireVersion | Questionnaire, score: Mapping[str, Any] | None, lang: str | None = None
) -> str:
    """``★3 達成 / ★4 未達``: each level of a level-based result with its outcome; empty for a graded result."""
    lang = _lang(lang)
    return verdict_words(verdicts_named(level_labels(version, lang), score), lang)


def verdict_words(verdicts: list[LevelVerdict], lang: str) -> str:
    """``★3 達成 / ★4 未達`` for these levels in ``lang``."""
    return " / ".join(f"{v.name} {(ACHIEVED if v.achieved else NOT_ACHIEVED)[lang]}" for v in verdicts)


def achieved_level(
    version: QuestionnaireVersion | Questionnaire, score: Mapping[str, Any] | None, lang: str | None = None
) -> str | None:
    """The name of the highest level achieved (``★3``), ``""`` when none is, None for a graded result."""
    block = score.get("levels") if isinstance(score, Mapping) else None
    if not isinstance(block, Mapping):
        return None
    achieved = block.get("achieved")
    return level_name(version, str(achieved), lang) if achieved else ""


def item_words(version: QuestionnaireVersion | Questionnaire, item_id: str, lang: str | None = None) -> str:
    """An item's question in ``lang``, shortened to a line, so a list of unmet criteria is not a list of numbers;
    empty for an item the questionnaire no longer has."""
    questionnaire = version if isinstance(version, Questionnaire) else questionnaire_of(version)
    try:
        text = questionnaire.item(item_id).text.get(_lang(lang))
    except KeyError:
        return ""
    line = " ".join(text.split())
    return line if len(line) <= 60 else line[:59] + "…"


def register_level_words(app: Any) -> None:
    """Templates name levels and verdicts through these functions only."""
    app.jinja_env.globals.update(
        level_name=level_name,
        level_labels=level_labels,
        level_verdicts=level_verdicts,
        item_words=item_words,
        verdict_text=verdict_text,
        achieved_level=achieved_level,
        intake_levels=intake_levels,
    )


def level_text(version: QuestionnaireVersion | Questionnaire, tier: Tier | str) -> dict[str, str]:
    """The level's name in both languages, as the API gives texts (``{"ja": "★4", "en": "★4"}``)."""
    return {lang: level_name(version, tier, lang) for lang in ("ja", "en")}


def intake_levels() -> list[tuple[str, dict[str, str]]]:
    """The acting buyer's questionnaires that name their levels, each with the level a campaign of it asks of a
    supplier of each class the intake may suggest (METI: ★3 for T1, ★4 for T2 and T3): (title, {tier: name}).
    The tier intake shows its suggestion in these terms too."""
    from portal.policy.questionnaires import list_buyer_versions
    from portal.session_auth import acting_organization

    newest = {version.key: version for version in list_buyer_versions(acting_organization())}
    lang = _lang(None)
    named = []
    for version in newest.values():
        questionnaire = questionnaire_of(version)
        if questionnaire.levels:
            levels = {str(tier): level_name(questionnaire, fit_tier(questionnaire, tier), lang) for tier in Tier}
            named.append((questionnaire.title.get(lang), levels))
    return named
