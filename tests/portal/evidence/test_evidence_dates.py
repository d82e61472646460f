"""Evidence that knows its dates: document date, valid-until date and kind, entered at upload and changed
later; an evidence rule's ``max_age_days`` and ``kinds`` enforced on the page and at submission; the
evidence library; reminders before a file's valid-until date."""

from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa

from portal.activity.models import ActivityEntry
from portal.assessments.models import Answer, ReminderSent
from portal.assessments.operations import evidence_of, missing_items
from portal.campaigns.operations import launch_campaign, start_next_round
from portal.campaigns.reminders import evidence_step, send_evidence_reminders
from portal.db import utcnow
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.conftest import sign_in
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import PDF, save, setup
from tests.workflow_fixtures import WORKFLOW_DEFINITION, only_assessment, submit_answers

#: POL-01 needs a policy document at most a year old when answered "implemented".
YEARLY = WORKFLOW_DEFINITION.replace("kinds: [policy]}", "kinds: [policy], max_age_days: 365}")
JSON = {"Accept": "application/json"}

pytestmark = pytest.mark.both_databases


def today():
    return date.today()


def opened(make_buyer, make_supplier, make_campaign, make_version, client):
    """The supplier owner signed in on an assessment whose POL-01 is answered "implemented"."""
    assessment, admin, owner = setup(make_buyer, make_supplier, make_campaign, version=make_version(YEARLY))
    sign_in(client, owner.email)
    assert save(client, assessment, "POL-01", code="yes").status_code == 200
    return assessment, admin, owner


def upload(client, assessment, content=PDF, name="規程.pdf", **facts):
    return client.post(
        f"/assessments/{assessment.id}/items/POL-01/evidence",
        data={"files": [(BytesIO(content), name)], **facts},
        content_type="multipart/form-data",
        headers=JSON,
    )


def only_file():
    return db.session.scalars(sa.select(Evidence)).one()


def evidence_missing(assessment):
    return [m.item_id for m in missing_items(assessment) if m.reason == "evidence"]


