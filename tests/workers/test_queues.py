"""Each kind of work has its own Celery queue, so a flood of one kind (exports) never waits in front of
another (e-mail, scoring); a worker started without ``-Q`` still takes every queue."""

from portal.settings import celery_settings
from tests.conftest import make_test_app

#: Every task the workers register, and the queue it must run on (prefix ``pfx``).
EXPECTED = {
    "reports.build_export": "pfx.exports",
    "reports.remove_old_exports": "pfx.exports",
    "scoring.score_assessment": "pfx.scoring",
    "scoring.sweep": "pfx.scoring",
    "campaigns.rescore": "pfx.scoring",
    "mail.send_outbox": "pfx.mail",
    "campaigns.send_reminders": "pfx.mail",
    "background.sweep": "pfx",
}


def celery_for(tmp_path):
    # Routing is decided when a message is published; nothing here connects to the broker.
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite'}", CELERY=celery_settings("redis://x", "pfx"))
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()
    return celery


def test_each_task_runs_on_the_queue_of_its_kind_of_work(tmp_path):
    celery = celery_for(tmp_path)
    ours = sorted(name for name in celery.tasks if not name.startswith("celery."))
    assert ours == sorted(EXPECTED), "a new task needs its queue in portal.jobs.TASKS and here"
    routed = {name: celery.amqp.router.route({}, name)["queue"].name for name in ours}
    assert routed == EXPECTED


def test_a_worker_without_q_takes_every_queue_and_the_prefix_is_the_setting(tmp_path):
    celery = celery_for(tmp_path)
    assert sorted(celery.amqp.queues) == ["pfx", "pfx.exports", "pfx.mail", "pfx.scoring"]
    # Each queue is published to under its own name, as a worker's -Q names it.
    for name, queue in celery.amqp.queues.items():
        assert queue.routing_key == name and queue.exchange.name == name
