"""``flask questionnaires crosswalk KEY/VERSION KEY/VERSION``: per item, how many items of the other it covers."""

from tests.questionnaires.test_crosswalk import METI_MAPPING, METI_TABLE, needs_meti


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def rows_of(output):
    return {line.split()[0]: line.split()[1:] for line in output.splitlines()[2:] if len(line.split()) == 3}


def test_crosswalk_of_the_builtin_banks(app):
    result = cli(app, "questionnaires", "crosswalk", "ipa-self-check/2026.1", "supply-chain/2026.1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ipa-self-check 2026.1 -> supply-chain 2026.1"
    rows = rows_of(result.output)
    assert len(rows) == 25
    assert rows["IPA-01"] == ["1", "3"]  # ITA-01 cites Q1; ITA-14, ITA-18 and ITA-21 cite what Q1 is mapped onto
    assert lines[-2] == "ipa-self-check 2026.1: 25 items matched exactly, 0 only by relation, 0 not at all"
    assert lines[-1].startswith("supply-chain 2026.1: ")


def test_a_questionnaire_against_itself_covers_each_item_as_the_same_item(app):
    result = cli(app, "questionnaires", "crosswalk", "supply-chain/2026.1", "supply-chain/2026.1")
    assert result.exit_code == 0, result.output
    assert all(int(exact) >= 1 for exact, _ in rows_of(result.output).values())
    assert (
        result.output.splitlines()[-1]
        == "supply-chain 2026.1: 81 items matched exactly, 0 only by relation, 0 not at all"
    )


def test_unknown_or_badly_written_questionnaires_are_refused(app):
    assert "write KEY/VERSION" in cli(app, "questionnaires", "crosswalk", "supply-chain", "x/1").output
    unknown = cli(app, "questionnaires", "crosswalk", "supply-chain/2026.1", "nothing/1")
    assert unknown.exit_code != 0 and "No questionnaire nothing version 1" in unknown.output


@needs_meti
def test_crosswalk_against_a_published_meti_bank(app, tmp_path):
    out = tmp_path / "meti.yaml"
    imported = cli(
        app, "questionnaires", "import-table", str(METI_TABLE), "--mapping", str(METI_MAPPING), "--out", str(out)
    )
    assert imported.exit_code == 0, imported.output
    assert cli(app, "questionnaires", "publish", str(out)).exit_code == 0
    result = cli(app, "questionnaires", "crosswalk", "supply-chain/2026.1", "meti-scs-criteria/2026.3")
    assert result.exit_code == 0, result.output
    assert rows_of(result.output)["ITA-01"] == ["10", "18"]
    lines = result.output.splitlines()
    assert lines[-2] == "supply-chain 2026.1: 61 items matched exactly, 10 only by relation, 10 not at all"
    assert lines[-1].startswith("meti-scs-criteria 2026.3: ")


def test_tiers_limit_both_sides(app):
    result = cli(
        app,
        "questionnaires",
        "crosswalk",
        "supply-chain/2026.1",
        "supply-chain/2026.1",
        "--tier",
        "T1",
        "--other-tier",
        "T2",
    )
    assert result.exit_code == 0, result.output
    rows = rows_of(result.output)
    assert len(rows) == 30 and "GOV-03" not in rows  # 30 T1 items; GOV-03 is a T2 item
    lines = result.output.splitlines()
    assert lines[-2] == "supply-chain 2026.1: 30 items matched exactly, 0 only by relation, 0 not at all"
    assert sum(int(n) for n in lines[-1].split(": ")[1].split() if n.isdigit()) == 63  # the 63 items at T2
