"""The crosswalk files, their loader's validation, and item matching (same item / same reference / related)."""

import csv
import re
import time
from pathlib import Path

import pytest

from questionnaires import DefinitionError, Item, Text, Tier, build_questionnaire, load_builtin
from questionnaires.crosswalk import (
    Matcher,
    coverage,
    crosswalks_dir,
    linking_pairs,
    load_crosswalk,
    match,
    read_crosswalk_file,
    shared_references,
)
from questionnaires.crosswalks.build import BUILTIN_FILE, METI_FILE, bank_pairs, bank_sources, meti_pairs, render
from questionnaires.importers.table import import_table
from questionnaires.references import canonical_refs

METI_TABLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "meti-scs" / "SC_Security.csv"
METI_MAPPING = Path(__file__).resolve().parents[2] / "questionnaires" / "examples" / "meti-style-mapping.yaml"
needs_meti = pytest.mark.skipif(not METI_TABLE.exists(), reason="../shared/data/meti-scs is not present")
HEADER = "scheme,ref,related_scheme,related_ref,cited_by\n"


def bank(key):
    return next(questionnaire for questionnaire in load_builtin() if questionnaire.key == key)


def item(item_id, **references):
    return Item(item_id, "s", Tier.T1, Text("質問", "Question"), "implementation", references=references)


def meti_rows():
    with METI_TABLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[2:]
    return [row for row in rows if row[10].strip()]


@needs_meti
def test_meti_file_counts_equal_what_the_public_table_says():
    rows = meti_rows()
    iso = {
        (r[10], f"A.{a}.{n}" if a else c)
        for r in rows
        for a, n, c in re.findall(r"A\s?\.?(\d)\.(\d+)|(\d+\.\d+)", r[15])
    }
    jama = {(r[10], n) for r in rows for n in re.findall(r"\d+", re.sub(r"\(L[Vv]\d\)", "", r[17]))}
    cmmc = {(r[10], c.strip()) for r in rows for c in r[14].split(",") if c.strip()}
    co_cited = {(i, n) for r in rows for (c1, i) in iso if c1 == r[10] for (c2, n) in jama if c2 == r[10]}
    crosswalk = load_crosswalk()
    assert len(rows) == 153 and len({r[4] for r in rows}) == 43
    assert crosswalk.count(METI_FILE, "meti_scs", "meti_scs") == len(rows)
    assert crosswalk.count(METI_FILE, "meti_scs", "nist_csf") == len(rows)
    assert crosswalk.count(METI_FILE, "meti_scs", "iso27001") == len(iso) == 253
    assert crosswalk.count(METI_FILE, "meti_scs", "jama") == len(jama) == 165
    assert crosswalk.count(METI_FILE, "meti_scs", "cmmc") == len(cmmc) == 33
    assert crosswalk.count(METI_FILE, "iso27001", "jama") == len(co_cited) == 166
    assert len(crosswalk.pairs[METI_FILE]) == 153 * 2 + 253 + 165 + 33 + 166
    assert ("meti_scs", "1-1-1") in crosswalk.related(("meti_scs", "1-1-1-1"))
    assert ("jama", "No.102") in crosswalk.related(("meti_scs", "4-4-1-1"))


@needs_meti
def test_committed_meti_file_is_what_the_build_script_writes():
    assert (crosswalks_dir() / METI_FILE).read_text(encoding="utf-8") == render(meti_pairs(METI_TABLE))


def test_builtin_file_is_built_from_the_banks_references_and_is_current():
    banks = bank_sources()
    assert (crosswalks_dir() / BUILTIN_FILE).read_text(encoding="utf-8") == render(bank_pairs(banks))
    expected = {
        frozenset([a, b])
        for bank in banks
        for i in bank.items
        for a in [(s, r) for s, refs in i.references.items() for r in refs]
        for b in [(s, r) for s, refs in i.references.items() for r in refs]
        if a[0] != b[0]
    }
    pairs = load_crosswalk().pairs[BUILTIN_FILE]
    assert {frozenset(pair) for pair in pairs} == expected and len(pairs) == len(expected) == 133


