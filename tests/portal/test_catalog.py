"""Publishing definitions into the database and the ``flask questionnaires`` commands."""

import csv

import openpyxl
import pytest
import sqlalchemy as sa

from portal.catalog.models import QuestionnaireVersion
from portal.catalog.operations import publish
from portal.errors import Conflict
from portal.extensions import db
from questionnaires import load_text
from tests.questionnaires.conftest import SMALL_DEFINITION


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_publishing_is_idempotent_and_a_changed_version_is_refused(app):
    stored, new = publish(load_text(SMALL_DEFINITION, "small.yaml"), origin="import")
    db.session.commit()
    assert new and stored.item_count == 3 and stored.tier_counts == {"T1": 1, "T2": 1, "T3": 1}
    assert publish(load_text(SMALL_DEFINITION, "small.yaml"), origin="import") == (stored, False)

    edited = SMALL_DEFINITION.replace("方針を定めていますか", "方針を文書で定めていますか")
    with pytest.raises(Conflict) as refused:
        publish(load_text(edited, "small.yaml"), origin="import")
    assert "new version" in str(refused.value.message)
    bumped = edited.replace('version: "2026.1"', 'version: "2026.2"')
    publish(load_text(bumped, "small.yaml"), origin="import")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireVersion)) == 2


def test_publish_and_list_commands(app, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_DEFINITION, encoding="utf-8")
    result = cli(app, "questionnaires", "publish", str(path))
    assert result.exit_code == 0 and "published" in result.output
    listed = cli(app, "questionnaires", "list")
    assert "small-check" in listed.output and "T1:   1" in listed.output
    path.write_text(SMALL_DEFINITION.replace("教育をしていますか", "研修をしていますか"), encoding="utf-8")
    refused = cli(app, "questionnaires", "publish", str(path))
    assert refused.exit_code != 0 and "new version" in refused.output


def test_validate_command_names_file_path_and_reason(app, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(SMALL_DEFINITION, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_DEFINITION.replace("tier: T2", "tier: T4"), encoding="utf-8")
    assert cli(app, "questionnaires", "validate", str(good)).exit_code == 0
    result = cli(app, "questionnaires", "validate", str(bad))
    assert result.exit_code == 1
    assert "bad.yaml: sections[0].items[1].tier:" in result.output


def test_import_table_writes_a_valid_definition(app, tmp_path):
    sheet = tmp_path / "checksheet.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["No.", "分類", "質問", "基本", "標準"])
        writer.writerow(["1-1", "方針", "基本方針を定めていますか", "○", ""])
        writer.writerow(["1-2", "方針", "方針を年1回見直していますか", "", "○"])
        writer.writerow(["", "", "", "", ""])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "header_rows: 1\nid: {column: A, separator: '-', levels: 2}\ntext: C\nsections:\n  - {title: B}\n"
        "tiers: {T1: D, T2: E}\noutput:\n  key: buyer-sheet\n  version: '1'\n"
        "  title: {ja: 取引先チェックシート, en: Supplier checksheet}\n"
        "  source: Our own sheet\n  licence: internal\n",
        encoding="utf-8",
    )
    out = tmp_path / "buyer-sheet.yaml"
    result = cli(app, "questionnaires", "import-table", str(sheet), "--mapping", str(mapping), "--out", str(out))
    assert result.exit_code == 0, result.output
    imported = load_text(out.read_text(encoding="utf-8"), "buyer-sheet.yaml")
    assert [(i.id, str(i.tier)) for i in imported.items] == [("1-1", "T1"), ("1-2", "T2")]


def test_import_vsaq_refuses_a_file_that_is_not_vsaq(app, tmp_path):
    source = tmp_path / "not-vsaq.json"
    source.write_text('{"hello": "world"}', encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli(app, "questionnaires", "import-vsaq", str(source), "--out", str(out))
    assert result.exit_code != 0 and "questionnaire" in result.output
    assert not out.exists()


def test_export_xlsx_writes_a_blank_checksheet(app, tmp_path):
    publish(load_text(SMALL_DEFINITION, "small.yaml"), origin="import")
    db.session.commit()
    out = tmp_path / "blank.xlsx"
    result = cli(app, "questionnaires", "export-xlsx", "small-check", "2026.1", "--out", str(out))
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(out)
    texts = {cell.value for row in workbook.active.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert "方針を定めていますか" in texts
    missing = cli(app, "questionnaires", "export-xlsx", "nope", "1", "--out", str(tmp_path / "x.xlsx"))
    assert missing.exit_code != 0 and "No questionnaire" in missing.output


def test_import_table_lists_every_problem_by_row_and_column_and_writes_nothing(app, tmp_path):
    sheet = tmp_path / "checksheet.csv"
    sheet.write_bytes("No.,分類,質問,基本\n1-1,方針,a,x\n1-2,方針,b,x\n1-3,方針,,○\n".encode("cp932"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "id: A\ntext: C\nsections: [{title: B}]\ntiers: {T1: D}\noutput: {key: k, version: '1', "
        "title: {ja: t, en: t}, source: s, licence: l}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.yaml"
    result = cli(app, "questionnaires", "import-table", str(sheet), "--mapping", str(mapping), "--out", str(out))
    assert result.exit_code != 0 and not out.exists()
    assert "row 2, column D: unrecognised tier marker 'x' (2 rows like this)" in result.output
    assert "row 4, column C: The question has no text." in result.output
    assert "2 problem(s) in checksheet.csv; nothing was written." in result.output
