"""A corrective action's verification step: the buyer accepts the supplier's plan or asks for more, the supplier
sends evidence of the fix, the buyer closes the action with what it verified or asks for more. Every step is
kept in the history both sides read, logged, and told to the other side; each page offers only the steps its
reader may take now."""

from __future__ import annotations

import re
from io import BytesIO
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.actions.models import ActionState, ActionStep, StepKind
from portal.actions.operations import close_action, submit_plan, take_step
from portal.activity.models import ActivityEntry
from portal.errors import Conflict, UserInputError
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from tests.conftest import sign_in
from tests.workflow_fixtures import corrective_action, only_assessment

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(app, make_buyer, make_supplier, make_campaign, make_user):
    buyer, admin = make_buyer()
    reviewer = make_user(organization=buyer, role=Role.REVIEWER, name="審査 花子")
    supplier, owner = make_supplier(buyer)
    campaign = make_campaign(buyer, [supplier], by=admin)
    assessment = only_assessment(campaign)
    action = corrective_action(assessment, title="退職者手順の整備", owner="桜井")
    db.session.commit()
    return SimpleNamespace(
        buyer=buyer,
        admin=admin,
        reviewer=reviewer,
        supplier=supplier,
        owner=owner,
        assessment=assessment,
        action=action,
        campaign=campaign,
    )


def mails_since(mark: int) -> dict[str, OutboxMessage]:
    new = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > mark).order_by(OutboxMessage.id))
    return {m.recipient: m for m in new}


def last_mail() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxMessage.id), 0)))


def step(w, kind, text, by):
    """Take a step as an operation would in a page's transaction; returns the e-mails it queued by recipient."""
    mark = last_mail()
    take_step(w.action, kind, text, by=by)
    db.session.commit()
    return mails_since(mark)


def test_the_whole_verification_with_its_history_log_and_e_mails(world):
    w = world
    with pytest.raises(Conflict):  # nothing to accept before a plan
        take_step(w.action, StepKind.PLAN_ACCEPTED, None, by=w.reviewer)
    db.session.rollback()

    told = step(w, StepKind.PLAN, "来月までに手順書を作成します", w.owner)
    assert w.action.state == ActionState.PLANNED
    assert set(told) == {w.admin.email, w.reviewer.email}  # the buyer's side checks it

    with pytest.raises(UserInputError):  # asking for more says what
        take_step(w.action, StepKind.PLAN_RETURNED, "  ", by=w.reviewer)
    db.session.rollback()
    told = step(w, StepKind.PLAN_RETURNED, "期限と担当者を書いてください", w.reviewer)
    assert w.action.state == ActionState.PLAN_RETURNED
    assert set(told) == {w.owner.email}
    assert "期限と担当者を書いてください" in told[w.owner.email].body  # the supplier acts on it

    step(w, StepKind.PLAN, "11月末までに総務の桜井が手順書を作成します", w.owner)
    with pytest.raises(Conflict):  # a plan alone is not a fix: closing waits for verified evidence
        close_action(w.action, "確認しました", by=w.reviewer)
    db.session.rollback()
    told = step(w, StepKind.PLAN_ACCEPTED, None, w.reviewer)
    assert w.action.state == ActionState.IN_PROGRESS and set(told) == {w.owner.email}
    with pytest.raises(Conflict):  # an accepted plan is no longer revised
        submit_plan(w.action, "別の計画", by=w.owner)
    db.session.rollback()

    with pytest.raises(UserInputError):
        take_step(w.action, StepKind.EVIDENCE, "", by=w.owner)
    db.session.rollback()
    told = step(w, StepKind.EVIDENCE, "手順書を作成しました", w.owner)
    assert w.action.state == ActionState.VERIFYING and set(told) == {w.admin.email, w.reviewer.email}
    told = step(w, StepKind.EVIDENCE_RETURNED, "周知の記録もお送りください", w.reviewer)
    assert w.action.state == ActionState.EVIDENCE_RETURNED and "周知の記録" in told[w.owner.email].body
    step(w, StepKind.EVIDENCE, "朝礼で周知した記録を添付します", w.owner)

    with pytest.raises(UserInputError):  # the closing says what was verified
        close_action(w.action, None, by=w.reviewer)
    db.session.rollback()
    told = step(w, StepKind.CLOSED, "手順書と周知記録を確認しました", w.reviewer)
    assert w.action.state == ActionState.CLOSED and set(told) == {w.owner.email}
    assert w.action.closing_comment == "手順書と周知記録を確認しました" and w.action.closed_by_id == w.reviewer.id
    assert w.action.plan == "11月末までに総務の桜井が手順書を作成します"
    with pytest.raises(Conflict):
        take_step(w.action, StepKind.EVIDENCE, "追加", by=w.owner)
    db.session.rollback()

    history = db.session.scalars(sa.select(ActionStep.kind).where(ActionStep.action_id == w.action.id)).all()
    assert history == [
        StepKind.PLAN, StepKind.PLAN_RETURNED, StepKind.PLAN, StepKind.PLAN_ACCEPTED, StepKind.EVIDENCE,
        StepKind.EVIDENCE_RETURNED, StepKind.EVIDENCE, StepKind.CLOSED,
    ]  # fmt: skip
    logged = db.session.execute(
        sa.select(ActivityEntry.action, ActivityEntry.organization_id)
        .where(ActivityEntry.subject_type == "corrective_action")
        .order_by(ActivityEntry.id)
    ).all()
    supplier_side, buyer_side = w.supplier.organization_id, w.buyer.id
    assert [tuple(row) for row in logged] == [
        ("action.planned", supplier_side),
        ("action.plan_returned", buyer_side),
        ("action.planned", supplier_side),
        ("action.plan_accepted", buyer_side),
        ("action.evidence_sent", supplier_side),
        ("action.evidence_returned", buyer_side),
        ("action.evidence_sent", supplier_side),
        ("action.closed", buyer_side),
    ]


