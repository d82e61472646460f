"""A corrective action's steps between the supplier's plan and the buyer's verification, in the browser."""

from __future__ import annotations

from typing import Any


def accept_the_plan_and_send_evidence(
    page: Any, base: str, action_url: str, *, buyer_email: str, supplier_email: str, note: str
) -> None:
    """With the buyer signed in after the supplier's plan: the buyer accepts it and the supplier sends evidence of
    the fix; the buyer is signed in again on the action's page, ready to verify and close it."""
    from tests.browser.test_assessment_journey import sign_in, sign_out

    page.goto(action_url)
    page.click("#plan-check button.primary")
    page.wait_for_url(action_url)
    sign_out(page)
    sign_in(page, base, supplier_email)
    page.goto(action_url)
    page.fill("#evidence-form textarea[name=note]", note)
    page.click("#evidence-form button.primary")
    page.wait_for_url(action_url)
    sign_out(page)
    sign_in(page, base, buyer_email)
    page.goto(action_url)
