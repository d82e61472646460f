"""Portfolio export: ``build_portfolio`` against bare openpyxl write-only mode writing the same values.

A portfolio of 1,000 suppliers × 150 items in 10 sections (and of 100, for the memory comparison). Each measurement runs
in a fresh subprocess so its peak resident memory (``ru_maxrss``) is its own; the time is the best of a
few builds in that process. Prints the time of our export and of the floor (bare openpyxl, no text
safety, no styles), their ratio, and the peak memory for 100 and for 1,000 suppliers.

Aims (issue 6): ratio at most 1.3; memory for 1,000 suppliers within 50 MB of that for 100.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from portal.reports.data import PortfolioRow

ITEMS = 150
SECTIONS = [(f"SEC-{index:02d}", f"分類 {index}") for index in range(10)]
SIZES = (100, 1000)
REPEAT = 3
CODES = ("yes", "partial", "no", "unknown", "na", None)
LABELS = {"yes": "実施している", "partial": "一部実施している", "no": "実施していない", "unknown": "わからない"}
STATUSES = ("invited", "in_progress", "submitted", "under_review", "accepted")


def suppliers(count: int) -> Iterator[PortfolioRow]:
    """Suppliers made one at a time, as a database cursor would yield them (never all in memory)."""
    from portal.reports.data import PortfolioRow

    item_ids = [f"ITEM-{index:03d}" for index in range(ITEMS)]
    for number in range(count):
        # Every 50th name starts with "=" so the export's text-safety path is part of the measurement.
        name = f"=委託先 {number}" if number % 50 == 0 else f"株式会社サプライヤー{number:05d}"
        rate = None if number % 7 == 0 else round(40 + (number * 37) % 60 + 0.5, 1)
        yield PortfolioRow(
            supplier=name,
            status=STATUSES[number % len(STATUSES)],
            tier=("T1", "T2", "T3")[number % 3],
            self_rate=rate,
            reviewed_rate=None if rate is None else max(0.0, rate - 5),
            grade=None if rate is None else "ABCD"[number % 4],
            passed=None if rate is None else rate >= 80,
            risk=None if rate is None else ("low", "medium", "high", "critical")[number % 4],
            overdue=number % 5 == 0,
            submitted_at=None if rate is None else date(2026, 1, 1) + timedelta(days=number % 300),
            answers={item_id: CODES[(number + index) % len(CODES)] for index, item_id in enumerate(item_ids)},
            section_rates={
                key: None if rate is None else (rate + index) % 100 for index, (key, _) in enumerate(SECTIONS)
            },
        )


def item_list() -> list[tuple[str, str]]:
    return [(f"ITEM-{index:03d}", f"項目 {index}") for index in range(ITEMS)]


def build_ours(count: int, path: str) -> None:
    from portal.reports import build_portfolio

    build_portfolio(suppliers(count), item_list(), "ja", output=path, answer_labels=LABELS, sections=SECTIONS)


def build_bare(count: int, path: str) -> None:
    """The floor: the same cell values through bare write-only ``append``, nothing else."""
    from openpyxl import Workbook

    from portal.reports.words import DASH, PASSED, PORTFOLIO_HEADERS, PORTFOLIO_SHEETS, RISKS, STATES, TIERS, YES_NO

    workbook = Workbook(write_only=True)
    table = workbook.create_sheet(PORTFOLIO_SHEETS["ja"][0])
    heat = workbook.create_sheet("分類別達成率")
    matrix = workbook.create_sheet(PORTFOLIO_SHEETS["ja"][1])
    items = item_list()
    table.append(list(PORTFOLIO_HEADERS["ja"]))
    matrix.append([PORTFOLIO_HEADERS["ja"][0]] + [item_id for item_id, _ in items])
    matrix.append([None] + [label for _, label in items])
    item_ids = [item_id for item_id, _ in items]
    heat.append(
        [PORTFOLIO_HEADERS["ja"][0], PORTFOLIO_HEADERS["ja"][2], PORTFOLIO_HEADERS["ja"][5]] + [t for _, t in SECTIONS]
    )
    for supplier in suppliers(count):
        table.append(
            [
                supplier.supplier,
                STATES["ja"][supplier.status],
                TIERS["ja"][supplier.tier],
                supplier.self_rate if supplier.self_rate is not None else DASH,
                supplier.reviewed_rate if supplier.reviewed_rate is not None else DASH,
                supplier.grade or DASH,
                PASSED["ja"][supplier.passed] if supplier.passed is not None else DASH,
                RISKS["ja"][supplier.risk] if supplier.risk else DASH,
                YES_NO["ja"][supplier.overdue],
                supplier.submitted_at,
                supplier.weakest or DASH,
            ]
        )
        rates = [supplier.section_rates.get(key) for key, _ in SECTIONS]
        heat.append(
            [supplier.supplier, TIERS["ja"][supplier.tier], supplier.grade or DASH]
            + [DASH if rate is None else rate for rate in rates]
        )
        answers = supplier.answers
        row: list[str | None] = [supplier.supplier]
        for item_id in item_ids:
            code = answers.get(item_id)
            row.append(None if code is None else LABELS.get(code, code))
        matrix.append(row)
    workbook.save(path)


def child(kind: str, count: int, repeat: int) -> None:
    """Run in a subprocess: build ``repeat`` times, print the best time and the peak memory as JSON."""
    build = build_ours if kind == "ours" else build_bare
    best = float("inf")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "portfolio.xlsx")
        for _ in range(repeat):
            start = time.perf_counter()
            build(count, path)
            best = min(best, time.perf_counter() - start)
        size = os.path.getsize(path)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"seconds": best, "peak_mb": peak_mb, "bytes": size}))


def measure(kind: str, count: int, repeat: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(count), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    results: dict[tuple[str, int], dict[str, float]] = {}
    for count in SIZES:
        repeat = REPEAT if count == max(SIZES) else 1
        for kind in ("bare", "ours"):
            results[(kind, count)] = measure(kind, count, repeat)

    print(f"portfolio export, {ITEMS} items per supplier (best of {REPEAT} builds at {max(SIZES)} suppliers)")
    print(f"{'suppliers':>10} {'ours s':>8} {'bare s':>8} {'ratio':>6} {'ours MB':>8} {'bare MB':>8} {'file KB':>8}")
    for count in SIZES:
        ours, bare = results[("ours", count)], results[("bare", count)]
        print(
            f"{count:>10} {ours['seconds']:>8.2f} {bare['seconds']:>8.2f} {ours['seconds'] / bare['seconds']:>6.2f}"
            f" {ours['peak_mb']:>8.1f} {bare['peak_mb']:>8.1f} {ours['bytes'] / 1024:>8.0f}"
        )
    big, small = max(SIZES), min(SIZES)
    ratio = results[("ours", big)]["seconds"] / results[("bare", big)]["seconds"]
    growth = results[("ours", big)]["peak_mb"] - results[("ours", small)]["peak_mb"]
    print(f"ratio ours/bare at {big} suppliers : {ratio:.2f} (aim <= 1.30)")
    print(f"peak memory {big} vs {small} suppliers : {growth:+.1f} MB (aim <= 50 MB)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(main())
