"""A score counts only the files satisfying the item's evidence rule on the scoring day (not expired, not too
old, of an accepted kind); a file that expires, or is re-dated, has the scores relying on it asked again."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.assessments.models import AnswerEvidence, Assessment, AssessmentState, ReminderSent
from portal.evidence.expiry import expired_step, rescore_after_expiry
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.scoring.dispatch import enqueue_scoring
from portal.scoring.models import AssessmentScore, ScoreState
from portal.scoring.operations import scoring_inputs
from portal.scoring.queries import current_scores
from tests.portal.assessments.helpers import setup
from tests.workflow_fixtures import WORKFLOW_DEFINITION, submit_answers
from workers.tasks import send_reminders

pytestmark = pytest.mark.both_databases

#: POL-01 needs a policy document at most a year old when answered "implemented" (and is critical).
YEARLY = WORKFLOW_DEFINITION.replace("kinds: [policy]}", "kinds: [policy], max_age_days: 365}")
CODES = {"POL-01": "yes", "STF-01": "yes", "STF-02": "yes"}


def scored(make_buyer, make_supplier, make_campaign, make_version):
    """A submitted, scored assessment whose POL-01 relies on one policy file: (assessment, the file)."""
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign, version=make_version(YEARLY))
    submit_answers(assessment, owner, CODES)
    enqueue_scoring(assessment.id)  # eager in tests
    file = db.session.scalars(sa.select(Evidence).join(AnswerEvidence)).one()
    return assessment, file


def has_evidence(assessment, today):
    return scoring_inputs(db.session.connection(), assessment.id, today)["POL-01"].has_evidence


def reasons(assessment):
    db.session.expire_all()
    return [(r["kind"], r["item_id"]) for r in current_scores(assessment)["self"]["reasons"]]


def set_file(file, **values):
    for name, value in values.items():
        setattr(file, name, value)
    db.session.commit()


def test_only_a_file_satisfying_the_rule_on_the_scoring_day_counts(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, file = scored(make_buyer, make_supplier, make_campaign, make_version)
    today = date.today()
    assert has_evidence(assessment, today)  # no dates, no kind: a file is not refused for what nobody said
    set_file(file, kind="policy", document_date=today - timedelta(days=30), valid_until=today + timedelta(days=5))
    assert has_evidence(assessment, today)
    assert not has_evidence(assessment, today + timedelta(days=6))  # the day after its valid-until date
    set_file(file, valid_until=None, document_date=today - timedelta(days=366))
    assert not has_evidence(assessment, today)  # older than max_age_days
    set_file(file, document_date=None, kind="contract")
    assert not has_evidence(assessment, today)  # a kind the rule does not accept
    set_file(file, kind="policy")
    assert has_evidence(assessment, today)


def test_rescoring_after_expiry_gives_a_new_result_with_the_missing_evidence(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, file = scored(make_buyer, make_supplier, make_campaign, make_version)
    assert reasons(assessment) == []
    before = db.session.scalars(sa.select(AssessmentScore)).one().inputs_hash
    set_file(file, valid_until=date.today() - timedelta(days=1))  # as if it had expired since the last scoring
    db.session.execute(sa.update(AssessmentScore).values(state=ScoreState.QUEUED))
    db.session.commit()
    enqueue_scoring(assessment.id)
    assert reasons(assessment) == [("missing_evidence", "POL-01")]
    assert db.session.scalars(sa.select(AssessmentScore)).one().inputs_hash != before


def test_the_daily_job_rescores_assessments_relying_on_a_file_expired_since_its_last_run(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    assessment, file = scored(make_buyer, make_supplier, make_campaign, make_version)
    # A decided assessment relying on the same file keeps the score it was decided on.
    decided, _, owner = setup(make_buyer, make_supplier, make_campaign, version=make_version(YEARLY))
    submit_answers(decided, owner, CODES)
    decided_file = db.session.scalars(sa.select(Evidence).where(Evidence.organization_id != file.organization_id)).one()
    enqueue_scoring(decided.id)
    db.session.get(Assessment, decided.id).state = AssessmentState.ACCEPTED
    yesterday = date.today() - timedelta(days=1)
    set_file(file, valid_until=yesterday)
    set_file(decided_file, valid_until=yesterday)

    send_reminders.delay()  # eager: the job commits, then queues the scoring jobs, which run now

    assert reasons(assessment) == [("missing_evidence", "POL-01")]
    assert reasons(decided) == []
    steps = db.session.scalars(sa.select(ReminderSent.step).where(ReminderSent.evidence_id == file.id)).all()
    assert steps == [expired_step(yesterday)]
    assert rescore_after_expiry(date.today()) == []  # the next run has nothing new
    # Given a later date that passes too, the file is seen to expire again.
    set_file(file, valid_until=date.today())
    assert rescore_after_expiry(date.today() + timedelta(days=1)) == [assessment.id]


def test_changing_a_files_dates_asks_the_scores_relying_on_it_again(
    client, app, make_buyer, make_supplier, make_campaign, make_version
):
    from tests.conftest import sign_in

    assessment, file = scored(make_buyer, make_supplier, make_campaign, make_version)
    owner_email = assessment.supplier.contact_email
    sign_in(client, owner_email)
    response = client.post(
        f"/evidence/{file.id}/describe",
        data={"valid_until": (date.today() - timedelta(days=2)).isoformat()},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert reasons(assessment) == [("missing_evidence", "POL-01")]  # queued with the change, scored once committed
