"""Bulk import of suppliers: .xlsx and CSV (UTF-8, BOM, Shift_JIS), a preview with each row's problems in
words, and a confirmation that adds every supplier or none."""

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from portal.accounts.models import Invitation
from portal.background.models import BackgroundJob
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.corporate_number import valid_corporate_number
from portal.suppliers.bulk import read_supplier_list
from portal.suppliers.models import Supplier, Tier
from tests.conftest import sign_in
from tests.portal.campaigns.helpers import count_rows, sign_in_english, text

#: Valid 法人番号 (check digit first).
NUMBERS = ["7000012050002", "2010001008824", "5010401089998"]


def corporate_number(base: int) -> str:
    digits = f"{base:012d}"
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(digits), start=1))
    return f"{9 - total % 9}{digits}"


def xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    return "\r\n".join(",".join(row) for row in rows).encode(encoding)


def upload(client, content, filename="suppliers.xlsx"):
    return client.post("/suppliers/import", data={"file": (io.BytesIO(content), filename)})


def rows_of(content):
    return {row.row: row for row in read_supplier_list(content)}


def test_corporate_number_check_digit():
    assert all(valid_corporate_number(n) for n in NUMBERS)
    assert valid_corporate_number(corporate_number(123456789012))
    assert not valid_corporate_number("1000012050002")  # wrong check digit
    assert not valid_corporate_number("700001205000")  # 12 digits
    assert not valid_corporate_number("７000012050002")  # full-width is folded by the reader, not here


def test_three_hundred_rows_are_previewed_then_added_at_once_and_t2_ones_found(client, make_buyer):
    _buyer, admin = make_buyer()
    rows = [["取引先名", "メールアドレス", "区分", "法人番号"]]
    rows += [
        [f"株式会社{n:03d}", f"Contact{n}@Supplier{n}.example.jp", ("T1", "標準", "T3")[n % 3], corporate_number(n + 1)]
        for n in range(300)
    ]
    sign_in(client, admin.email)
    response = upload(client, xlsx(rows))
    assert response.status_code == 302
    preview = text(client.get(response.headers["Location"]))
    assert 'data-rows="300"' in preview and "data-problems" not in preview
    assert count_rows(Supplier) == 0  # nothing before the confirmation
    confirm = client.post(response.headers["Location"])
    assert confirm.status_code == 302
    assert count_rows(Supplier) == 300
    assert count_rows(Invitation) == 300
    assert count_rows(OutboxMessage) == 300
    t2 = db.session.scalars(sa.select(Supplier).where(Supplier.tier == Tier.T2)).all()
    assert len(t2) == 100
    first = db.session.scalar(sa.select(Supplier).where(Supplier.name == "株式会社000"))
    assert (first.contact_email, first.corporate_number) == ("contact0@supplier0.example.jp", corporate_number(1))
    assert f'<dd class="corporate-number">{corporate_number(1)}</dd>' in text(client.get(f"/suppliers/{first.id}"))
    # Confirming the same preview again adds nothing.
    client.post(response.headers["Location"])
    assert count_rows(Supplier) == 300


