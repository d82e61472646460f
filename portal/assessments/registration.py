"""Answering by a METI SCS registration (SCS評価制度 ★3 / ★4) instead of answers, where the campaign accepts one.

The supplier's owner chooses one of its organisation's valid SCS registrations of at least the campaign's level:
the assessment is submitted with that claim (``Assessment.satisfied_by_claim_id``) and no answers are needed.
The reviewer verifies the claim and accepts (the assessment is then satisfied by it until the claim's
valid-until date: computed from today's date wherever it is shown, so an expired one stops counting without a
job) or returns it with a comment (every item is reopened: the supplier answers, or withdraws the choice, or
chooses another registration). States move only through ``portal.assessments.lifecycle``. Such an assessment
is not scored from answers: choosing drops any score, and the scoring sweep and rescoring leave it out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.accounts.models import User
from portal.activity.models import ActivityEntry
from portal.assessments import lifecycle
from portal.assessments.models import Assessment, AssessmentState
from portal.assessments.operations import questionnaire_for, require_submitter
from portal.campaigns.models import Campaign
from portal.claims.models import Claim, ClaimKind
from portal.errors import Conflict, NotFound, UserInputError
from portal.extensions import db
from portal.notifications import notify
from portal.scoring.models import AssessmentScore
from portal.suppliers.models import Supplier
from portal.text_input import clean_text

logger = logging.getLogger(__name__)

#: The levels a campaign may accept (SCS評価制度 ★3 and ★4).
LEVELS = (3, 4)


class RegistrationRefused(UserInputError):
    """The chosen registration cannot stand in for the answers; the message says why, next to the choice."""


@dataclass(frozen=True)
class RegistrationOffer:
    """What the answering page offers when the campaign accepts a registration."""

    level: int
    #: the organisation's valid SCS registrations of at least ``level``, the best first
    claims: list[Claim]
    #: why there is none to choose (None when there is)
    reason: Any


@dataclass(frozen=True)
class RegistrationResult:
    """An assessment answered by a registration, as every page, the API and the exports show it."""

    level: int
    number: str
    valid_until: date | None
    evaluator: str | None
    evidence_id: int | None
    #: the reviewer accepted it
    accepted: bool
    #: the claim counts today (not past its valid-until date)
    valid: bool

    @property
    def satisfied(self) -> bool:
        """Accepted and still valid: the assessment is satisfied by the registration."""
        return self.accepted and self.valid

    @property
    def label(self) -> str:
        """One line in words: satisfied until a date, expired, or waiting for the reviewer."""
        until = self.valid_until.isoformat() if self.valid_until else "—"
        if not self.valid:
            return str(_l("★%(level)d registration expired (valid until %(date)s)", level=self.level, date=until))
        if self.accepted:
            return str(_l("Satisfied by ★%(level)d registration (valid until %(date)s)", level=self.level, date=until))
        return str(_l("Answered by ★%(level)d registration (valid until %(date)s)", level=self.level, date=until))


def _result(assessment: Assessment, claim: Claim, today: date) -> RegistrationResult:
    return RegistrationResult(
        level=claim.level or 0,
        number=claim.number,
        valid_until=claim.valid_until,
        evaluator=claim.evaluator,
        evidence_id=claim.evidence_id,
        accepted=assessment.state == AssessmentState.ACCEPTED,
        valid=claim.is_valid(today),
    )


def registration_of(assessment: Assessment, today: date) -> RegistrationResult | None:
    """The registration the assessment is answered by, or None when it is answered (or to be answered) normally."""
    return registrations_of([assessment], today).get(assessment.id)


def registrations_of(assessments: Sequence[Assessment], today: date) -> dict[int, RegistrationResult]:
    """``registration_of`` for many assessments in one query: assessment id → its registration."""
    chosen = {a.satisfied_by_claim_id: a for a in assessments if a.satisfied_by_claim_id is not None}
    if not chosen:
        return {}
    claims = db.session.scalars(sa.select(Claim).where(Claim.id.in_(list(chosen))))
    return {chosen[claim.id].id: _result(chosen[claim.id], claim, today) for claim in claims}


def accepted_registrations(buyer_id: int, today: date) -> list[tuple[str, RegistrationResult]]:
    """The buyer's assessments accepted by a registration, with the supplier's name: valid ones first, each
    supplier's newest first (the portfolio lists them beside the scores: they have none)."""
    rows = db.session.execute(
        sa.select(Assessment, Claim, Supplier.name)
        .join(Claim, Claim.id == Assessment.satisfied_by_claim_id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .join(Campaign, Campaign.id == Assessment.campaign_id)
        .where(Campaign.buyer_id == buyer_id, Assessment.state == AssessmentState.ACCEPTED)
        .order_by(Supplier.name, Assessment.decided_at.desc())
    )
    found = [(name, _result(assessment, claim, today)) for assessment, claim, name in rows]
    return sorted(found, key=lambda row: not row[1].valid)


def chosen_claim(assessment: Assessment) -> Claim | None:
    if assessment.satisfied_by_claim_id is None:
        return None
    return db.session.get(Claim, assessment.satisfied_by_claim_id)


def _registrations(organization_id: int) -> list[Claim]:
    return list(
        db.session.scalars(
            sa.select(Claim)
            .where(Claim.organization_id == organization_id, Claim.kind == ClaimKind.METI_SCS)
            .order_by(Claim.level.desc(), Claim.valid_until.desc(), Claim.id)
        )
    )


def offer_for(assessment: Assessment, today: date) -> RegistrationOffer | None:
    """The registrations the supplier may answer by, and why none when there are none; None: not accepted."""
    level = assessment.campaign.accepts_registration_level
    if level is None:
        return None
    recorded = _registrations(assessment.supplier.organization_id)
    usable = [c for c in recorded if c.is_valid(today) and (c.level or 0) >= level]
    reason = None
    if not recorded:
        reason = _l("Your organisation has not recorded a METI SCS registration.")
    elif not usable:
        reason = _l(
            "None of your organisation's METI SCS registrations is valid today at ★%(level)d or above.", level=level
        )
    return RegistrationOffer(level, usable, reason)


def _check_claim(assessment: Assessment, claim: Claim | None, today: date) -> Claim:
    """The claim if it may stand in for this assessment's answers today; refused with the reason otherwise."""
    level = assessment.campaign.accepts_registration_level
    if level is None:
        raise RegistrationRefused(_l("This request does not accept a registration instead of answers."))
    if claim is None or claim.organization_id != assessment.supplier.organization_id:
        raise NotFound(_l("This registration was not found."))
    if claim.kind != ClaimKind.METI_SCS:
        raise RegistrationRefused(_l("Please choose a METI SCS registration."))
    if (claim.level or 0) < level:
        raise RegistrationRefused(_l("This request needs a ★%(level)d registration or above.", level=level))
    if not claim.is_valid(today):
        raise RegistrationRefused(_l("This registration has expired."))
    return claim


def _facts(claim: Claim) -> dict[str, Any]:
    """What the activity log keeps of the registration an entry is about."""
    return {"claim": claim.id, "number": claim.number, "level": claim.level}


def choose_registration(assessment: Assessment, claim_id: int, *, by: User, today: date) -> Assessment:
    """Submit the assessment as answered by the organisation's registration ``claim_id`` (the owner only).

    Its answers are not checked; it waits for the reviewer as any submission does. The caller commits.
    """
    require_submitter(assessment, by)
    lifecycle.lock_open(assessment)
    claim = _check_claim(assessment, db.session.get(Claim, claim_id), today)
    assessment.satisfied_by_claim_id = claim.id
    # Not scored from answers: a score from earlier answers would stand beside the registration.
    db.session.execute(sa.delete(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id))
    submitted = lifecycle.submit(assessment, by=by)
    db.session.flush()
    lifecycle.record_transition(
        "registration.chosen", submitted, by=by, organization_id=assessment.supplier.organization_id, **_facts(claim)
    )
    notify(submitted)
    logger.info("Assessment %s answered by registration %s by %s", assessment.id, claim.id, by)
    return assessment


def withdraw_registration(assessment: Assessment, *, by: User) -> Assessment:
    """Take the registration back while the assessment is open again (returned): the supplier answers instead."""
    require_submitter(assessment, by)
    lifecycle.lock_open(assessment)
    claim = chosen_claim(assessment)
    if claim is None:
        raise Conflict(_l("This assessment is not answered by a registration."))
    assessment.satisfied_by_claim_id = None
    db.session.flush()
    lifecycle.record_transition(
        "registration.withdrawn",
        lifecycle.LifecycleEvent(assessment.id, by.id, assessment.state, assessment.state),
        by=by,
        organization_id=assessment.supplier.organization_id,
        **_facts(claim),
    )
    return assessment


def _reviewed_claim(assessment: Assessment) -> Claim:
    lifecycle.require_reviewable(assessment)
    claim = chosen_claim(assessment)
    if claim is None:
        raise Conflict(_l("This assessment is not answered by a registration."))
    return claim


def accept_registration(assessment: Assessment, *, by: User, today: date) -> Assessment:
    """The reviewer has verified the registration: the assessment is accepted, satisfied by it until it expires."""
    claim = _check_claim(assessment, _reviewed_claim(assessment), today)
    decided = lifecycle.decide(assessment, lifecycle.Transition.ACCEPT, by=by)
    db.session.flush()
    lifecycle.record_transition(
        "registration.accepted", decided, by=by, organization_id=assessment.campaign.buyer_id, **_facts(claim)
    )
    notify(decided)
    logger.info("Assessment %s accepted by registration %s by %s", assessment.id, claim.id, by)
    return assessment


def return_registration(assessment: Assessment, comment: str | None, *, by: User) -> Assessment:
    """Return it with a comment: every item is reopened, and the supplier answers or chooses another registration."""
    claim = _reviewed_claim(assessment)
    text = clean_text(comment)
    if text is None:
        raise UserInputError(_l("Please say in a comment why the registration is not accepted."))
    items = [item.id for item in questionnaire_for(assessment).items_for_tier(assessment.tier)]
    returned = lifecycle.return_for_clarification(assessment, items, by=by)
    db.session.flush()
    # Under the supplier's organisation, like any return: the comment is written to the supplier.
    lifecycle.record_transition(
        "registration.returned",
        returned,
        by=by,
        organization_id=assessment.supplier.organization_id,
        comment=text,
        **_facts(claim),
    )
    notify(returned)
    return assessment


def return_comment(assessment: Assessment) -> str | None:
    """The reviewer's comment of the last return of the registration, while the assessment is returned."""
    if assessment.state != AssessmentState.RETURNED:
        return None
    details = db.session.scalar(
        sa.select(ActivityEntry.details)
        .where(
            ActivityEntry.subject_type == "assessment",
            ActivityEntry.subject_id == assessment.id,
            ActivityEntry.action == "registration.returned",
        )
        .order_by(ActivityEntry.id.desc())
        .limit(1)
    )
    return str(details["comment"]) if details and details.get("comment") else None
