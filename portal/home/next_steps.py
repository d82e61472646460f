"""What a supplier has to do next, for its start page: new buyers waiting for its answer, clarifications its
buyers asked for, corrective actions waiting on it, and assessments still to answer, each soonest due first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.actions.models import CorrectiveAction
from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import progress_of, supplier_inbox
from portal.assessments.rules import Progress
from portal.extensions import db
from portal.organizations.models import Organization
from portal.relationships.operations import count_pending_requests
from portal.suppliers.models import Supplier

#: States in which a corrective action waits on the buyer (a plan or evidence to check) or on nobody.
#: Named by value: every other state, now and as the workflow grows, is the supplier's turn.
NOT_THE_SUPPLIERS_TURN = ("planned", "verifying", "closed")
TO_ANSWER = (AssessmentState.INVITED, AssessmentState.IN_PROGRESS)


@dataclass(frozen=True)
class NextSteps:
    today: date
    #: returned for clarification: the reopened items to answer and submit again
    clarifications: Sequence[Assessment]
    #: corrective actions waiting on the supplier (a plan, its revision, evidence of the fix)
    actions: Sequence[CorrectiveAction]
    #: not submitted yet
    to_answer: Sequence[Assessment]
    progress: dict[int, Progress]
    #: buyers' requests to add the company as their supplier, waiting for an administrator's answer
    relationship_requests: int = 0

    @property
    def nothing_to_do(self) -> bool:
        return not (self.clarifications or self.actions or self.to_answer or self.relationship_requests)


def supplier_next_steps(organization: Organization, today: date, *, answers_requests: bool = False) -> NextSteps:
    """The supplier organisation's to-do list across all its buyers, each list soonest due first; with
    ``answers_requests`` (the reader may accept new buyers) the number of buyers waiting for an answer too."""
    inbox = supplier_inbox(organization)  # ordered by due date
    clarifications = [a for a in inbox if a.state == AssessmentState.RETURNED]
    to_answer = [a for a in inbox if a.state in TO_ANSWER]
    actions = list(
        db.session.scalars(
            sa.select(CorrectiveAction)
            .join(CorrectiveAction.supplier)
            .where(
                Supplier.organization_id == organization.id,
                CorrectiveAction.state.not_in(NOT_THE_SUPPLIERS_TURN),
            )
            .options(sa.orm.contains_eager(CorrectiveAction.supplier).joinedload(Supplier.buyer))
            .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
        )
    )
    requests = count_pending_requests(organization) if answers_requests else 0
    return NextSteps(today, clarifications, actions, to_answer, progress_of([*clarifications, *to_answer]), requests)
