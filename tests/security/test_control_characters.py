"""Names with control characters are refused at input, by the pages, the API and the command line.

A line break in an organisation's, supplier's, user's or campaign's name would reach e-mail subjects and
file names; a direction override or a zero-width character makes a name read as something it is not.
Each is refused with a message and changes nothing (tests/portal/test_outbox.py covers names stored before).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.campaigns.models import Campaign
from portal.extensions import db
from portal.organizations.models import Organization, Role
from portal.suppliers.models import Supplier
from portal.text_input import clean_name, one_line
from tests.conftest import outbox_links, path_of, sign_in
from tests.portal.api.helpers import token_for
from tests.portal.campaigns.helpers import campaign_form

#: Names that must be refused; each as typed into a form, sent to the API or given on the command line.
BROKEN = [
    "Evil K.K.\r\nBcc: victim@example.com",
    "Evil\nK.K.",
    "Evil\tK.K.",
    "\u202eK.K. liveE",
    "Evil\u200bK.K.",
    "Evil\u2066K.K.\u2069",
    "\ufeffEvil K.K.",
    "Evil\u2028K.K.",
    "Evil\x1bK.K.",
]
MESSAGE_EN = "Names cannot contain line breaks, tabs or invisible control characters"
MESSAGE_JA = "名前には、改行やタブ、文字の向きを変える記号などの見えない制御文字は使えません。"


def says_refused(response: Any) -> bool:
    return MESSAGE_JA in html.unescape(response.get_data(as_text=True))


def count(model: Any) -> int:
    return int(db_scalar(sa.select(sa.func.count()).select_from(model)))


def db_scalar(query: Any) -> Any:
    return db.session.scalar(query)


@pytest.mark.parametrize("name", BROKEN)
def test_the_rule_refuses_what_it_should_and_keeps_japanese(name):
    with pytest.raises(Exception, match="Names cannot contain"):
        clean_name(name)
    assert clean_name("  株式会社　山田製作所 (東京)  ") == "株式会社　山田製作所 (東京)"
    assert clean_name("   ") == ""


def test_stored_values_put_on_one_line_lose_breaks_and_invisible_characters():
    assert one_line("Evil K.K.\r\nBcc: victim@example.com") == "Evil K.K. Bcc: victim@example.com"
    assert one_line("\u202eabc\u200b\tdef\x00") == "abc def"
    assert one_line("株式会社　山田") == "株式会社　山田"


def test_buyer_pages_refuse_broken_supplier_and_campaign_names(client, make_buyer, make_supplier, make_version):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="Good K.K.")
    version = make_version()
    sign_in(client, admin.email)
    for n, name in enumerate(BROKEN):
        data = {"name": name, "contact_email": f"new{n}@example.com", "tier": "T1"}
        response = client.post("/suppliers/new", data=data)
        assert response.status_code == 400 and says_refused(response), repr(name)
        data = {"name": name, "contact_email": supplier.contact_email}
        response = client.post(f"/suppliers/{supplier.id}/details", data=data)
        assert response.status_code == 200 and says_refused(response), repr(name)
        response = client.post("/campaigns/new", data=campaign_form(version, [supplier], name=name))
        assert response.status_code == 200 and says_refused(response), repr(name)
    assert db_scalar(sa.select(Supplier.name).where(Supplier.id == supplier.id)) == "Good K.K."
    assert count(Supplier) == 1 and count(Campaign) == 0
    assert db_scalar(sa.select(Organization.name).where(Organization.id == supplier.organization_id)) == "Good K.K."


def test_the_operator_page_refuses_a_broken_organisation_name(client, make_user):
    operator = make_user("ops@example.com", is_operator=True)
    sign_in(client, operator.email)
    for name in BROKEN:
        response = client.post("/operator/organizations", data={"name": name, "admin_email": "boss@example.com"})
        assert response.status_code == 200 and says_refused(response), repr(name)
    assert count(Organization) == 0


def test_an_invited_person_cannot_register_under_a_broken_name(client, make_org, make_user):
    org = make_org("Buyer K.K.")
    admin = make_user(organization=org, role=Role.BUYER_ADMIN)
    sign_in(client, admin.email)
    client.post("/organization/members", data={"email": "new@example.com", "role": "reviewer"})
    client.post("/sign-out")
    link = path_of(outbox_links("new@example.com")[-1])
    password = "a long enough password 1"
    for name in BROKEN:
        response = client.post(link, data={"name": name, "password": password, "confirm": password})
        assert response.status_code == 200 and says_refused(response), repr(name)
    assert db_scalar(sa.select(User).where(User.email == "new@example.com")) is None
    assert client.post(link, data={"name": "新人", "password": password, "confirm": password}).status_code == 302


def test_the_api_refuses_broken_supplier_names_with_a_message(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="Good K.K.")
    admin.locale = "en"
    headers = token_for(admin)
    for n, name in enumerate([*BROKEN, "Evil\x00K.K."]):
        body = {"name": name, "contact_email": f"new{n}@example.com", "tier": "T1"}
        created = client.post("/api/v1/suppliers", json=body, headers=headers)
        assert created.status_code == 400, (repr(name), created.get_json())
        patched = client.patch(f"/api/v1/suppliers/{supplier.id}", json={"name": name}, headers=headers)
        assert patched.status_code == 400, (repr(name), patched.get_json())
        for answer in (created.get_json(), patched.get_json()):
            # NUL and other C0 controls are refused earlier, by the body's schema, which names the field.
            schema = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", name) is not None
            expected = "name: String should match pattern" if schema else MESSAGE_EN
            assert expected in answer["error"]["message"], (repr(name), answer)
    assert count(Supplier) == 1
    assert db_scalar(sa.select(Supplier.name).where(Supplier.id == supplier.id)) == "Good K.K."


def test_the_command_line_refuses_a_broken_operator_name(app):
    for name in BROKEN[:3]:
        args = ["portal", "create-operator", "--email", "ops@example.com", "--name", name]
        result = app.test_cli_runner().invoke(args=[*args, "--password", "operator password 1"])
        assert result.exit_code != 0 and MESSAGE_EN in result.output, result.output
    assert count(User) == 0
