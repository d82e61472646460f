"""Taking a corrective action through its steps up to the buyer's verification, for tests that need it there."""

from __future__ import annotations

from typing import Any

from portal.actions.models import ActionState, CorrectiveAction, StepKind
from portal.actions.operations import submit_plan, take_step
from tests.conftest import sign_in

EVIDENCE_NOTE = "手順書を作成し、全員に周知しました"


def ready_to_verify(action: CorrectiveAction, *, supplier_user: Any, buyer_user: Any) -> None:
    """The plan sent (unless it was), accepted by the buyer, and evidence of the fix sent: the action waits for
    the buyer to close it."""
    if action.state in (ActionState.OPEN, ActionState.PLAN_RETURNED):
        submit_plan(action, "来月までに手順書を作成します", by=supplier_user)
    take_step(action, StepKind.PLAN_ACCEPTED, None, by=buyer_user)
    take_step(action, StepKind.EVIDENCE, EVIDENCE_NOTE, by=supplier_user)


def verify_through_the_pages(client: Any, action: CorrectiveAction, *, supplier_user: Any, buyer_user: Any) -> None:
    """With the plan sent: the buyer accepts it and the supplier sends evidence of the fix, through the pages.

    The client is signed in as the buyer at the end, ready to close the action.
    """
    client.post("/sign-out")
    sign_in(client, buyer_user.email)
    assert client.post(f"/actions/{action.id}/plan/accept", data={}).status_code == 302
    client.post("/sign-out")
    sign_in(client, supplier_user.email)
    assert client.post(f"/actions/{action.id}/evidence", data={"note": EVIDENCE_NOTE}).status_code == 302
    client.post("/sign-out")
    sign_in(client, buyer_user.email)
