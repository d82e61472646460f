"""Dates in one format per language: pages, e-mails and workbooks agree (issue 17)."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale

from portal.dates import DATE_PATTERNS, DATETIME_PATTERNS
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.reports import build_checksheet
from portal.reports.cells import DATE_FORMATS, DATETIME_FORMATS
from tests.portal.campaigns.helpers import sign_in_english, text
from tests.portal.reports.sample import make_data
from tests.workbooks import open_book

PORTAL = Path(__file__).resolve().parents[2] / "portal"
DAY = date(2027, 3, 31)
MOMENT = datetime(2027, 3, 31, 5, 5, tzinfo=UTC)  # 14:05 in Japan


def rendered(lang: str, source: str) -> str:
    with force_locale(lang):
        return render_template_string(source, day=DAY, moment=MOMENT)


def test_every_width_a_template_names_gives_the_language_s_one_format(app):
    widths = '{{ day | dateformat }}|{{ day | dateformat("medium") }}|{{ day | dateformat("long") }}'
    moments = (
        '{{ moment | datetimeformat }}|{{ moment | datetimeformat("short") }}|{{ moment | datetimeformat("medium") }}'
    )
    with app.test_request_context():
        assert rendered("ja", widths) == "2027/03/31|2027/03/31|2027/03/31"
        assert rendered("en", widths) == "31 Mar 2027|31 Mar 2027|31 Mar 2027"
        assert rendered("ja", moments) == "2027/03/31 14:05|2027/03/31 14:05|2027/03/31 14:05"
        assert rendered("en", moments) == "31 Mar 2027 14:05|31 Mar 2027 14:05|31 Mar 2027 14:05"


def test_workbooks_use_the_pages_formats():
    for lang in DATE_PATTERNS:
        assert DATE_FORMATS[lang] == DATE_PATTERNS[lang].lower()
        assert DATETIME_FORMATS[lang] == DATETIME_PATTERNS[lang].lower()
    for lang in ("ja", "en"):
        book = open_book(build_checksheet(make_data(due_date=DAY), lang=lang))
        summary = book[book.sheetnames[0]]
        formats = {cell.number_format for row in summary.iter_rows() for cell in row if cell.is_date}
        assert formats <= {DATE_FORMATS[lang], DATETIME_FORMATS[lang]} and DATE_FORMATS[lang] in formats


def test_pages_and_e_mails_write_the_due_date_one_way(client, make_buyer, make_supplier, make_campaign, make_user):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    english = make_user(organization=supplier.organization, role=Role.SUPPLIER_RESPONDER, locale="en")
    campaign = make_campaign(buyer, [supplier], by=admin)
    due = campaign.due_date
    ja_day, en_day = due.strftime("%Y/%m/%d"), f"{due.day} {due.strftime('%b')} {due.year}"

    bodies = dict(db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.body)).all())
    assert ja_day in bodies[owner.email] and not re.search(r"\d+年\d+月\d+日", bodies[owner.email])
    sign_in_english(client, english)
    assert en_day in text(client.get("/"))
    client.post("/sign-out")
    owner.locale = "ja"
    db.session.commit()
    client.post("/sign-in", data={"email": owner.email, "password": "correct horse battery"})
    home = text(client.get("/"))
    assert ja_day in home and f"{due.year}年" not in home


def test_no_code_formats_a_date_another_way():
    """Dates are written through portal/dates.py (the template filters or format_day/format_moment) only."""
    other_ways = re.compile(r"\bformat_date\(|\bformat_datetime\(|\.strftime\(")
    offenders = [
        str(path.relative_to(PORTAL))
        for path in PORTAL.rglob("*.py")
        if path.name != "dates.py" and other_ways.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
