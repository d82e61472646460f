"""The supplier's start page says what to do next: clarifications, corrective actions, assessments to answer,
each a link, soonest due first; and says so when there is nothing (issue 17)."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from portal.actions.models import ActionState
from portal.assessments.models import Decision
from portal.assessments.operations import AnswerInput, attach_evidence, save_answer, submit_assessment
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.review.operations import decide_item, return_for_clarification
from tests.portal.campaigns.helpers import sign_in_english, text
from tests.workflow_fixtures import corrective_action, only_assessment, submit_answers


def section(page: str, css_class: str) -> str:
    match = re.search(rf'<ul class="next-list {css_class}">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)">', html)


def test_nothing_to_do_is_said_in_words(client, make_buyer, make_supplier):
    buyer, _ = make_buyer()
    _, owner = make_supplier(buyer)
    sign_in_english(client, owner)
    page = text(client.get("/"))
    assert "What to do next" in page and "Nothing is waiting for you." in page
    assert 'class="next-list' not in page
    assert 'href="/assessments/"' in page  # all assessments, still one click away


def test_the_next_steps_are_links_soonest_due_first(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer(name="発注商事")
    supplier, owner = make_supplier(buyer)
    later = only_assessment(make_campaign(buyer, [supplier], by=admin, name="<b>Later</b>", due_in_days=40))
    sooner = only_assessment(make_campaign(buyer, [supplier], by=admin, name="Sooner", due_in_days=3))
    overdue = only_assessment(make_campaign(buyer, [supplier], by=admin, name="Late", due_in_days=10))
    overdue.campaign.due_date = date.today() - timedelta(days=1)
    returned = only_assessment(make_campaign(buyer, [supplier], by=admin, name="Returned", due_in_days=20))
    submitted = only_assessment(make_campaign(buyer, [supplier], by=admin, name="Submitted", due_in_days=1))
    db.session.commit()
    submit_answers(returned, owner, {"POL-01": "yes", "STF-01": "yes", "STF-02": "no"})
    for item_id in ("POL-01", "STF-01", "STF-02"):
        save_answer(submitted, AnswerInput(item_id, "yes", None, None, 0), by=owner)
    attach_evidence(submitted, "POL-01", db.session.scalar(sa.select(Evidence)), by=owner)
    submit_assessment(submitted, by=owner)
    decide_item(returned, "STF-02", Decision.CLARIFICATION, comment="詳細を", visible_to_supplier=True, by=admin)
    return_for_clarification(returned, by=admin)
    due_soon = corrective_action(submitted, title="Fix the leaver process", due_date=date.today() + timedelta(days=2))
    due_later = corrective_action(submitted, title="Train staff", due_date=date.today() + timedelta(days=9))
    planned = corrective_action(submitted, title="Waiting on the buyer")
    planned.state = ActionState.PLANNED
    done = corrective_action(submitted, title="Closed already")
    done.state = ActionState.CLOSED
    db.session.commit()

    sign_in_english(client, owner)
    page = text(client.get("/"))
    assert "Nothing is waiting for you." not in page

    clarifications = section(page, "clarifications")
    assert links(clarifications) == [f"/assessments/{returned.id}"]
    assert "Answer the items the reviewer reopened" in clarifications

    actions = section(page, "actions")
    assert links(actions) == [f"/actions/{due_soon.id}", f"/actions/{due_later.id}"]
    assert "発注商事" in actions and "2 days left" in actions

    to_answer = section(page, "to-answer")
    assert links(to_answer) == [f"/assessments/{a.id}" for a in (overdue, sooner, later)]
    assert "Overdue" in to_answer and "3 days left" in to_answer and "0 of " in to_answer
    assert "&lt;b&gt;Later&lt;/b&gt;" in to_answer and "<b>" not in page  # names are text, escaped
    for link in links(clarifications + actions + to_answer):
        assert client.get(link).status_code == 200, link


def test_a_japanese_supplier_reads_it_in_japanese(client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    make_campaign(buyer, [supplier], by=admin, due_in_days=5)
    client.post("/sign-in", data={"email": owner.email, "password": "correct horse battery"})
    page = text(client.get("/"))
    assert "次にすること" in page and "回答が必要な評価" in page and "あと5日" in page
