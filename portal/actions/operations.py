"""Following corrective actions up: the supplier's plan, the buyer's check of it, the supplier's evidence of
the fix, the buyer's verification and closing.

Each step is one row of ``action_steps`` (the history both sides read), one entry of the activity log and one
event for the other side's e-mail; which step may follow which is ``models.TRANSITIONS``, who may take it the
policy's row of ``STEP_ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.actions.models import TRANSITIONS, ActionEvidence, ActionState, ActionStep, CorrectiveAction, StepKind
from portal.activity.operations import record
from portal.db import utcnow
from portal.errors import Conflict, NotFound, UserInputError
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.notifications import events, notify
from portal.organizations.models import Organization
from portal.policy import Action
from portal.suppliers.models import Supplier
from portal.text_input import clean_text

#: the policy's action each step asks for: the supplier's two, the buyer's four
STEP_ACTIONS: Mapping[StepKind, Action] = {
    StepKind.PLAN: Action.CORRECTIVE_ACTION_PLAN,
    StepKind.PLAN_ACCEPTED: Action.CORRECTIVE_ACTION_REVIEW_PLAN,
    StepKind.PLAN_RETURNED: Action.CORRECTIVE_ACTION_REVIEW_PLAN,
    StepKind.EVIDENCE: Action.CORRECTIVE_ACTION_SEND_EVIDENCE,
    StepKind.EVIDENCE_RETURNED: Action.CORRECTIVE_ACTION_CLOSE,
    StepKind.CLOSED: Action.CORRECTIVE_ACTION_CLOSE,
}
#: the steps the supplier takes; the others are the buyer's
SUPPLIER_STEPS = frozenset({StepKind.PLAN, StepKind.EVIDENCE})
#: what a step without its text is refused with (accepting a plan needs no words)
TEXT_REQUIRED = {
    StepKind.PLAN: _l("Please describe what you will do and by when."),
    StepKind.PLAN_RETURNED: _l("Please say what is missing from the plan."),
    StepKind.EVIDENCE: _l("Please describe what has been done."),
    StepKind.EVIDENCE_RETURNED: _l("Please say what is missing from the evidence."),
    StepKind.CLOSED: _l("Please say what you verified before closing the corrective action."),
}
#: why a step cannot be taken now, by the state the action is in
NOT_NOW = {
    ActionState.OPEN: _l("The supplier has not answered with a plan yet."),
    ActionState.PLANNED: _l("The plan is waiting for the buyer's check."),
    ActionState.PLAN_RETURNED: _l("The buyer has asked for more on the plan; the supplier is revising it."),
    ActionState.IN_PROGRESS: _l("The plan has been accepted; the supplier has not sent evidence of the fix yet."),
    ActionState.VERIFYING: _l("The evidence of the fix is waiting for the buyer's verification."),
    ActionState.EVIDENCE_RETURNED: _l("The buyer has asked for more evidence; the supplier has not sent it yet."),
    ActionState.CLOSED: _l("This corrective action is already closed."),
}
#: whose turn first in the lists: the reader's work, then the other side's, the closed ones last
_LIST_ORDER = {
    ActionState.PLAN_RETURNED: 0,
    ActionState.EVIDENCE_RETURNED: 0,
    ActionState.OPEN: 1,
    ActionState.IN_PROGRESS: 1,
    ActionState.PLANNED: 2,
    ActionState.VERIFYING: 2,
    ActionState.CLOSED: 3,
}


def _listed(query: sa.Select[tuple[CorrectiveAction]]) -> list[CorrectiveAction]:
    actions: list[CorrectiveAction] = list(
        db.session.scalars(query.order_by(CorrectiveAction.due_date, CorrectiveAction.id))
    )
    return sorted(actions, key=lambda a: _LIST_ORDER[a.state])


def actions_for_buyer(buyer: Organization) -> list[CorrectiveAction]:
    return _listed(sa.select(CorrectiveAction).join(CorrectiveAction.supplier).where(Supplier.buyer_id == buyer.id))


def actions_for_supplier(organization: Organization, *, assessment_id: int | None = None) -> list[CorrectiveAction]:
    """The supplier's actions for all its buyers, or those raised on one of its assessments."""
    query = (
        sa.select(CorrectiveAction)
        .join(CorrectiveAction.supplier)
        .where(Supplier.organization_id == organization.id)
        # Each row names its buyer: one query for them all.
        .options(sa.orm.contains_eager(CorrectiveAction.supplier).joinedload(Supplier.buyer))
    )
    if assessment_id is not None:
        query = query.where(CorrectiveAction.assessment_id == assessment_id)
    return _listed(query)


def get_action(
    action_id: int, *, buyer: Organization | None = None, supplier: Organization | None = None
) -> CorrectiveAction:
    query = sa.select(CorrectiveAction).join(CorrectiveAction.supplier).where(CorrectiveAction.id == action_id)
    if buyer is not None:
        query = query.where(Supplier.buyer_id == buyer.id)
    elif supplier is not None:
        query = query.where(Supplier.organization_id == supplier.id)
    else:
        raise NotFound()
    return one_or_not_found(query)