def page_of(client, action) -> str:
    response = client.get(f"/actions/{action.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def steps_offered(client, action) -> set[str]:
    page = page_of(client, action)
    prefix = f"/actions/{action.id}/"
    return {path.removeprefix(prefix) for path in re.findall(r'action="([^"]+)"', page) if path.startswith(prefix)}


def test_each_side_sees_only_the_buttons_it_may_use_now(client, world):
    w = world

    def offered(user):
        client.post("/sign-out")
        sign_in(client, user.email)
        return steps_offered(client, w.action)

    assert offered(w.owner) == {"plan"}
    assert offered(w.reviewer) == set()
    assert "委託先の対応待ちです" in page_of(client, w.action)

    submit_plan(w.action, "手順書を作成します", by=w.owner)
    db.session.commit()
    assert offered(w.reviewer) == {"plan/accept", "plan/return"}
    assert offered(w.owner) == {"plan"}  # revising until the buyer has looked

    take_step(w.action, StepKind.PLAN_ACCEPTED, None, by=w.reviewer)
    db.session.commit()
    assert offered(w.owner) == {"evidence"}
    assert offered(w.admin) == set()

    take_step(w.action, StepKind.EVIDENCE, "作成しました", by=w.owner)
    db.session.commit()
    assert offered(w.admin) == {"close", "evidence/return"}
    assert offered(w.owner) == {"evidence"}  # more may still be added while it is verified

    close_action(w.action, "確認しました", by=w.admin)
    db.session.commit()
    assert offered(w.owner) == set() and offered(w.admin) == set()


def test_a_step_of_the_other_side_is_refused(client, world):
    w = world
    sign_in(client, w.reviewer.email)
    assert client.post(f"/actions/{w.action.id}/plan", data={"plan": "買い手の計画"}).status_code == 403
    assert client.post(f"/actions/{w.action.id}/evidence", data={"note": "x"}).status_code == 403
    client.post("/sign-out")
    submit_plan(w.action, "手順書を作成します", by=w.owner)
    db.session.commit()
    sign_in(client, w.owner.email)
    for path in ("plan/accept", "plan/return", "close", "evidence/return"):
        assert client.post(f"/actions/{w.action.id}/{path}", data={"comment": "自分で承認"}).status_code == 403, path
    db.session.refresh(w.action)
    assert w.action.state == ActionState.PLANNED


def test_the_history_reads_the_same_on_both_sides_with_its_files(client, world):
    w = world
    sign_in(client, w.owner.email)
    assert client.post(f"/actions/{w.action.id}/plan", data={"plan": "手順書を作成します"}).status_code == 302
    client.post("/sign-out")
    sign_in(client, w.reviewer.email)
    returned = client.post(f"/actions/{w.action.id}/plan/return", data={"comment": "期限を書いてください"})
    assert returned.status_code == 302
    client.post("/sign-out")
    sign_in(client, w.owner.email)
    page = page_of(client, w.action)
    assert "期限を書いてください" in page and "計画の見直し依頼" in page
    client.post(f"/actions/{w.action.id}/plan", data={"plan": "11月末までに作成します"})
    client.post("/sign-out")
    sign_in(client, w.reviewer.email)
    assert client.post(f"/actions/{w.action.id}/plan/accept", data={"comment": ""}).status_code == 302
    client.post("/sign-out")
    sign_in(client, w.owner.email)
    sent = client.post(
        f"/actions/{w.action.id}/evidence",
        data={"note": "手順書を作成し周知しました", "files": (BytesIO(PDF), "手順書.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    client.post("/sign-out")
    sign_in(client, w.reviewer.email)
    closed = client.post(f"/actions/{w.action.id}/close", data={"comment": "手順書を確認しました"})
    assert closed.status_code == 302

    for user in (w.reviewer, w.owner):
        client.post("/sign-out")
        sign_in(client, user.email)
        page = page_of(client, w.action)
        texts = ["手順書を作成します", "期限を書いてください", "11月末までに作成します", "手順書を作成し周知しました",
                 "手順書を確認しました"]  # fmt: skip
        positions = [page.index(text) for text in texts]
        assert positions == sorted(positions), user.email  # oldest first
        for label in ("是正計画", "計画の見直し依頼", "計画の承認", "是正の証跡", "完了"):
            assert label in page
        (link,) = re.findall(r'href="(/actions/\d+/evidence/\d+)"[^>]*>手順書.pdf<', page)
        assert client.get(link).data == PDF
        assert "<form" not in page.split('id="history"')[1].split("</section>")[0]


def test_a_refused_step_keeps_what_was_typed_and_says_why_at_its_form(client, world):
    w = world
    submit_plan(w.action, "手順書を作成します", by=w.owner)
    db.session.commit()
    sign_in(client, w.reviewer.email)
    response = client.post(f"/actions/{w.action.id}/plan/return", data={"comment": "   "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    check = page.split('id="plan-check"')[1].split("</section>")[0]
    assert 'role="alert"' in check and "計画に足りない点" in check
    db.session.refresh(w.action)
    assert w.action.state == ActionState.PLANNED

    take_step(w.action, StepKind.PLAN_ACCEPTED, None, by=w.reviewer)
    take_step(w.action, StepKind.EVIDENCE, "作成しました", by=w.owner)
    db.session.commit()
    response = client.post(f"/actions/{w.action.id}/close", data={"comment": ""})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True).split('id="verification"')[1]
    db.session.refresh(w.action)
    assert (w.action.state, w.action.closing_comment) == (ActionState.VERIFYING, None)


def test_the_supplier_list_shows_one_assessment_s_actions(client, world, make_campaign):
    w = world
    other = only_assessment(make_campaign(w.buyer, [w.supplier], by=w.admin, name="翌年度の評価依頼"))
    corrective_action(other, title="入館記録の整備")
    db.session.commit()
    sign_in(client, w.owner.email)

    everything = client.get("/actions/").get_data(as_text=True)
    assert "退職者手順の整備" in everything and "入館記録の整備" in everything
    one = client.get(f"/actions/?assessment={w.assessment.id}").get_data(as_text=True)
    assert "退職者手順の整備" in one and "入館記録の整備" not in one
    assert 'href="/actions/"' in one  # back to all of them
    none = client.get("/actions/?assessment=999999").get_data(as_text=True)
    assert "退職者手順の整備" not in none and "入館記録の整備" not in none
