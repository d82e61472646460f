"""What changed between two versions: one comparison for the changes page, the API and the next round's marking."""

from portal.assessments.rules import changed_item_ids
from portal.catalog.changes import compare
from questionnaires import load_text
from tests.workflow_fixtures import WORKFLOW_DEFINITION

NEXT = (
    WORKFLOW_DEFINITION.replace('version: "1"', 'version: "2"')
    .replace("方針を年1回見直していますか。", "方針を半年に1回見直していますか。")  # POL-02: asked differently
    .replace("        critical: true\n", "")  # POL-01: no longer critical (scoring only)
    .replace(
        "      - id: STF-02\n        tier: T1\n",  # STF-02 removed, STF-03 added in its place
        "      - id: STF-03\n        tier: T2\n",
    )
    .replace(
        "{code: partial, label: {ja: 一部実施している", "{code: partial, label: {ja: 一部のみ実施"
    )  # every item's scale
)


def test_added_removed_and_changed_items_with_their_fields():
    old, new = load_text(WORKFLOW_DEFINITION, "1.yaml"), load_text(NEXT, "2.yaml")
    changes = compare(old, new)
    assert [i.id for i in changes.added] == ["STF-03"] and [i.id for i in changes.removed] == ["STF-02"]
    fields = {c.after.id: c.fields for c in changes.changed}
    assert fields == {"POL-01": ("scale", "critical"), "POL-02": ("text", "scale"), "STF-01": ("scale",)}
    assert not compare(old, old)


def test_the_next_round_marks_what_the_changes_page_says_is_asked_again():
    old = load_text(WORKFLOW_DEFINITION, "1.yaml")
    critical_only = load_text(WORKFLOW_DEFINITION.replace("        critical: true\n", ""), "c.yaml")
    assert changed_item_ids(old, critical_only, ["POL-01", "POL-02"]) == []  # a scoring change asks nothing again
    new = load_text(NEXT, "2.yaml")
    ids = [item.id for item in new.items]
    assert changed_item_ids(old, new, ids) == sorted(compare(old, new).marked_ids(), key=ids.index)
    assert changed_item_ids(None, new, ids) == []