def steps_possible(action: CorrectiveAction) -> list[StepKind]:
    """The steps the action's state allows now, by either side (the page shows those its reader may take)."""
    return [kind for kind, (sources, _) in TRANSITIONS.items() if action.state in sources]


def take_step(action: CorrectiveAction, kind: StepKind, text: str | None, *, by: User) -> ActionStep:
    """Take one step of the workflow: refused (Conflict) when the state does not allow it, and (UserInputError)
    without the words the step needs; otherwise the step is kept in the history, logged and told."""
    sources, target = TRANSITIONS[kind]
    if action.state not in sources:
        raise Conflict(NOT_NOW[action.state])
    cleaned = clean_text(text)
    if cleaned is None and kind in TEXT_REQUIRED:
        raise UserInputError(TEXT_REQUIRED[kind])
    now, before = utcnow(), action.state
    step = ActionStep(action_id=action.id, kind=kind, text=cleaned, by_id=by.id, at=now)
    db.session.add(step)
    if kind == StepKind.PLAN:
        action.plan, action.planned_at, action.planned_by_id = cleaned, now, by.id
    elif kind == StepKind.CLOSED:
        action.closing_comment, action.closed_at, action.closed_by_id = cleaned, now, by.id
    action.state = target
    db.session.flush()
    side = action.supplier.organization_id if kind in SUPPLIER_STEPS else action.supplier.buyer_id
    record(
        _ACTIVITY[kind],
        actor=by,
        subject_type="corrective_action",
        subject_id=action.id,
        organization_id=side,
        state=[str(before), str(action.state)],
    )
    notify(_event(action, step, by))
    return step


#: the activity log's code of each step ("action.planned" and "action.closed" as before the verification step)
_ACTIVITY = {
    StepKind.PLAN: "action.planned",
    StepKind.PLAN_ACCEPTED: "action.plan_accepted",
    StepKind.PLAN_RETURNED: "action.plan_returned",
    StepKind.EVIDENCE: "action.evidence_sent",
    StepKind.EVIDENCE_RETURNED: "action.evidence_returned",
    StepKind.CLOSED: "action.closed",
}


def _event(action: CorrectiveAction, step: ActionStep, by: User) -> object:
    if step.kind == StepKind.PLAN:
        return events.ActionPlanned(action, by)
    if step.kind == StepKind.EVIDENCE:
        return events.ActionEvidenceSent(action, by)
    if step.kind == StepKind.PLAN_ACCEPTED:
        return events.ActionPlanAccepted(action)
    if step.kind == StepKind.CLOSED:
        return events.ActionClosed(action)
    return events.ActionReturned(action, step)


def submit_plan(action: CorrectiveAction, plan: str, *, by: User) -> ActionStep:
    """The supplier's plan, first or revised (before the buyer accepts it)."""
    return take_step(action, StepKind.PLAN, plan, by=by)


def close_action(action: CorrectiveAction, comment: str | None, *, by: User) -> ActionStep:
    """The buyer has verified the evidence of the fix; the closing comment says what was verified."""
    return take_step(action, StepKind.CLOSED, comment, by=by)


def add_evidence(action: CorrectiveAction, evidence: Evidence, *, by: User, step: ActionStep | None = None) -> None:
    """A file the supplier sends with a plan or as evidence of the fix (the same file twice is kept once)."""
    if action.state == ActionState.CLOSED:
        raise Conflict(NOT_NOW[ActionState.CLOSED])
    if evidence.organization_id != action.supplier.organization_id:
        raise NotFound()
    exists = db.session.scalar(
        sa.select(ActionEvidence.id).where(
            ActionEvidence.action_id == action.id, ActionEvidence.evidence_id == evidence.id
        )
    )
    if exists is None:
        db.session.add(ActionEvidence(action_id=action.id, evidence_id=evidence.id, step_id=step.id if step else None))
        db.session.flush()
        record(
            "action.evidence",
            actor=by,
            subject_type="corrective_action",
            subject_id=action.id,
            organization_id=action.supplier.organization_id,
            file=evidence.filename,
            sha256=evidence.sha256,
        )


def evidence_of_action(action: CorrectiveAction) -> list[Evidence]:
    return [evidence for evidence, _ in _evidence_rows(action)]


def evidence_by_step(action: CorrectiveAction) -> dict[int | None, list[Evidence]]:
    """The action's files under the step they were sent with (None: sent before steps were kept)."""
    files: dict[int | None, list[Evidence]] = {}
    for evidence, step_id in _evidence_rows(action):
        files.setdefault(step_id, []).append(evidence)
    return files


def _evidence_rows(action: CorrectiveAction) -> list[tuple[Evidence, int | None]]:
    rows = db.session.execute(
        sa.select(Evidence, ActionEvidence.step_id)
        .join(ActionEvidence, ActionEvidence.evidence_id == Evidence.id)
        .where(ActionEvidence.action_id == action.id)
        .order_by(ActionEvidence.id)
    )
    return [(evidence, step_id) for evidence, step_id in rows]
