"""The answering page marks an answer that differs from the supplier's earlier answer (以前の回答と異なる); the
earlier answer opens from the mark by mouse or keyboard."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.assessments.operations import AnswerInput, save_answer
from portal.extensions import db
from tests.browser.conftest import OUTPUT
from tests.browser.test_answer_library import OWNER, second_request
from tests.browser.test_assessment_journey import sign_in

pytestmark = pytest.mark.browser

SHOTS = OUTPUT / "answer-differs"


def test_a_differing_answer_is_marked_and_the_earlier_one_opens(live_app, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_app.config["BASE_URL"]
    with live_app.app_context():
        assessment_id = second_request()  # the earlier answers: POL-01 no, STF-01 yes, STF-02 partial
        user = db.session.scalar(sa.select(User).where(User.email == OWNER))
        assessment = db.session.get(Assessment, assessment_id)
        save_answer(assessment, AnswerInput("STF-01", "no", None, None, 0), by=user)
        db.session.commit()
    sign_in(page, base, OWNER)
    page.set_viewport_size({"width": 800, "height": 900})
    page.goto(f"{base}/assessments/{assessment_id}")
    item = page.locator("#item-STF-01")
    mark = item.locator("details.differs summary")
    expect(mark).to_have_text("以前の回答と異なる")
    expect(page.locator("details.differs")).to_have_count(1)
    earlier = item.locator("details.differs p").first
    expect(earlier).to_be_hidden()
    mark.focus()
    page.keyboard.press("Enter")
    expect(earlier).to_contain_text("実施している")
    expect(earlier).to_contain_text("STF-01: 第一発注元への回答")
    item.screenshot(path=str(SHOTS / "differs-open.png"))
