"""A real ``celery worker`` process, fed through Redis, writes to the test database."""

import uuid

import pytest

from portal.extensions import db
from portal.jobs import enqueue
from portal.mail.models import OutboxMessage
from portal.settings import celery_settings
from tests.conftest import make_test_app
from tests.services import REDIS_URL, require_redis
from tests.workers.processes import start_worker, stop, wait_for

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)

BROKER = REDIS_URL


@pytest.fixture
def worker(app, database_url, tmp_path):
    """Start a worker on a queue of its own; yield the queue name; stop the worker."""
    require_redis()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = start_worker(database_url, queue, tmp_path, "worker")
    yield queue
    stop(process)


@pytest.mark.worker
def test_a_queued_job_runs_in_the_worker_and_writes_to_the_database(app, worker, tmp_path, database_url):
    message = OutboxMessage(recipient="worker@example.com", subject="Hello", body="From the worker test")
    db.session.add(message)
    db.session.commit()

    producer = make_test_app(tmp_path / "producer", database_url, CELERY=celery_settings(BROKER, worker))
    with producer.app_context():
        enqueue("mail.send_outbox")

    def sent():
        db.session.expire_all()
        return db.session.get(OutboxMessage, message.id).sent_at is not None

    assert wait_for(sent), (tmp_path / "worker.log").read_text()[-3000:]
    assert db.session.get(OutboxMessage, message.id).attempts == 1
