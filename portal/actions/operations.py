"""Following corrective actions up: the supplier's plan, the buyer's closing."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.actions.models import ActionEvidence, ActionState, CorrectiveAction
from portal.activity.operations import record
from portal.db import utcnow
from portal.errors import Conflict, NotFound, UserInputError
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.lookups import one_or_not_found
from portal.notifications import events, notify
from portal.organizations.models import Organization
from portal.suppliers.models import Supplier
from portal.text_input import clean_text


def actions_for_buyer(buyer: Organization) -> list[CorrectiveAction]:
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .join(CorrectiveAction.supplier)
            .where(Supplier.buyer_id == buyer.id)
            .order_by(CorrectiveAction.state, CorrectiveAction.due_date)
        )
    )


def actions_for_supplier(organization: Organization) -> list[CorrectiveAction]:
    return list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .join(CorrectiveAction.supplier)
            .where(Supplier.organization_id == organization.id)
            .order_by(CorrectiveAction.state, CorrectiveAction.due_date)
        )
    )


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


def submit_plan(action: CorrectiveAction, plan: str, *, by: User) -> CorrectiveAction:
    if action.state == ActionState.CLOSED:
        raise Conflict(_l("This corrective action is already closed."))
    text = clean_text(plan)
    if text is None:
        raise UserInputError(_l("Please describe what you will do and by when."))
    before = action.state
    action.plan, action.planned_at, action.planned_by_id = text, utcnow(), by.id
    action.state = ActionState.PLANNED
    db.session.flush()
    record(
        "action.planned",
        actor=by,
        subject_type="corrective_action",
        subject_id=action.id,
        organization_id=action.supplier.organization_id,
        state=[str(before), str(action.state)],
    )
    notify(events.ActionPlanned(action, by))
    return action


def close_action(action: CorrectiveAction, comment: str | None, *, by: User) -> CorrectiveAction:
    if action.state == ActionState.CLOSED:
        raise Conflict(_l("This corrective action is already closed."))
    if action.state != ActionState.PLANNED:
        raise Conflict(_l("The supplier has not answered with a plan yet."))
    before = action.state
    action.state, action.closed_at, action.closed_by_id = ActionState.CLOSED, utcnow(), by.id
    action.closing_comment = clean_text(comment)
    db.session.flush()
    record(
        "action.closed",
        actor=by,
        subject_type="corrective_action",
        subject_id=action.id,
        organization_id=action.supplier.buyer_id,
        state=[str(before), str(action.state)],
    )
    notify(events.ActionClosed(action))
    return action


def add_evidence(action: CorrectiveAction, evidence: Evidence, *, by: User) -> None:
    """A file the supplier sends with its plan (the same file twice is kept once)."""
    if action.state == ActionState.CLOSED:
        raise Conflict(_l("This corrective action is already closed."))
    if evidence.organization_id != action.supplier.organization_id:
        raise NotFound()
    exists = db.session.scalar(
        sa.select(ActionEvidence.id).where(
            ActionEvidence.action_id == action.id, ActionEvidence.evidence_id == evidence.id
        )
    )
    if exists is None:
        db.session.add(ActionEvidence(action_id=action.id, evidence_id=evidence.id))
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
    return list(
        db.session.scalars(
            sa.select(Evidence)
            .join(ActionEvidence, ActionEvidence.evidence_id == Evidence.id)
            .where(ActionEvidence.action_id == action.id)
            .order_by(ActionEvidence.id)
        )
    )