@pytest.mark.parametrize(
    ("scheme", "raw", "refs"),
    [
        ("iso27001", "A.5.12  A.5.13", ["A.5.12", "A.5.13"]),
        ("iso27001", "A 7.14", ["A.7.14"]),
        ("iso27001", "4.1, A.9.1, A.5.38", ["4.1"]),
        ("jama", "No.98, 102 (LV2)", ["No.98", "No.102"]),
        ("jama", "(LV1)", []),
        ("meti_scs", "１－２－１", ["1-2-1"]),
        ("ipa_5min", "Q26", []),
        ("nist_csf", "統治(GV)", ["GV"]),
        ("cmmc", "AC.L1-b.1.i, IA.L2-3.5.3", ["AC.L1-b.1.i", "IA.L2-3.5.3"]),
        ("own_scheme", " X-1 ", ["X-1"]),
    ],
)
def test_references_are_read_as_the_crosswalk_writes_them(scheme, raw, refs):
    assert canonical_refs(scheme, raw) == refs


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ("iso27001,A.5.1,nist_csf,GV,x\nnist_csf,GV,iso27001,A.5.1,y\n", "bad.csv: line 3: the same pair as line 2"),
        ("iso,A.5.1,nist_csf,GV,x\n", "bad.csv: line 2: unknown scheme 'iso'"),
        ("iso27001,A.5.99,nist_csf,GV,x\n", "bad.csv: line 2: 'A.5.99' is not a iso27001 reference"),
        ("jama,No.9 (LV1),nist_csf,GV,x\n", "bad.csv: line 2: 'No.9 (LV1)' is not a jama reference"),
        ("jama,No.9,jama,No.9,x\n", "bad.csv: line 2: maps a reference onto itself"),
        ("jama,No.9,nist_csf,GV\n", "bad.csv: line 2: needs 5 columns, has 4"),
    ],
)
def test_the_loader_names_file_line_and_reason(tmp_path, rows, problem):
    (tmp_path / "good.csv").write_text(HEADER + "jama,No.9,iso27001,A.5.1,x\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        load_crosswalk(tmp_path)
    assert problem in str(error.value)


def test_a_file_without_the_header_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("jama,No.9,iso27001,A.5.1,x\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"x\.csv: line 1: the header must be"):
        read_crosswalk_file(path)


def test_match_says_how_close_two_items_are():
    ipa, supply = (bank(key) for key in ("ipa-self-check", "supply-chain"))
    ita01 = supply.item("ITA-01")  # ipa_5min Q1, meti_scs 4-4-4 and 4-4-2, iso27001 A.8.8
    assert match(ita01, ita01, same_questionnaire=True) == "same_item"
    assert match(ipa.item("IPA-01"), ita01) == "same_reference"
    assert match(ipa.item("IPA-01"), supply.item("ITA-21")) == "related"  # cites 4-4-4, which Q1 is mapped onto
    assert match(ipa.item("IPA-01"), supply.item("GOV-02")) is None
    assert shared_references(ipa.item("IPA-01"), ita01) == [("ipa_5min", "Q1")]
    assert linking_pairs(ipa.item("IPA-01"), supply.item("ITA-21")) == [(("ipa_5min", "Q1"), ("meti_scs", "4-4-4"))]
    assert match(item("a", iso27001=["A 8.8"]), item("b", iso27001=["A.8.8"])) == "same_reference"
    assert match(item("a", meti_scs=["4-4-4-1"]), item("b", meti_scs=["4-4-4"])) == "related"


def test_matcher_gives_each_entry_once_closest_first():
    matcher = Matcher()
    matcher.add("earlier answer", questionnaire="supply-chain", item_id="ITA-01", references={"ipa_5min": ["Q1"]})
    matcher.add("by reference", questionnaire="other", item_id="X", references={"iso27001": ["A.8.8"]})
    matcher.add("related", questionnaire="other", item_id="Y", references={"meti_scs": ["4-4-4-1"]})
    matcher.add("unrelated", questionnaire="other", item_id="Z", references={"iso27001": ["A.5.1"]})
    ita01 = bank("supply-chain").item("ITA-01")
    assert matcher.candidates(ita01, questionnaire="supply-chain") == [
        ("same_item", "earlier answer"),
        ("same_reference", "by reference"),
        ("related", "related"),
    ]
    assert matcher.candidates(ita01)[0] == ("same_reference", "earlier answer")


def test_matcher_is_fast_for_150_items_and_2000_entries():
    supply = bank("supply-chain")
    items = list(supply.items) * 2
    matcher = Matcher()
    for number in range(2000):
        source = items[number % len(items)]
        matcher.add(number, questionnaire=f"q{number % 7}", item_id=source.id, references=source.references)
    started = time.perf_counter()
    found = [matcher.candidates(each, questionnaire="q1") for each in items[:150]]
    assert time.perf_counter() - started < 1.0
    assert all(found[:81]) and found[0][0][0] == "same_item"


@needs_meti
def test_coverage_of_the_builtin_bank_by_an_imported_meti_bank():
    meti = build_questionnaire(import_table(METI_TABLE, METI_MAPPING), "meti.yaml")
    supply = bank("supply-chain")
    rows = {row.item.id: row for row in coverage(supply, meti)}
    # ITA-01 cites iso27001 A.8.8 (as do these criteria) and requirements 4-4-4 and 4-4-2 (4-4-2-1 cites no A.8.8).
    assert rows["ITA-01"].exact == sum("A.8.8" in row[15] for row in meti_rows()) == 10
    assert match(supply.item("ITA-01"), meti.item("4-4-2-1")) == "related"
    assert rows["ITA-01"].related == 18
    assert sum(1 for row in rows.values() if row.exact) == 61
    assert sum(1 for row in rows.values() if not row.exact and row.related) == 10  # ORG-05 since 1-2-1, 1-4-1


def test_the_built_in_meti_bank_is_matched_by_its_requirement_references():
    supply, meti, ipa = (bank(key) for key in ("supply-chain", "meti-scs", "ipa-self-check"))

    def counts(first, second):
        rows = coverage(first, second)
        exact = sum(1 for row in rows if row.exact)
        related = sum(1 for row in rows if not row.exact and row.related)
        return exact, related, len(rows) - exact - related

    # ITA-01 cites requirements 4-4-4 and 4-4-2: the same reference as every criterion under them.
    assert match(supply.item("ITA-01"), meti.item("4-4-4-1")) == "same_reference"
    assert match(supply.item("ITA-01"), meti.item("4-4-2-1")) == "same_reference"
    assert counts(supply, meti) == (70, 5, 6)
    assert counts(meti, supply) == (148, 0, 5)
    assert counts(ipa, meti) == (0, 24, 1)  # through builtin-banks.csv (IPA theme ↔ requirement)
