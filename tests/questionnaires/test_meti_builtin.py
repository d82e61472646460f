"""The built-in METI SCS questionnaire (issue 21) is exactly what the table importer makes of METI's table with the
mapping kept in the repository; its counts, levels, model, references and attribution are METI's."""

from collections import Counter
from pathlib import Path

import pytest

from questionnaires import Tier, load_builtin, load_file
from questionnaires.importers import write_definition_yaml
from questionnaires.importers.table import import_table

ROOT = Path(__file__).resolve().parents[2]
METI_TABLE = ROOT.parent / "shared" / "data" / "meti-scs" / "SC_Security.csv"
MAPPING = ROOT / "questionnaires" / "mappings" / "meti-scs.yaml"
BUILT_IN = ROOT / "questionnaires" / "definitions" / "meti-scs" / "2026.3.yaml"
ATTRIBUTION = "出典：経済産業省「サプライチェーン強化に向けたセキュリティ対策評価制度」要求事項及び評価基準"


@pytest.mark.skipif(not METI_TABLE.exists(), reason="../shared/data/meti-scs is not present (it is in CI)")
def test_the_committed_definition_is_what_the_importer_writes_from_the_table(tmp_path):
    out = tmp_path / "2026.3.yaml"
    write_definition_yaml(import_table(METI_TABLE, MAPPING), out)
    assert out.read_text(encoding="utf-8") == BUILT_IN.read_text(encoding="utf-8")


def test_153_criteria_81_at_star3_72_more_at_star4_under_43_requirements():
    meti = load_file(BUILT_IN)
    assert meti in load_builtin()
    assert Counter(item.tier for item in meti.items) == {Tier.T1: 81, Tier.T2: 72}
    assert len(meti.sections) == 43 and meti.sections[0].title.ja == "ガバナンスの整備 / 組織の状況 / 社内ルール"
    assert meti.level_tiers == (Tier.T1, Tier.T2)
    assert (meti.level_name("T1").ja, meti.level_name("T2").en) == ("★3", "★4")
    assert meti.scoring.model == "meti_scs"
    assert ATTRIBUTION in meti.source and "modified" in meti.source and "政府標準利用規約" in meti.licence
    first = meti.item("1-1-1-1")
    assert (
        first.tier == Tier.T2 and first.section_id == "1-1-1" and first.text.ja.startswith("・セキュリティに関連する")
    )
    assert first.references == {
        "meti_scs": ("1-1-1",),
        "iso27001": ("4.1", "4.2", "A.5.31"),
        "nist_csf": ("統治(GV)",),
        "jama": ("No.9 (LV1)", "No.10 (LV2)"),
    }
    assert meti.item("1-2-1-1").tier == Tier.T1
