"""A supplier firing hundreds of export requests leaves another buyer's export and the outbox on time: real
workers for the export and the e-mail queues, fed through Redis, on PostgreSQL.

Most of the flood is refused (429) or answered with the identical export already pending, so the export queue
never holds more than the supplier's five; e-mail has a queue and a worker of its own.
"""

import time
import uuid

import pytest
import sqlalchemy as sa

from portal.background.models import BackgroundJob, JobState
from portal.extensions import db
from portal.mail.dispatch import send_outbox_soon
from portal.mail.models import OutboxMessage
from portal.settings import celery_settings
from tests.conftest import make_test_app, postgres_url, sign_in
from tests.portal.api.helpers import token_for
from tests.services import REDIS_URL, require_redis
from tests.workers.processes import start_worker, stop, wait_for
from tests.workflow_fixtures import only_assessment

pytestmark = pytest.mark.worker

REQUESTS = 200
#: Seconds from asking to done for the other buyer's export and the e-mail; the flood alone would take
#: minutes to build if every request queued an export (about 0.1 s of a worker each).
ON_TIME = 15


@pytest.fixture
def database_url(postgres_schema):
    # Production's database: several worker processes and the web writing at once.
    return postgres_url(postgres_schema)


@pytest.fixture
def web(app, database_url, tmp_path):
    """The web app, publishing to Redis, with a worker per queue running: its test client is the web."""
    require_redis()
    queue = f"flood-{uuid.uuid4().hex[:8]}"
    web = make_test_app(tmp_path / "web", database_url, CELERY=celery_settings(REDIS_URL, queue))
    storage = web.config["STORAGE_DIR"]
    # As docker-compose.yml starts them (the scoring worker has nothing to do here, so it is left out).
    kinds = {"exports": f"{queue}.exports", "mail": f"{queue}.mail,{queue}"}
    workers = [
        start_worker(database_url, queue, tmp_path, kind, queues=queues, PORTAL_STORAGE_DIR=storage)
        for kind, queues in kinds.items()
    ]
    try:
        for kind in kinds:
            log = tmp_path / f"{kind}.log"
            assert wait_for(lambda log=log: " ready." in log.read_text(), timeout=40), log.read_text()[-3000:]
        yield web
    finally:
        with web.app_context():
            web.extensions["celery"].control.purge()  # the flood's exports still queued are of no further use
            db.engine.dispose()
        for worker in workers:
            worker.terminate()  # all at once: each finishes its job while the others do
        for worker in workers:
            stop(worker)


def test_a_supplier_flooding_exports_leaves_another_buyers_export_and_the_outbox_on_time(
    web, tmp_path, make_buyer, make_supplier, make_campaign
):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    # Four assessments in two languages: eight different exports, more than the supplier may have pending.
    assessments = [only_assessment(make_campaign(buyer, [supplier], by=admin)).id for _ in range(4)]
    other_buyer, other_admin = make_buyer()
    other_supplier, _ = make_supplier(other_buyer)
    other_assessment = only_assessment(make_campaign(other_buyer, [other_supplier], by=other_admin))

    flooder = web.test_client()
    sign_in(flooder, owner.email)
    api = token_for(owner)
    statuses: dict[int, int] = {}
    jobs: set[int] = set()

    def flood(count):
        for n in range(count):
            assessment_id, lang = assessments[n % 4], ("ja", "en")[n // 4 % 2]
            if n % 2:
                response = flooder.post(f"/assessments/{assessment_id}/export", data={"lang": lang})
                job = response.headers.get("Location", "").rsplit("/", 1)[-1]
            else:
                body = {"kind": "checksheet", "assessment_id": assessment_id, "lang": lang}
                response = flooder.post("/api/v1/exports", json=body, headers=api)
                job = str((response.get_json() or {}).get("id", ""))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if job.isdigit():
                jobs.add(int(job))

    flood(REQUESTS // 2)
    # In the middle of the flood: the other buyer asks for an export, and an e-mail is queued.
    message = OutboxMessage(recipient="someone@example.com", subject="Reminder", body="Sent during the flood")
    db.session.add(message)
    db.session.commit()
    other = web.test_client()
    sign_in(other, other_admin.email)
    asked = other.post(f"/review/{other_assessment.id}/export", data={"lang": "ja"})
    assert asked.status_code == 302
    with web.app_context():
        send_outbox_soon()
    flood(REQUESTS - REQUESTS // 2)

    def other_export():
        db.session.expire_all()
        return db.session.scalar(sa.select(BackgroundJob).where(BackgroundJob.organization_id == other_buyer.id))

    def mail():
        db.session.expire_all()
        return db.session.get_one(OutboxMessage, message.id)

    deadline = time.monotonic() + ON_TIME
    assert wait_for(lambda: other_export().state == JobState.DONE, timeout=ON_TIME), (
        tmp_path / "exports.log"
    ).read_text()[-3000:]
    assert wait_for(lambda: mail().sent_at is not None, timeout=max(1, deadline - time.monotonic())), (
        tmp_path / "mail.log"
    ).read_text()[-3000:]
    # Measured on the rows, not on this test's polling: from asking to done.
    assert (other_export().finished_at - other_export().created_at).total_seconds() < ON_TIME
    assert (mail().sent_at - mail().created_at).total_seconds() < ON_TIME

    # The flood was turned away, not queued: only 429s or the pending export itself, never an error.
    assert set(statuses) <= {302, 202, 429}, statuses
    returned_again = statuses.get(302, 0) + statuses.get(202, 0) - len(jobs)
    assert statuses.get(429, 0) > 0 and returned_again > 0, statuses
    assert statuses.get(429, 0) + returned_again > REQUESTS // 2, (len(jobs), statuses)
