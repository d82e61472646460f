"""The buyer's page of one supplier: its assessments, actions and audits; editing its name and contact; invitations."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import Invitation
from portal.actions.models import ActionState, CorrectiveAction
from portal.activity.models import ActivityEntry
from portal.assessments.models import AssessmentState
from portal.audits.models import Audit, AuditMode, AuditState
from portal.extensions import db
from portal.organizations.models import Role
from portal.scoring.models import AssessmentScore, ScoreState
from portal.suppliers.models import Supplier, Tier
from tests.conftest import csrf_token, sign_in
from tests.portal.campaigns.helpers import count_rows, sign_in_english, text
from tests.queries import counted_queries


def section(page, name):
    """The HTML of the page's ``supplier-<name>`` section."""
    return page.split(f'class="card supplier-{name}"')[1].split("</section>")[0]


def add_action(supplier, assessment, title, due, state=ActionState.OPEN):
    row = CorrectiveAction(
        supplier_id=supplier.id,
        assessment_id=assessment.id if assessment else None,
        title=title,
        owner="担当 花子",
        due_date=due,
        state=state,
    )
    db.session.add(row)
    return row


def add_audit(buyer, supplier, version, planned, state=AuditState.PLANNED):
    row = Audit(
        buyer_id=buyer.id,
        supplier_id=supplier.id,
        questionnaire_version_id=version.id,
        tier=supplier.tier,
        mode=AuditMode.ON_SITE,
        planned_date=planned,
        state=state,
    )
    db.session.add(row)
    return row


def score(assessment, self_result, reviewed_result=None):
    db.session.add(
        AssessmentScore(
            assessment_id=assessment.id,
            state=ScoreState.DONE,
            self_result=self_result,
            reviewed_result=reviewed_result,
        )
    )


@pytest.fixture
def overview(make_buyer, make_supplier, make_campaign, make_version):
    """A supplier with two scored assessments, three actions and two audits; another buyer's work on it too."""
    buyer, admin = make_buyer()
    supplier, _owner = make_supplier(buyer, name="概要商事", tier=Tier.T2)
    version = make_version()
    today = date.today()
    decided = make_campaign(buyer, [supplier], by=admin, version=version, name="前年度確認", due_in_days=5)
    decided.due_date = today - timedelta(days=200)
    decided.assessments[0].state = AssessmentState.ACCEPTED
    score(decided.assessments[0], {"overall": 70.0, "grade": "C"}, {"overall": 91.25, "grade": "A"})
    current = make_campaign(buyer, [supplier], by=admin, version=version, name="今年度確認", due_in_days=20)
    current.assessments[0].state = AssessmentState.SUBMITTED
    score(current.assessments[0], {"overall": 82.5, "grade": "B"}, {"overall": 10.0, "grade": "D"})
    make_campaign(buyer, [supplier], by=admin, version=version, name="下書きの依頼", launch=False)
    add_action(supplier, decided.assessments[0], "終わった是正", today - timedelta(days=30), ActionState.CLOSED)
    add_action(supplier, decided.assessments[0], "来月の是正", today + timedelta(days=30))
    add_action(supplier, decided.assessments[0], "遅れている是正", today - timedelta(days=3), ActionState.PLANNED)
    add_audit(buyer, supplier, version, today - timedelta(days=100), AuditState.CLOSED)
    add_audit(buyer, supplier, version, today + timedelta(days=14))

    # The same supplier organisation answers another buyer: none of that may show on our page.
    other, other_admin = make_buyer()
    theirs = Supplier(
        buyer=other,
        organization=supplier.organization,
        name="他社から見た概要商事",
        contact_email=supplier.contact_email,
        tier=Tier.T3,
    )
    db.session.add(theirs)
    db.session.commit()
    their_campaign = make_campaign(other, [theirs], by=other_admin, version=version, name="他社の依頼")
    add_action(theirs, their_campaign.assessments[0], "他社の是正", today - timedelta(days=1))
    add_audit(other, theirs, version, today + timedelta(days=3))
    db.session.commit()
    return admin, supplier, decided.assessments[0], current.assessments[0]


