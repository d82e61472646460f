"""A worker killed in the middle of an export: the job is redelivered and finishes once, and no half-written
file is ever offered for download."""

import signal
import time
import uuid

import pytest
import sqlalchemy as sa

from portal.background.models import BackgroundJob, JobState
from portal.extensions import db
from portal.settings import celery_settings
from tests.conftest import make_test_app, sign_in
from tests.portal.assessments.helpers import setup
from tests.services import REDIS_URL, require_redis
from tests.workers.processes import other_transaction, start_worker, stop, wait_for

pytestmark = pytest.mark.worker


def test_a_killed_export_is_redelivered_and_offered_only_when_whole(
    app, database_url, tmp_path, make_buyer, make_supplier, make_campaign
):
    if not database_url.startswith("postgresql"):
        pytest.skip("holding a worker inside a job needs PostgreSQL row locks; SQLite runs the outage test")
    require_redis()
    assessment, admin, _ = setup(make_buyer, make_supplier, make_campaign)
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    web = make_test_app(tmp_path / "web", database_url, CELERY=celery_settings(REDIS_URL, queue))
    storage = web.config["STORAGE_DIR"]
    exports = tmp_path / "web" / "storage" / "exports"

    # Hold every background job row, so the first worker is stuck inside the job when it is killed.
    with other_transaction(database_url) as blocker:
        client = web.test_client()
        sign_in(client, admin.email)
        first = start_worker(
            database_url, queue, tmp_path, "first", PORTAL_BROKER_VISIBILITY_TIMEOUT="4", PORTAL_STORAGE_DIR=storage
        )
        job_url = client.post(f"/review/{assessment.id}/export", data={"lang": "ja"}).headers["Location"]
        blocker.execute(sa.text("SELECT 1 FROM background_jobs FOR UPDATE"))
        log = tmp_path / "first.log"
        assert wait_for(lambda: "reports.build_export" in log.read_text()), log.read_text()[-2000:]
        time.sleep(1)
        assert client.get(job_url + "/download").status_code == 404  # nothing to offer yet
        stop(first, signal.SIGKILL)
    assert not exports.exists() or not [p for p in exports.rglob("*") if p.is_file()]

    time.sleep(5)  # past the visibility timeout, Redis hands the unacknowledged job to the next worker
    second = start_worker(
        database_url, queue, tmp_path, "second", PORTAL_BROKER_VISIBILITY_TIMEOUT="4", PORTAL_STORAGE_DIR=storage
    )
    try:

        def done():
            db.session.expire_all()
            return db.session.scalar(sa.select(BackgroundJob)).state == JobState.DONE

        assert wait_for(done, timeout=60), (tmp_path / "second.log").read_text()[-3000:]
    finally:
        stop(second)
    assert "reports.build_export" in (tmp_path / "second.log").read_text()
    assert len([p for p in exports.rglob("*") if p.is_file()]) == 1
    download = client.get(job_url + "/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    with web.app_context():
        db.engine.dispose()  # Celery's default app keeps this app alive: close its connections now
