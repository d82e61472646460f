"""Every workbook opens in LibreOffice, and LibreOffice computes the summary's formulas as stored.

Needs ``libreoffice``/``soffice`` on PATH (Debian ``libreoffice-calc-nogui``). Without it the tests are
skipped, except on CI (``CI=true``), where a missing LibreOffice is a failure.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.reports import PortfolioRow, build_checksheet, build_portfolio, summary_formulas
from tests.portal.reports.sample import HOSTILE, make_data

CSV_UTF8 = "csv:Text - txt - csv (StarCalc):44,34,76"


@pytest.fixture(scope="module")
def soffice() -> str:
    binary = shutil.which("libreoffice") or shutil.which("soffice")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    return binary


def convert(soffice: str, tmp_path: Path, target: str, *files: Path) -> subprocess.CompletedProcess[str]:
    out = tmp_path / "out"
    return subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def converts_to_pdf(soffice: str, tmp_path: Path, workbooks: dict[str, bytes]) -> list[Path]:
    """Writes each workbook as ``<name>.xlsx``, asserts LibreOffice turns every one into a PDF; their paths."""
    paths = []
    for name, content in workbooks.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(content)
        paths.append(path)

    result = convert(soffice, tmp_path, "pdf", *paths)

    assert result.returncode == 0, result.stderr
    for path in paths:
        pdf = tmp_path / "out" / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, (path.name, result.stdout, result.stderr)
    return paths


def test_every_workbook_converts_to_pdf(soffice: str, tmp_path: Path) -> None:
    hostile = [PortfolioRow(text, "submitted", "T1", 50.0, answers={"GOV-01": text}) for text in HOSTILE]
    workbooks = {
        "checksheet_ja": build_checksheet(make_data()),
        "checksheet_en": build_checksheet(make_data(), lang="en"),
        "checksheet_empty": build_checksheet(make_data(rows=(), self_score=None, reviewed_score=None, evidence=())),
        "portfolio": build_portfolio(hostile, [("GOV-01", "方針")]) or b"",
    }
    converts_to_pdf(soffice, tmp_path, workbooks)


def test_libreoffice_computes_the_summary_formulas_as_stored(soffice: str, tmp_path: Path) -> None:
    data = make_data()
    path = tmp_path / "checksheet.xlsx"
    path.write_bytes(build_checksheet(data))

    result = convert(soffice, tmp_path, CSV_UTF8, path)  # the first sheet: the summary

    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "checksheet.csv").read_text(encoding="utf-8"))))
    summary = load_workbook(path)["概要"]
    formulas = summary_formulas(data)
    assert len(formulas) == 6
    for formula in formulas:
        cell = summary[formula.cell]
        computed = rows[cell.row - 1][cell.column - 1]
        stored = summary.cell(cell.row, cell.column - 1).value
        assert float(computed) == stored == formula.expected, (formula.cell, formula.formula)