def test_the_page_shows_the_suppliers_assessments_actions_and_audits(client, overview):
    admin, supplier, decided, current = overview
    sign_in_english(client, admin)
    page = text(client.get(f"/suppliers/{supplier.id}"))

    assessments = section(page, "assessments")
    rows = assessments.split("<tr")[2:]
    assert [re.search(r"<td>([^<]+)</td>", row).group(1) for row in rows] == ["今年度確認", "前年度確認"]
    assert "Submitted" in rows[0] and "82.5% (B)" in rows[0]
    assert "10.0%" not in rows[0]  # not decided yet: no reviewed score
    assert "Accepted" in rows[1] and "70.0% (C)" in rows[1] and "91.2% (A)" in rows[1]
    assert f'href="/review/{current.id}"' in rows[0] and f'href="/review/{decided.id}"' in rows[1]
    assert "下書きの依頼" not in page  # a draft has not been sent

    actions = section(page, "actions")
    titles = re.findall(r'<a href="/actions/\d+">([^<]+)</a>', actions)
    assert titles == ["遅れている是正", "来月の是正", "終わった是正"]  # overdue first, closed last
    assert actions.split("来月の是正")[0].count("Overdue") == 1

    audits = section(page, "audits")
    assert audits.count('href="/audits/') == 2
    assert audits.index("Planned") < audits.index("Closed")  # the latest date first

    for foreign in ("他社の依頼", "他社の是正", "他社から見た概要商事"):
        assert foreign not in page
    assert audits.count("<tr") == 3  # the header and our two audits


def test_a_supplier_with_nothing_yet_says_so(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    sign_in_english(client, admin)
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert "Not assessed yet" in section(page, "assessments")
    assert "No corrective actions." in section(page, "actions")
    assert "No audits are planned." in section(page, "audits")


def test_the_page_runs_a_constant_number_of_queries(client, make_buyer, make_supplier, make_campaign, make_version):
    def queries(rounds):
        buyer, admin = make_buyer()
        supplier, _ = make_supplier(buyer)
        version = make_version()
        for n in range(rounds):
            campaign = make_campaign(buyer, [supplier], by=admin, version=version, name=f"第{n}回")
            score(campaign.assessments[0], {"overall": 50.0, "grade": "C"})
            add_action(supplier, campaign.assessments[0], f"是正{n}", date.today() + timedelta(days=n))
            add_audit(buyer, supplier, version, date.today() + timedelta(days=n))
        db.session.commit()
        sign_in(client, admin.email)
        with counted_queries() as statements:
            page = text(client.get(f"/suppliers/{supplier.id}"))
        client.post("/sign-out")
        assert page.count('href="/review/') == rounds and page.count('href="/actions/') >= rounds
        return len(statements)

    assert queries(1) == queries(6)


def test_the_admin_corrects_the_name_and_contact(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="旧商号")
    old_email = supplier.contact_email
    sign_in_english(client, admin)
    url = f"/suppliers/{supplier.id}/details"
    assert f'action="{url}"' in text(client.get(f"/suppliers/{supplier.id}"))

    response = client.post(url, data={"name": " 新商号 ", "contact_email": "New.Contact@Example.com"})
    assert response.status_code == 302
    db.session.refresh(supplier)
    assert (supplier.name, supplier.contact_email) == ("新商号", "new.contact@example.com")
    assert supplier.organization.name == "旧商号"  # the supplier's own organisation is not ours to rename
    entry = db.session.scalar(sa.select(ActivityEntry).where(ActivityEntry.action == "supplier.updated"))
    assert entry.subject_id == supplier.id and entry.organization_id == buyer.id and entry.actor_id == admin.id
    assert entry.details == {
        "name": ["旧商号", "新商号"],
        "contact_email": [old_email, "new.contact@example.com"],
    }
    assert count_rows(Invitation) == 0  # nobody is invited until the admin asks
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert "The supplier&#39;s details have been saved." in page
    # The supplier's organisation has members, who invite the new contact themselves: the buyer cannot.
    assert "Not a member of the supplier's organisation" in page and "manages its own members" in page
    assert "Send the invitation again" not in page and "/resend-invitation" not in page


def test_bad_details_are_refused_and_change_nothing(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="元の名前")
    other, _ = make_supplier(buyer)
    sign_in_english(client, admin)
    url = f"/suppliers/{supplier.id}/details"
    for data, field, message in (
        ({"name": "", "contact_email": "a@example.com"}, "name", "This field is required."),
        ({"name": "   ", "contact_email": "a@example.com"}, "name", "Please enter the supplier&#39;s name."),
        ({"name": "X" * 201, "contact_email": "a@example.com"}, "name", "Field cannot be longer than 200 characters."),
        ({"name": "X", "contact_email": "not-an-address"}, "contact_email", "Invalid email address."),
        (
            {"name": "X", "contact_email": other.contact_email.upper()},
            "contact_email",
            "A supplier with this contact e-mail address is already registered.",
        ),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 200
        shown = re.search(r'<div class="field has-error">\s*<label for="(\w+)"', text(response)).group(1)
        assert (shown, message in text(response)) == (field, True), message
    db.session.refresh(supplier)
    assert supplier.name == "元の名前"
    assert db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "supplier.updated")).all() == []


