"""Offline answering: a checksheet filled in as a supplier would, read back into a preview."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.operations import AnswerInput, answers_of, save_answer
from portal.background.models import BackgroundJob, JobState
from portal.errors import Conflict
from portal.extensions import db
from portal.organizations.models import Role
from portal.reports import Change, ExpectedAssessment, build_checksheet, parse_offline_upload
from portal.reports.checksheet import COL_ANSWER, COL_COMMENT, COL_ITEM_ID, COL_NA_REASON, FIRST_ROW
from portal.reports.data import ChecksheetData
from portal.reports.offline import apply_import
from portal.reports.offline_import import MESSAGES, Limits
from tests.conftest import sign_in
from tests.parallel import held_at_first_write
from tests.portal.api.helpers import token_for
from tests.portal.reports.sample import expected_for, make_data
from tests.portal.reports.test_offline_pages import download_checksheet
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)

SHEET = "チェックシート"
GOV01, GOV02, GOV03, STF01, STF02, STF03, STF04 = range(FIRST_ROW, FIRST_ROW + 7)


def blank_data() -> ChecksheetData:
    data = make_data()
    rows = tuple(replace(row, answer_code=None, comment=None, na_reason=None) for row in data.rows)
    return replace(data, rows=rows)


def fill(workbook_bytes: bytes, cells: dict[str, Any], sheet: str = SHEET, edit: Any = None) -> bytes:
    """Open the file in openpyxl as a spreadsheet program would, type into cells, and save it.

    Strings are typed as text (as Excel keeps text typed after an apostrophe, or pasted into a text cell).
    """
    book = load_workbook(io.BytesIO(workbook_bytes))
    for coordinate, value in cells.items():
        book[sheet][coordinate] = value
        if isinstance(value, str):
            book[sheet][coordinate].data_type = "s"
    if edit is not None:
        edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def codes(preview: Any) -> list[str]:
    return [problem.code for problem in preview.problems]


def refused_with(preview: Any, code: str, lang: str = "ja", **params: Any) -> None:
    assert preview.refused and not preview.changes and not preview.ok
    [problem] = preview.problems
    assert problem.code == code
    assert problem.message == MESSAGES[lang][code].format(**params)


def test_round_trip_gives_exactly_what_was_filled() -> None:
    data = blank_data()
    filled = fill(
        build_checksheet(data),
        {
            f"G{GOV01}": "実施している",
            f"H{GOV01}": '=HYPERLINK("http://x","y")',
            f"G{GOV02}": "Partially implemented",  # English label in a Japanese file
            f"H{GOV02}": "年1回\r\n見直し",
            f"G{GOV03}": " 実施していない ",
            f"G{STF03}": "該当しない",
            f"I{STF03}": "従業員がいないため",
            f"G{STF04}": "わからない",
            f"H{STF02}": "@SUM(A1)",
        },
    )

    preview = parse_offline_upload(filled, expected_for(data))

    assert preview.ok, [str(problem) for problem in preview.problems]
    assert preview.changes == [
        Change("GOV-01", GOV01, None, "yes", None, '=HYPERLINK("http://x","y")', None, None),
        Change("GOV-02", GOV02, None, "partial", None, "年1回\n見直し", None, None),
        Change("GOV-03", GOV03, None, "no", None, None, None, None),
        Change("STF-02", STF02, None, None, None, "@SUM(A1)", None, None),
        Change("STF-03", STF03, None, "na", None, None, None, "従業員がいないため"),
        Change("STF-04", STF04, None, "unknown", None, None, None, None),
    ]
    assert preview.changes[0].fields == ("answer", "comment")
    assert preview.changes[3].fields == ("comment",)


def test_english_file_round_trip_and_unchanged_rows() -> None:
    data = make_data()  # with current answers
    filled = fill(
        build_checksheet(data, lang="en"), {f"G{STF04}": "実施している", f"G{GOV01}": "Not implemented"}, "Checksheet"
    )

    preview = parse_offline_upload(filled, expected_for(data), lang="en")

    assert preview.ok, [str(problem) for problem in preview.problems]
    assert [(c.item_id, c.old_code, c.new_code) for c in preview.changes] == [
        ("GOV-01", "yes", "no"),
        ("STF-04", None, "yes"),
    ]


def test_a_formula_the_supplier_typed_is_never_read_as_its_text() -> None:
    data = blank_data()
    book = load_workbook(io.BytesIO(build_checksheet(data)))
    book[SHEET][f"H{GOV01}"] = '=HYPERLINK("http://x","y")'  # a real formula, no cached value
    assert book[SHEET][f"H{GOV01}"].data_type == "f"
    buffer = io.BytesIO()
    book.save(buffer)

    preview = parse_offline_upload(buffer.getvalue(), expected_for(data))

    assert preview.ok and preview.changes == []


def test_file_unchanged_means_no_changes() -> None:
    data = make_data()
    preview = parse_offline_upload(build_checksheet(data), expected_for(data))

    assert preview.ok and preview.changes == []


def test_blank_cells_never_erase_anything() -> None:
    data = make_data()  # every item answered, with comments and an N/A reason
    blanks = {f"{column}{row}": None for column in "GHI" for row in (GOV01, GOV03, STF03)}

    preview = parse_offline_upload(fill(build_checksheet(data), blanks), expected_for(data))

    assert preview.ok and preview.changes == []


def test_a_changed_answer_keeps_the_blank_comment_and_carries_its_base_version() -> None:
    data = make_data()
    expected = expected_for(data)
    expected = replace(expected, items=tuple(replace(item, version=3) for item in expected.items))
    filled = fill(build_checksheet(data), {f"G{STF01}": "実施している", f"H{STF01}": None, f"G{STF03}": "実施している"})

    preview = parse_offline_upload(filled, expected)

    assert preview.ok and preview.changes == [
        Change("STF-01", STF01, "no", "yes", "-2", "-2", None, None, 3),
        # Leaving "not applicable" drops its reason, as the answering page does: the preview says so.
        Change("STF-03", STF03, "na", "yes", "#N/A", "#N/A", "\t=1", None, 3),
    ]
    assert [change.fields for change in preview.changes] == [("answer",), ("answer", "na_reason")]


def test_text_in_the_answer_column_of_a_free_text_item_is_its_answer_not_a_code() -> None:
    data = make_data()
    data = replace(data, rows=tuple(replace(r, choices=()) if r.item_id == "STF-04" else r for r in data.rows))
    filled = fill(build_checksheet(data), {f"G{STF04}": "年1回、全員に教育を実施"})

    preview = parse_offline_upload(filled, expected_for(data))

    assert preview.ok and preview.changes == [
        Change("STF-04", STF04, None, None, None, "年1回、全員に教育を実施", None, None, 0)
    ]
    both = fill(build_checksheet(data), {f"G{STF04}": "年1回", f"H{STF04}": "記録あり"})
    assert [c.new_comment for c in parse_offline_upload(both, expected_for(data)).changes] == ["年1回\n記録あり"]


def test_another_assessments_file_is_refused() -> None:
    preview = parse_offline_upload(build_checksheet(make_data(assessment_id=7)), expected_for(make_data()))

    refused_with(preview, "other_assessment", found="7", expected=42)
    assert "このファイルは別の評価のものです" in str(preview.problems[0])


def test_an_old_version_is_refused() -> None:
    old = build_checksheet(make_data(questionnaire_version="2025.1"))

    preview = parse_offline_upload(old, expected_for(make_data()), lang="en")

    refused_with(preview, "other_version", "en", found="scs-core 2025.1", expected="scs-core 2026.1")
    assert "another questionnaire or version" in preview.problems[0].message


def test_a_changed_content_hash_is_refused_as_another_version() -> None:
    preview = parse_offline_upload(build_checksheet(make_data(content_hash="d" * 64)), expected_for(make_data()))

    assert codes(preview) == ["other_version"] and preview.refused


def test_items_changed_since_the_file_was_made() -> None:
    data = make_data()
    expected = expected_for(data)
    preview = parse_offline_upload(build_checksheet(data), replace(expected, items=expected.items[:-1]))

    refused_with(preview, "items_changed")


def test_a_label_typo_names_sheet_cell_and_reason() -> None:
    data = blank_data()
    preview = parse_offline_upload(
        fill(build_checksheet(data), {f"G{GOV02}": "実施しているる", f"G{GOV01}": "実施している"}), expected_for(data)
    )

    assert not preview.ok and not preview.refused
    [problem] = preview.problems
    assert (problem.code, problem.sheet, problem.cell) == ("unknown_label", SHEET, f"G{GOV02}")
    assert problem.message.startswith("回答「実施しているる」は選択肢にありません")
    assert str(problem).startswith(f"{SHEET}!G{GOV02}: ")
    assert [change.item_id for change in preview.changes] == ["GOV-01"]


def test_a_deleted_row_is_named() -> None:
    data = make_data()
    preview = parse_offline_upload(
        fill(build_checksheet(data), {}, edit=lambda book: book[SHEET].delete_rows(GOV02)), expected_for(data)
    )

    assert codes(preview)[0] == "row_deleted"
    assert (preview.problems[0].cell, preview.problems[0].message) == (
        f"B{GOV02}",
        "項目 GOV-02 の行が削除されています（元の位置: 5 行目）。",
    )
    assert codes(preview)[1:] == ["row_moved"] * 5


def test_moved_rows_are_named() -> None:
    data = make_data()

    def swap(book: Any) -> None:
        sheet = book[SHEET]
        for column in range(1, 15):
            a, b = sheet.cell(GOV01, column), sheet.cell(GOV02, column)
            a.value, b.value = b.value, a.value

    preview = parse_offline_upload(fill(build_checksheet(data), {}, edit=swap), expected_for(data), lang="en")

    assert [(p.code, p.cell) for p in preview.problems] == [("row_moved", f"B{GOV02}"), ("row_moved", f"B{GOV01}")]
    assert preview.problems[0].message == "The row of item GOV-01 was moved (it was row 4)."


def test_na_without_reason_edited_question_added_row_and_sheet() -> None:
    data = blank_data()

    def add_sheet(book: Any) -> None:
        book.create_sheet("メモ")["A1"] = "notes"

    filled = fill(
        build_checksheet(data),
        {
            f"G{STF03}": "Not applicable",
            f"E{GOV03}": "責任者を決めていますか？（変更）",
            f"B{STF04 + 1}": "NEW-01",
            f"H{STF04 + 2}": "追記",
        },
        edit=add_sheet,
    )

    preview = parse_offline_upload(filled, expected_for(data))

    assert sorted((p.code, p.sheet, p.cell) for p in preview.problems) == sorted(
        [
            ("extra_sheet", "メモ", ""),
            ("extra_row", SHEET, f"A{STF04 + 2}"),
            ("unknown_item", SHEET, f"B{STF04 + 1}"),
            ("question_edited", SHEET, f"E{GOV03}"),
            ("na_without_reason", SHEET, f"I{STF03}"),
        ]
    )


def test_items_that_may_not_change_now() -> None:
    data = make_data()
    expected = expected_for(data)
    items = tuple(replace(item, editable=item.item_id == "GOV-01") for item in expected.items)
    filled = fill(build_checksheet(data), {f"G{GOV01}": "実施していない", f"G{GOV02}": "実施していない"})

    preview = parse_offline_upload(filled, replace(expected, items=items))

    assert [(p.code, p.cell) for p in preview.problems] == [("not_editable", f"B{GOV02}")]
    assert [c.item_id for c in preview.changes] == ["GOV-01"]


def test_a_workbook_without_meta_is_refused() -> None:
    book = Workbook()
    book.active["A1"] = "checksheet"
    buffer = io.BytesIO()
    book.save(buffer)

    refused_with(parse_offline_upload(buffer.getvalue(), expected_for(make_data())), "no_meta")


def test_a_text_file_renamed_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "回答.xlsx"
    path.write_text("No.,回答\n1,実施している\n", encoding="utf-8")

    refused_with(parse_offline_upload(path, expected_for(make_data())), "not_xlsx")


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")

    refused_with(parse_offline_upload(buffer.getvalue(), expected_for(make_data())), "not_xlsx")


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            zeros = b"\0" * (1024 * 1024)
            for _ in range(60):
                member.write(zeros)
    bomb = buffer.getvalue()
    assert len(bomb) < 200 * 1024

    preview = parse_offline_upload(bomb, expected_for(make_data()))

    refused_with(preview, "too_large_unpacked", size=60 * 1024 * 1024 + 19, limit=50 * 1024 * 1024)


def test_too_many_parts_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for index in range(10):
            archive.writestr(f"xl/media/{index}.bin", b"")

    preview = parse_offline_upload(buffer.getvalue(), expected_for(make_data()), limits=Limits(max_parts=5))

    refused_with(preview, "too_many_parts", count=12, limit=5)


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    data = build_checksheet(make_data())
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)

    refused_with(
        parse_offline_upload(path, expected_for(make_data()), limits=Limits(max_bytes=1000)),
        "too_large",
        size=len(data),
        limit=1000,
    )
    assert parse_offline_upload(data, expected_for(make_data()), limits=Limits(max_bytes=1000)).refused


def test_xml_entity_declarations_are_refused() -> None:
    source = zipfile.ZipFile(io.BytesIO(build_checksheet(make_data())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/workbook.xml":
                content = b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' + content
            archive.writestr(member, content)

    refused_with(parse_offline_upload(buffer.getvalue(), expected_for(make_data())), "xml_dtd", part="xl/workbook.xml")


def test_a_damaged_workbook_is_unreadable() -> None:
    source = zipfile.ZipFile(io.BytesIO(build_checksheet(make_data())))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in source.infolist():
            content = source.read(member)
            archive.writestr(member, content[:20] if member.filename == "xl/workbook.xml" else content)

    refused_with(parse_offline_upload(buffer.getvalue(), expected_for(make_data())), "unreadable")


def test_too_many_rows_are_refused() -> None:
    data = make_data()
    preview = parse_offline_upload(build_checksheet(data), expected_for(data), limits=Limits(max_rows=3))

    assert preview.refused and codes(preview) == ["too_many_rows"]


def test_numbers_typed_in_text_columns_read_as_text() -> None:
    data = blank_data()
    preview = parse_offline_upload(
        fill(build_checksheet(data), {f"H{GOV01}": 12, f"H{GOV02}": 1.5}), expected_for(data)
    )

    assert [(c.item_id, c.new_comment) for c in preview.changes] == [("GOV-01", "12"), ("GOV-02", "1.5")]


def test_messages_exist_in_both_languages() -> None:
    assert MESSAGES["ja"].keys() == MESSAGES["en"].keys()
    expected: ExpectedAssessment = expected_for(make_data())
    assert expected.assessment_id == 42


# --- through the portal: the preview is kept, and confirming applies exactly it ---------------------------


@pytest.fixture
def answered(app, client, make_buyer, make_supplier, make_campaign, make_user):
    """An assessment its owner has answered (one item each: with a comment, plain, N/A with a reason), a
    colleague who may answer too, and the checksheet the owner downloaded (signed in on ``client``)."""
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    colleague = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    for item_id, code, comment, reason in (
        ("POL-01", "yes", "方針あり", None),
        ("STF-01", "no", None, None),
        ("STF-02", "na", None, "委託のみ"),
    ):
        save_answer(assessment, AnswerInput(item_id, code, comment, reason, 0), by=owner)
    db.session.commit()
    sign_in(client, owner.email)
    return SimpleNamespace(
        assessment=assessment, owner=owner, colleague=colleague, checksheet=download_checksheet(client, assessment)
    )


def fill_items(content: bytes, items: dict[str, dict[str, Any]]) -> bytes:
    """Type into the rows of the given items: ``{"STF-01": {"answer": "実施している", "comment": None}}``."""
    columns = {"answer": COL_ANSWER, "comment": COL_COMMENT, "na_reason": COL_NA_REASON}
    book = load_workbook(io.BytesIO(content))
    sheet = book[SHEET]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        for name, value in items.get(sheet.cell(row, COL_ITEM_ID).value, {}).items():
            sheet.cell(row, columns[name]).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Any, assessment: Any, content: bytes) -> str:
    """Upload a filled checksheet on the page; the URL of its preview."""
    response = client.post(
        f"/assessments/{assessment.id}/offline",
        data={"file": (io.BytesIO(content), "answers.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    return str(response.headers["Location"])


def colleague_saves(world: Any, item_id: str, code: str) -> None:
    answer = answers_of(world.assessment)[item_id]
    data = AnswerInput(item_id, code, answer.comment, answer.na_reason, answer.version)
    save_answer(world.assessment, data, by=world.colleague)
    db.session.commit()


def stored(assessment: Any) -> dict[str, tuple[str | None, str | None, str | None]]:
    db.session.expire_all()
    return {item_id: (a.code, a.comment, a.na_reason) for item_id, a in answers_of(assessment).items()}


def section(page: str, anchor: str) -> str:
    """The table that follows the heading ``anchor``."""
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</table>", start)]


BEFORE = {"POL-01": ("yes", "方針あり", None), "STF-01": ("no", None, None), "STF-02": ("na", None, "委託のみ")}
#: POL-01 changes with its comment cell emptied; STF-01 changes; STF-02 stays as it was downloaded.
EDITS = {"POL-01": {"answer": "一部実施している", "comment": None}, "STF-01": {"answer": "実施している"}}


def test_an_answer_saved_after_the_preview_is_left_alone_and_listed(answered, client):
    preview_url = upload(client, answered.assessment, fill_items(answered.checksheet, EDITS))
    preview = client.get(preview_url).get_data(as_text=True)
    assert "一部実施している" in preview and "STF-01" in preview and "STF-02" not in preview
    assert stored(answered.assessment) == BEFORE  # nothing yet

    colleague_saves(answered, "STF-01", "unknown")  # a previewed item
    colleague_saves(answered, "STF-02", "no")  # the file still says 該当しない: read again, it would now differ
    assert client.post(preview_url).status_code == 302

    assert stored(answered.assessment) == {
        "POL-01": ("partial", "方針あり", None),  # the blank comment cell kept the comment
        "STF-01": ("unknown", None, None),
        "STF-02": ("no", None, None),
    }
    page = client.get(preview_url).get_data(as_text=True)
    conflicts = section(page, "conflicts")
    assert "STF-01" in conflicts and "従業員に教育をしていますか。" in conflicts
    assert "わからない" in conflicts and "実施している" in conflicts  # saved now, and in the file: as labels
    assert ">unknown<" not in conflicts and ">yes<" not in conflicts and "POL-01" not in conflicts
    applied = section(page, "applied")
    assert "POL-01" in applied and "一部実施している" in applied and "STF-01" not in applied
    assert "STF-02" not in page


def test_blank_cells_erase_nothing_through_the_page(answered, client):
    blank = {item: {"answer": None, "comment": None, "na_reason": None} for item in BEFORE}
    preview_url = upload(client, answered.assessment, fill_items(answered.checksheet, blank))

    page = client.get(preview_url).get_data(as_text=True)
    assert 'type="submit" class="primary"' not in page
    client.post(preview_url)
    assert stored(answered.assessment) == BEFORE


def test_each_confirm_applies_its_own_preview_once(answered, client):
    first = upload(
        client, answered.assessment, fill_items(answered.checksheet, {"POL-01": {"answer": "実施していない"}})
    )
    # Another tab uploads another file before the first preview is confirmed.
    second = upload(client, answered.assessment, fill_items(answered.checksheet, {"STF-01": {"answer": "わからない"}}))
    assert first != second

    client.post(first)
    assert stored(answered.assessment) == {**BEFORE, "POL-01": ("no", "方針あり", None)}
    colleague_saves(answered, "POL-01", "yes")
    client.post(first)
    assert "この取り込みはすでに反映済みです。" in client.get(first).get_data(as_text=True)
    assert stored(answered.assessment)["POL-01"] == ("yes", "方針あり", None)  # the replay changed nothing

    client.post(second)
    assert stored(answered.assessment) == {
        **BEFORE,
        "POL-01": ("yes", "方針あり", None),
        "STF-01": ("unknown", None, None),
    }


def test_a_preview_is_confirmed_only_by_whoever_uploaded_it(answered, client):
    preview_url = upload(client, answered.assessment, fill_items(answered.checksheet, EDITS))
    client.post("/sign-out")
    sign_in(client, answered.colleague.email)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert stored(answered.assessment) == BEFORE


def test_the_api_confirm_applies_the_preview_and_reports_conflicts(answered, client):
    owner, colleague = token_for(answered.owner), token_for(answered.colleague)
    url = f"/api/v1/assessments/{answered.assessment.id}"
    response = client.post(
        url + "/import",
        data={"file": (io.BytesIO(fill_items(answered.checksheet, EDITS)), "answers.xlsx")},
        headers=owner,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    preview = response.get_json()
    versions = {item_id: answer.version for item_id, answer in answers_of(answered.assessment).items()}
    assert [(c["item"], c["new_code"], c["base_version"]) for c in preview["changes"]] == [
        ("POL-01", "partial", versions["POL-01"]),
        ("STF-01", "yes", versions["STF-01"]),
    ]
    for item, code in (("STF-01", "unknown"), ("STF-02", "no")):
        change = {"item": item, "code": code, "version": versions[item]}
        saved = client.put(url + "/answers", json={"answers": [change]}, headers=colleague)
        assert saved.status_code == 200, saved.get_json()

    applied = client.post(preview["confirm_url"], headers=owner)

    assert applied.status_code == 200, applied.get_json()
    body = applied.get_json()
    assert body["changed"] == 1
    [conflict] = body["conflicts"]
    assert conflict["item"] == "STF-01" and conflict["question"] == "従業員に教育をしていますか。"
    assert conflict["message"]
    assert conflict["current"] == {
        "code": "unknown",
        "answer": "わからない",
        "comment": None,
        "na_reason": None,
        "evidence_note": None,
    }
    assert conflict["file"] == {
        "code": "yes",
        "answer": "実施している",
        "comment": None,
        "na_reason": None,
        "evidence_note": None,
    }
    assert stored(answered.assessment) == {
        "POL-01": ("partial", "方針あり", None),
        "STF-01": ("unknown", None, None),
        "STF-02": ("no", None, None),
    }
    assert client.post(preview["confirm_url"], headers=owner).status_code == 409
    assert stored(answered.assessment)["POL-01"] == ("partial", "方針あり", None)


def test_a_confirm_racing_another_applies_nothing(app, answered, client):
    """Two confirms of one preview at once (a double click, a retried request): the second to claim it is
    refused, even when it read the import as still waiting, and the answers change once."""
    preview_url = upload(
        client, answered.assessment, fill_items(answered.checksheet, {"STF-01": {"answer": "わからない"}})
    )
    import_id = int(preview_url.rstrip("/").rsplit("/", 1)[1])
    version = answers_of(answered.assessment)["STF-01"].version
    job = db.session.get(BackgroundJob, import_id)
    assert job.state == JobState.QUEUED  # this request has read it as waiting

    def confirm_elsewhere() -> None:
        assessment = db.session.get(Assessment, answered.assessment.id)
        owner = db.session.get(User, answered.owner.id)
        apply_import(db.session.get(BackgroundJob, import_id), assessment, by=owner)
        db.session.commit()

    # The other confirm runs to its end just before ours takes the assessment's lock and claims the import.
    with pytest.raises(Conflict) as refused, held_at_first_write(app, confirm_elsewhere):
        apply_import(job, answered.assessment, by=answered.owner)
    db.session.rollback()
    assert str(refused.value.message) == "This import has already been applied."  # refused by the claim itself
    answer = answers_of(answered.assessment)["STF-01"]
    assert (answer.code, answer.version) == ("unknown", version + 1)
