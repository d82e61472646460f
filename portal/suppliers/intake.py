"""The tier intake (区分判定): METI's three questions plus "runs or develops systems for us"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.suppliers.models import Tier

#: (key, question) in the order they are asked.
QUESTIONS = [
    ("holds_confidential_data", _l("Does the supplier keep our confidential information on its own IT systems?")),
    ("outage_stops_us", _l("Would an outage at the supplier stop or seriously delay our business?")),
    ("connected_to_our_network", _l("Is the supplier's network or equipment connected to our systems?")),
    ("runs_our_systems", _l("Does the supplier develop or run systems for us?")),
]


def suggest_tier(answers: dict[str, bool]) -> Tier:
    """T3 for suppliers that build or run our systems; T2 if any METI question is yes; else T1."""
    if answers.get("runs_our_systems"):
        return Tier.T3
    if any(answers.get(key) for key, _ in QUESTIONS[:3]):
        return Tier.T2
    return Tier.T1