def test_saving_unchanged_details_logs_nothing(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer)
    sign_in(client, admin.email)
    data = {"name": supplier.name, "contact_email": supplier.contact_email}
    assert client.post(f"/suppliers/{supplier.id}/details", data=data).status_code == 302
    assert db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "supplier.updated")).all() == []


def test_only_this_buyers_admin_edits_the_details(client, make_buyer, make_supplier, make_user):
    buyer, _admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="元の名前")
    data = {"name": "乗っ取り", "contact_email": "attacker@example.com"}
    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    sign_in(client, reviewer.email)
    assert "/details" not in text(client.get(f"/suppliers/{supplier.id}"))
    assert client.post(f"/suppliers/{supplier.id}/details", data=data).status_code == 403
    client.post("/sign-out")
    _, other_admin = make_buyer()
    sign_in(client, other_admin.email)
    assert client.post(f"/suppliers/{supplier.id}/details", data=data).status_code == 404
    db.session.refresh(supplier)
    assert (supplier.name, supplier.contact_email) != ("乗っ取り", "attacker@example.com")


def test_editing_the_details_needs_the_csrf_token(csrf_app, make_buyer, make_supplier):
    from tests.conftest import PASSWORD

    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="元の名前")
    client = csrf_app.test_client()
    client.post(
        "/sign-in", data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/sign-in")}
    )
    data = {"name": "新しい名前", "contact_email": supplier.contact_email}
    assert client.post(f"/suppliers/{supplier.id}/details", data=data).status_code == 400
    db.session.refresh(supplier)
    assert supplier.name == "元の名前"
    token = csrf_token(client, f"/suppliers/{supplier.id}")
    assert client.post(f"/suppliers/{supplier.id}/details", data={**data, "csrf_token": token}).status_code == 302
    db.session.refresh(supplier)
    assert supplier.name == "新しい名前"


def test_a_joined_contact_shows_joined_and_a_late_resend_is_a_friendly_message(client, make_buyer, make_supplier):
    buyer, admin = make_buyer()
    supplier, _owner = make_supplier(buyer)  # its owner, the contact, has joined
    sign_in_english(client, admin)
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert "contact-joined" in page and "Send the invitation again" not in page and "/resend-invitation" not in page

    # A page loaded before the contact joined still has the button.
    response = client.post(f"/suppliers/{supplier.id}/resend-invitation")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/suppliers/{supplier.id}")
    assert count_rows(Invitation) == 0
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert f"{supplier.name} has already joined; its own administrators invite their colleagues" in page


def test_a_contact_who_has_not_joined_can_be_invited_again(client, make_org, make_user):
    admin = make_user(organization=make_org(), role=Role.BUYER_ADMIN)
    sign_in_english(client, admin)
    client.post("/suppliers/new", data={"name": "未参加商事", "contact_email": "late@example.com", "tier": "T1"})
    supplier = db.session.scalar(sa.select(Supplier))
    page = text(client.get(f"/suppliers/{supplier.id}"))
    assert "Not joined yet" in page and "contact-joined" not in page and "Send the invitation again" in page
    assert client.post(f"/suppliers/{supplier.id}/resend-invitation").status_code == 302
    assert count_rows(Invitation) == 2


def test_the_api_patch_changes_the_name_and_contact_and_leaves_the_rest(client, make_buyer, make_supplier, make_user):
    from tests.portal.api.helpers import token_for

    buyer, admin = make_buyer()
    supplier, _ = make_supplier(buyer, name="旧商号", tier=Tier.T2)
    other, _ = make_supplier(buyer)
    url = f"/api/v1/suppliers/{supplier.id}"
    headers = token_for(admin)

    response = client.patch(url, json={"name": "新商号", "contact_email": "New@Example.com"}, headers=headers)
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["contact_email"]) == ("新商号", "new@example.com")
    db.session.refresh(supplier)
    assert (supplier.name, supplier.contact_email, supplier.tier) == ("新商号", "new@example.com", Tier.T2)
    logged = sa.select(ActivityEntry.action).where(
        ActivityEntry.subject_type == "supplier", ActivityEntry.subject_id == supplier.id
    )
    assert db.session.scalars(logged).all() == ["supplier.updated"]

    taken = client.patch(url, json={"contact_email": other.contact_email, "tier": "T1"}, headers=headers)
    assert taken.status_code == 409
    db.session.refresh(supplier)
    assert (supplier.contact_email, supplier.tier) == ("new@example.com", Tier.T2)  # nothing half-applied

    assert client.patch(url, json={"tier": "T3"}, headers=headers).status_code == 200
    db.session.refresh(supplier)
    assert (supplier.name, supplier.tier) == ("新商号", Tier.T3)

    reviewer = make_user(organization=buyer, role=Role.REVIEWER)
    assert client.patch(url, json={"name": "X"}, headers=token_for(reviewer)).status_code == 403
