"""Build the crosswalk files from METI's SCS criteria table and the built-in questionnaires' references.

    python -m questionnaires.crosswalks.build --meti ../shared/data/meti-scs/SC_Security.csv

Only reference ids and which criterion (or item) cites which are taken; no wording is copied.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Iterable
from itertools import combinations, product
from pathlib import Path

from questionnaires.crosswalk import HEADER, Ref, crosswalks_dir
from questionnaires.loader import load_builtin
from questionnaires.model import Questionnaire
from questionnaires.references import canonical_refs

METI_FILE = "meti-scs-2026.3.csv"
BUILTIN_FILE = "builtin-banks.csv"
#: The built-in bank imported from METI's table: its pairs are the METI file's, built from the table itself.
METI_BANK = "meti-scs"
#: The METI table's columns (second header row names the reference documents) → scheme.
METI_COLUMNS = {
    "NIST CSFにおける機能": "nist_csf",
    "32 CFR Part 170 (Cybersecurity Maturity Model Certification (CMMC) Program)": "cmmc",
    "ISO/IEC 27001:2022": "iso27001",
    "自工会/部工会・サイバーセキュリティガイドライン 2.3 版": "jama",
}
#: Co-cited in one criterion, these schemes are mapped onto each other as well as onto the criterion.
METI_CO_CITED = ("iso27001", "jama")

Pairs = dict[tuple[Ref, Ref], list[str]]


def meti_pairs(table: Path) -> Pairs:
    """Pairs from the METI table: each criterion ↔ its requirement and every reference it cites;
    ISO ↔ JAMA references cited by one criterion. The value lists the criteria that give the pair."""
    with table.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    headers = [first or second for first, second in zip(rows[0], rows[1], strict=True)]
    column = {name: headers.index(name) for name in ("要求事項No.", "評価基準No.", *METI_COLUMNS)}
    pairs: Pairs = {}
    for row in rows[2:]:
        criterion = row[column["評価基準No."]].strip()
        if not criterion:
            continue
        own: Ref = ("meti_scs", canonical_refs("meti_scs", criterion)[0])
        cited = {
            scheme: [(scheme, ref) for ref in canonical_refs(scheme, row[column[header]])]
            for header, scheme in METI_COLUMNS.items()
        }
        requirement = ("meti_scs", canonical_refs("meti_scs", row[column["要求事項No."]])[0])
        for ref in [requirement, *(ref for refs in cited.values() for ref in refs)]:
            pairs.setdefault((own, ref), []).append(own[1])
        for a, b in product(*(cited[scheme] for scheme in METI_CO_CITED)):
            pairs.setdefault((a, b), []).append(own[1])
    return pairs


def bank_pairs(questionnaires: Iterable[Questionnaire]) -> Pairs:
    """Pairs of references of different schemes cited by one item of a built-in questionnaire."""
    pairs: Pairs = {}
    for questionnaire in questionnaires:
        for item in questionnaire.items:
            refs = [
                (scheme, ref)
                for scheme, raws in item.references.items()
                for raw in raws
                for ref in canonical_refs(scheme, raw)
            ]
            for a, b in combinations(list(dict.fromkeys(refs)), 2):
                if a[0] != b[0]:
                    key = (a, b) if (b, a) not in pairs else (b, a)
                    pairs.setdefault(key, []).append(f"{questionnaire.key}/{questionnaire.version}:{item.id}")
    return pairs


def bank_sources() -> list[Questionnaire]:
    """The built-in questionnaires whose references make the built-in file (all but the METI bank)."""
    return [questionnaire for questionnaire in load_builtin() if questionnaire.key != METI_BANK]


def _canonical(scheme: str, raws: Iterable[str]) -> list[str]:
    return [ref for raw in raws for ref in canonical_refs(scheme, raw)]


def render(pairs: Pairs) -> str:
    """The CSV text of a crosswalk file, one pair a line, sorted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for (a, b), cited_by in sorted(pairs.items()):
        writer.writerow([*a, *b, " ".join(dict.fromkeys(cited_by))])
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    """Write both files into ``questionnaires/crosswalks/``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meti", type=Path, required=True, help="METI's SC_Security.csv")
    args = parser.parse_args(argv)
    (crosswalks_dir() / METI_FILE).write_text(render(meti_pairs(args.meti)), encoding="utf-8")
    (crosswalks_dir() / BUILTIN_FILE).write_text(render(bank_pairs(bank_sources())), encoding="utf-8")


if __name__ == "__main__":
    main()
