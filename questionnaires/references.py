"""Reference schemes: how a reference is written canonically, and which references a scheme allows.

Items cite other documents in ``references: {scheme: [ref, ...]}``. Sheets write the same reference in
many ways (``A 7.14``, ``A.5.12  A.5.13``, ``No.98, 102 (LV2)``); :func:`canonical_refs` turns what an item
or a table cell says into the canonical references (``A.7.14``; ``No.98``, ``No.102``) that the crosswalk
and matching compare.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d]")
_ISO = re.compile(r"A\s*\.?\s*(\d+)\s*\.\s*(\d+)|(\d+(?:\.\d+)*)")
_JAMA_LEVEL = re.compile(r"\(\s*L[Vv]\s*\d+\s*\)")
_NIST = re.compile(r"\b(GV|ID|PR|DE|RS|RC)((?:\.[A-Z]{2})(?:-\d{2})?)?\b")
#: ISO/IEC 27001:2022 Annex A: the number of controls in each theme (A.5 organisational … A.8 technological).
ISO_ANNEX_A = {5: 37, 6: 8, 7: 14, 8: 34}
IPA_THEMES = 25


def _plain(raw: str) -> str:
    return _DASHES.sub("-", unicodedata.normalize("NFKC", raw)).strip()


def _meti_scs(raw: str) -> list[str]:
    text = "".join(_plain(raw).split())
    return [text] if text else []


def _iso27001(raw: str) -> list[str]:
    refs = []
    for annex, control, clause in _ISO.findall(_plain(raw)):
        refs.append(f"A.{int(annex)}.{int(control)}" if annex else clause)
    return refs


def _jama(raw: str) -> list[str]:
    # "No.98, 102 (LV2)": the level belongs to the guideline's item, not to the reference.
    return [f"No.{int(number)}" for number in re.findall(r"\d+", _JAMA_LEVEL.sub(" ", _plain(raw)))]


def _ipa_5min(raw: str) -> list[str]:
    return [f"Q{int(number)}" for number in re.findall(r"\d+", _plain(raw))]


def _nist_csf(raw: str) -> list[str]:
    return [function + (detail or "") for function, detail in _NIST.findall(_plain(raw))]


def _cmmc(raw: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", _plain(raw)) if part]


def _valid_iso(ref: str) -> bool:
    annex = re.fullmatch(r"A\.(\d)\.(\d+)", ref)
    if annex:
        return 1 <= int(annex[2]) <= ISO_ANNEX_A.get(int(annex[1]), 0)
    clause = re.fullmatch(r"(\d+)(?:\.\d+)*", ref)
    return clause is not None and 4 <= int(clause[1]) <= 10


def _valid_ipa(ref: str) -> bool:
    number = re.fullmatch(r"Q(\d+)", ref)
    return number is not None and 1 <= int(number[1]) <= IPA_THEMES


#: scheme → (parser of a written reference, check of a canonical one). Other schemes are compared as written.
SCHEMES: dict[str, tuple[Callable[[str], list[str]], Callable[[str], bool]]] = {
    "meti_scs": (_meti_scs, lambda ref: re.fullmatch(r"[1-9]\d*(-[1-9]\d*){1,3}", ref) is not None),
    "iso27001": (_iso27001, _valid_iso),
    "jama": (_jama, lambda ref: re.fullmatch(r"No\.[1-9]\d*", ref) is not None),
    "ipa_5min": (_ipa_5min, _valid_ipa),
    "nist_csf": (_nist_csf, lambda ref: _NIST.fullmatch(ref) is not None),
    "cmmc": (_cmmc, lambda ref: re.fullmatch(r"[A-Z]{2}\.L[1-3]-[0-9a-z.]+", ref) is not None),
}


def canonical_refs(scheme: str, raw: str) -> list[str]:
    """The canonical references a written reference stands for (none, one or several), in order."""
    if scheme in SCHEMES:
        parse, valid = SCHEMES[scheme]
        return list(dict.fromkeys(ref for ref in parse(raw) if valid(ref)))
    text = _plain(raw)
    return [text] if text else []


def is_canonical(scheme: str, ref: str) -> bool:
    """Whether ``ref`` is a known scheme's reference, written exactly as :func:`canonical_refs` writes it."""
    return scheme in SCHEMES and canonical_refs(scheme, ref) == [ref]