def test_every_problem_is_said_by_row_and_nothing_is_added(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    existing, _owner = make_supplier(buyer, name="既存")
    existing.corporate_number = NUMBERS[2]
    db.session.commit()
    content = csv_bytes(
        [
            ["name", "contact e-mail", "tier", "corporate number"],
            ["Good", "good@example.com", "T2", NUMBERS[0]],
            ["", "noname@example.com", "T1", ""],
            ["Bad mail", "not-an-address", "T1", ""],
            ["Twice", "good@example.com", "T1", ""],
            ["Bad number", "n@example.com", "T1", "1234567890123"],
            ["Unknown tier", "t@example.com", "T9", ""],
            ["No tier", "x@example.com", "", ""],
            ["Existing", existing.contact_email, "T1", ""],
            ["Same number", "s@example.com", "T1", NUMBERS[2]],
        ]
    )
    sign_in_english(client, admin)
    response = upload(client, content, "suppliers.csv")
    page = text(client.get(response.headers["Location"]))
    assert 'data-problems="8"' in page
    for words in (
        "The name is missing.",
        "&#39;not-an-address&#39; is not an e-mail address.",
        "The same contact e-mail address as row 2.",
        "is not a corporate number",
        "&#39;T9&#39; is not a tier",
        "The tier is missing",
        "既存 already has this contact e-mail address.",
        "既存 already has this corporate number.",
    ):
        assert words in page, words
    assert "Add " not in page  # no confirm button
    assert client.post(response.headers["Location"]).status_code == 302
    assert count_rows(Supplier) == 1  # refused: only the one that was there


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_utf8_with_or_without_bom_and_shift_jis(encoding):
    content = csv_bytes([["取引先名", "メールアドレス", "区分"], ["株式会社日本", "a@example.jp", "高度"]], encoding)
    row = rows_of(content)[2]
    assert (row.name, row.contact_email, row.tier, row.errors) == ("株式会社日本", "a@example.jp", "T3", [])


def test_tier_from_the_intake_answers_and_a_reason_for_another_tier():
    content = csv_bytes(
        [
            ["name", "email", "tier", "機密情報", "停止影響", "ネットワーク接続", "システム開発運用", "区分の理由"],
            ["A", "a@example.com", "", "はい", "いいえ", "いいえ", "いいえ", ""],
            ["B", "b@example.com", "T1", "はい", "いいえ", "いいえ", "いいえ", ""],
            ["C", "c@example.com", "T1", "はい", "いいえ", "いいえ", "いいえ", "少額取引"],
            ["D", "d@example.com", "", "はい", "", "", "", ""],
            ["E", "e@example.com", "", "たぶん", "no", "no", "no", ""],
        ]
    )
    rows = rows_of(content)
    assert (rows[2].tier, rows[2].intake["holds_confidential_data"], rows[2].errors) == ("T2", True, [])
    assert rows[3].errors and "suggested T2" in rows[3].errors[0]
    assert (rows[4].tier, rows[4].tier_reason, rows[4].errors) == ("T1", "少額取引", [])
    assert rows[5].errors and rows[6].errors


def test_values_are_cleaned_and_full_width_numbers_folded():
    content = csv_bytes(
        [
            ["name", "email", "tier", "法人番号"],
            ["  株式会社  ", " A@Example.COM ", "ｔ２", "７０００-０１２０５０００２"],
        ]
    )
    row = rows_of(content)[2]
    assert (row.name, row.contact_email, row.tier, row.corporate_number) == (
        "株式会社",
        "a@example.com",
        "T2",
        NUMBERS[0],
    )
    invisible = csv_bytes([["name", "email", "tier"], ["株式会社\u202e", "a@example.com", "T1"]])
    assert rows_of(invisible)[2].errors


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01binary",
        b"PK\x03\x04not really a zip",
        b"name,tier\r\nA,T1",  # no e-mail column
        b"name,email\r\n",  # no rows
        b"\xff\xfe\xfa\xfb" * 10,  # neither UTF-8 nor Shift_JIS
    ],
)
def test_unreadable_files_are_refused_in_words(client, make_buyer, content):
    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    response = upload(client, content, "x.csv")
    assert response.status_code == 400
    assert 'class="error form-error"' in text(response)
    assert count_rows(BackgroundJob) == 0


def test_only_the_uploader_of_the_buyer_sees_or_confirms_an_import(client, make_buyer, make_user):
    from portal.organizations.models import Role

    buyer, admin = make_buyer()
    _other_buyer, other_admin = make_buyer()
    colleague = make_user(organization=buyer, role=Role.BUYER_ADMIN)
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    sign_in(client, admin.email)
    location = upload(client, xlsx([["name", "email", "tier"], ["A", "a@example.com", "T1"]])).headers["Location"]
    client.post("/sign-out")
    for user, status in ((other_admin, 404), (colleague, 404), (reviewer, 403)):
        sign_in(client, user.email)
        assert client.get(location).status_code == status
        assert client.post(location).status_code == status
        client.post("/sign-out")
    assert count_rows(Supplier) == 0
    sign_in(client, reviewer.email)
    assert client.get("/suppliers/import").status_code == 403


def test_the_blank_list_offered_imports_as_its_example(client, make_buyer):
    _buyer, admin = make_buyer()
    sign_in(client, admin.email)
    assert "/suppliers/import/template.xlsx" in text(client.get("/suppliers/import"))
    blank = client.get("/suppliers/import/template.xlsx")
    assert blank.status_code == 200 and blank.headers["Content-Disposition"].startswith("attachment")
    row = rows_of(blank.data)[2]
    assert (row.name, row.contact_email, row.tier, row.corporate_number, row.errors) == (
        "株式会社サンプル",
        "tanto@example.co.jp",
        "T2",
        "7000012050002",
        [],
    )