def test_the_upload_keeps_the_dates_and_kind_and_the_page_offers_the_rules_kinds(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    item = page.split('id="item-POL-01"')[1].split("</article>")[0]
    assert 'name="document_date"' in item and 'name="valid_until"' in item
    assert '<option value="policy">規程・方針</option>' in item and 'value="contract"' not in item
    written = today() - timedelta(days=10)
    response = upload(client, assessment, kind="policy", document_date=written.isoformat(), valid_until="2099-03-31")
    assert response.status_code == 200
    file = only_file()
    assert (file.kind, file.document_date, file.valid_until) == ("policy", written, date(2099, 3, 31))
    assert "作成日" in response.json["html"] and "有効期限" in response.json["html"]
    assert evidence_missing(assessment) == []


def test_a_bad_date_at_upload_is_refused_and_nothing_is_kept(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    response = upload(client, assessment, document_date="31/03/2026")
    assert response.status_code == 400
    assert response.json["error"]["message"] == "日付は YYYY-MM-DD の形で入力してください。"
    response = upload(client, assessment, document_date="2026-04-01", valid_until="2026-03-01")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0


def test_a_file_older_than_max_age_days_does_not_satisfy_the_rule_and_the_page_says_why(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    response = upload(client, assessment, document_date=(today() - timedelta(days=400)).isoformat())
    assert "この証跡は作成から400日経っています（365日以内が必要）。" in response.json["html"]
    assert response.json["count"] == 0  # the "needs evidence" filter counts as the check for submission does
    assert evidence_missing(assessment) == ["POL-01"]
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "この証跡は作成から400日経っています（365日以内が必要）。" in page


def test_without_a_document_date_the_upload_date_counts(client, make_buyer, make_supplier, make_campaign, make_version):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    upload(client, assessment)
    assert evidence_missing(assessment) == []
    only_file().uploaded_at = utcnow() - timedelta(days=366)
    db.session.commit()
    assert evidence_missing(assessment) == ["POL-01"]


def test_an_expired_file_does_not_satisfy_the_rule_and_is_flagged(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    yesterday = today() - timedelta(days=1)
    upload(client, assessment, valid_until=yesterday.isoformat())
    assert evidence_missing(assessment) == ["POL-01"]
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "この証跡は有効期限" in page and "has-problems" in page
    response = client.post(f"/assessments/{assessment.id}/submit", follow_redirects=True)
    assert db.session.get(type(assessment), assessment.id).submitted_at is None
    assert "POL-01" in response.get_data(as_text=True)


def test_a_file_of_another_kind_does_not_satisfy_the_rule_and_one_without_a_kind_does(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    response = upload(client, assessment, kind="contract")
    assert "この項目には次の種類の証跡が必要です：規程・方針。" in response.json["html"]
    assert evidence_missing(assessment) == ["POL-01"]
    file = only_file()
    response = client.post(
        f"/assessments/{assessment.id}/items/POL-01/evidence/{file.id}/describe", data={"kind": ""}, headers=JSON
    )
    assert response.status_code == 200 and "この項目には" not in response.json["html"]
    assert evidence_missing(assessment) == []


def test_dates_are_changed_later_from_the_answering_page_and_the_change_is_logged(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    upload(client, assessment, document_date=(today() - timedelta(days=400)).isoformat())
    assert evidence_missing(assessment) == ["POL-01"]
    file = only_file()
    fresh = today() - timedelta(days=5)
    response = client.post(
        f"/assessments/{assessment.id}/items/POL-01/evidence/{file.id}/describe",
        data={"document_date": fresh.isoformat(), "kind": "policy"},
        headers=JSON,
    )
    assert response.status_code == 200 and response.json["message"] == "ファイルの日付・種類を保存しました。"
    assert "経っています" not in response.json["html"]
    assert evidence_missing(assessment) == []
    entry = db.session.scalars(sa.select(ActivityEntry).where(ActivityEntry.action == "evidence.described")).all()[-1]
    assert entry.details["document_date"][1] == fresh.isoformat()


def test_the_library_lists_files_with_their_dates_and_uses_and_saves_changes_as_json(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    assert "まだファイルはありません" in client.get("/evidence/").get_data(as_text=True)
    upload(client, assessment, valid_until=(today() + timedelta(days=10)).isoformat())
    page = client.get("/evidence/").get_data(as_text=True)
    assert "証跡ライブラリ" in page and "規程.pdf" in page and "POL-01" in page
    assert assessment.campaign.name in page and "まもなく期限切れ" in page
    assert 'href="/evidence/"' in client.get("/assessments/").get_data(as_text=True)  # the navigation
    file = only_file()
    response = client.post(
        f"/evidence/{file.id}/describe", data={"valid_until": (today() - timedelta(days=1)).isoformat()}, headers=JSON
    )
    assert response.status_code == 200 and response.json["expired"] is True
    page = client.get("/evidence/").get_data(as_text=True)
    assert "期限切れ" in page and "有効な証跡が必要" in page  # used by an open assessment
    refused = client.post(f"/evidence/{file.id}/describe", data={"kind": "poster"}, headers=JSON)
    assert refused.status_code == 400 and db.session.get(Evidence, file.id).kind is None


def test_the_library_is_the_organisations_own(client, make_buyer, make_supplier, make_campaign, make_version):
    assessment, admin, _ = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    upload(client, assessment)
    file = only_file()
    buyer, _ = make_buyer()
    _, stranger = make_supplier(buyer)
    client.post("/sign-out")
    sign_in(client, stranger.email)
    assert "規程.pdf" not in client.get("/evidence/").get_data(as_text=True)
    assert client.post(f"/evidence/{file.id}/describe", data={"kind": "other"}, headers=JSON).status_code == 404
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert client.get("/evidence/").status_code == 403


def test_the_reminder_step_of_a_valid_until_date():
    until = date(2027, 1, 31)
    steps = {days: evidence_step(until, until - timedelta(days=days)) for days in (40, 31, 30, 8, 7, 1, 0, -1)}
    assert steps == {
        40: None,
        31: None,
        30: "expires-30",
        8: "expires-30",
        7: "expires-7",
        1: "expires-7",
        0: "expires-7",
        -1: None,
    }


def test_reminders_go_30_and_7_days_before_a_file_expires_once_each(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, owner = opened(make_buyer, make_supplier, make_campaign, make_version, client)
    until = today() + timedelta(days=45)
    upload(client, assessment, valid_until=until.isoformat())

    def sent():
        return db.session.scalars(
            sa.select(OutboxMessage.subject).where(
                OutboxMessage.recipient == owner.email, OutboxMessage.subject.contains("証跡")
            )
        ).all()

    assert send_evidence_reminders(until - timedelta(days=31)) == 0
    assert send_evidence_reminders(until - timedelta(days=30)) == 1
    assert send_evidence_reminders(until - timedelta(days=20)) == 0
    assert send_evidence_reminders(until - timedelta(days=5)) == 1  # a missed 7th day still gets its step
    assert send_evidence_reminders(until - timedelta(days=3)) == 0
    assert send_evidence_reminders(until + timedelta(days=1)) == 0
    db.session.commit()
    assert sent() == ["証跡の有効期限が近づいています：規程.pdf"] * 2
    steps = db.session.scalars(sa.select(ReminderSent.step).where(ReminderSent.evidence_id.is_not(None))).all()
    assert sorted(steps) == ["expires-30", "expires-7"]


def test_the_api_takes_the_dates_and_kind_with_the_upload(
    client, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, version=make_version(YEARLY))
    headers = token_for(owner)
    url = f"/api/v1/assessments/{assessment.id}"
    codes = {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"}
    answers = [{"item": item, "code": code, "version": 0} for item, code in codes.items()]
    answered = client.put(url + "/answers", json={"answers": answers}, headers=headers)
    assert answered.status_code == 200, answered.get_json()

    def send(**facts):
        return client.post(
            url + "/evidence",
            data={"file": (BytesIO(PDF), "基本方針.pdf"), "items": "POL-01", **facts},
            headers=headers,
            content_type="multipart/form-data",
        )

    refused = send(valid_until="next year")
    assert refused.status_code == 400 and db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    old = (today() - timedelta(days=400)).isoformat()
    uploaded = send(kind="policy", document_date=old, valid_until="2099-01-31")
    assert uploaded.status_code == 201, uploaded.get_json()
    body = uploaded.get_json()
    assert (body["kind"], body["document_date"], body["valid_until"]) == ("policy", old, "2099-01-31")
    missing = client.post(url + "/submit", headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["error"]["missing"] == [{"item": "POL-01", "reason": "evidence"}]


def test_the_next_round_reopens_items_relying_on_an_expired_file(make_buyer, make_supplier, make_campaign):

    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    previous = make_campaign(buyer, [supplier], by=admin)
    before = only_assessment(previous)
    submit_answers(before, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"})  # a policy file on POL-01
    (policy,) = evidence_of(before)["POL-01"]
    policy.valid_until = today() - timedelta(days=1)
    db.session.commit()

    draft = start_next_round(previous, name="次年度", due_date=today() + timedelta(days=60), by=admin, today=today())
    launch_campaign(draft, by=admin)
    db.session.commit()

    seeded = only_assessment(draft)
    answers = db.session.scalars(sa.select(Answer.item_id).where(Answer.assessment_id == seeded.id)).all()
    assert sorted(answers) == ["STF-01", "STF-02"]  # POL-01 is to be answered again
    assert evidence_of(seeded) == {}
    assert evidence_of(before)["POL-01"] == [policy]  # the earlier round keeps what was submitted
