"""Scoring throughput on PostgreSQL: N submitted assessments of 150 items.

Prints, from the same run:
- the pure scoring floor: assessments/s through ``score_assessment`` (self and reviewed) on inputs
  already in memory, for the stored questionnaire (model ``default``) and for the same items under each other
  scoring model (``ipa_points``, ``meti_scs``, ``jama_levels``, ``aichi``);
- the full job path in this one process, the Celery task body called once per assessment (mark running,
  read the header and the answers/evidence/decisions, score both, store; autocommit statements), all N
  queued as after a burst of submissions: a job takes up to ``SCORING_BATCH`` waiting assessments with it;
- a lone job (nothing else waiting, so a batch of one): what each submission costs on a quiet day;
- the same N jobs through a real ``celery worker`` process (solo pool) fed by Redis, from the first
  message sent to the last score stored: the job path plus Celery's own per-message work;
- each rate's ratio to the floor, which is the job's own overhead (round trips, JSON, messages);
- the campaign rescoring job (a new pass threshold): the same work a batch of assessments at a time,
  four statements per batch, and its ratio to the floor.

Run with ``make bench`` or ``.venv/bin/python bench/scoring.py [N]``; needs PostgreSQL at
PORTAL_BENCH_DATABASE_URL (default: the ``test`` database on 127.0.0.1, in a schema of its own) and, for
the worker figure, Redis at PORTAL_BENCH_REDIS_URL (default: database 14 on 127.0.0.1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

BASE_URL = os.environ.get("PORTAL_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ITEMS = 150
LONE_JOBS = 100
#: The aim for the figure through one worker process (issue 21: the scoring job stays batch-capable).
WORKER_AIM = 400
#: The scoring block each model's floor is measured with; aichi reads the same codes as 5/3/2/0 points.
MODEL_BLOCKS = {
    "ipa_points": "scoring: {model: ipa_points, bands: [{min: 100, label: {ja: a, en: a}}, "
    "{min: null, label: {ja: b, en: b}}]}",
    "meti_scs": "scoring: {model: meti_scs}",
    "jama_levels": "scoring: {model: jama_levels, level_threshold: 90}",
    "aichi": "scoring: {model: aichi}",
}


@contextmanager
def scratch_schema(prefix: str = "bench") -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of its own at BASE_URL for one run, dropped afterwards whatever happened: yields its
    name and the database URL whose search_path is that schema (dashboard.py and web.py use it too)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(BASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema, f"{BASE_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def page_bench_app(database_url: str) -> Any:
    """The portal on ``database_url`` as the page benchmarks request it through the test client (dashboard.py,
    chain.py): quiet logs, no CSRF tokens to fetch."""
    from portal import create_app
    from portal.gunicorn_config import freeze_start_up

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": tempfile.mkdtemp(),
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
            "WTF_CSRF_ENABLED": False,
        }
    )
    freeze_start_up()  # as each gunicorn worker does once it has loaded the app
    return app


def definition(items: int, key: str = "bench", *, all_t1: bool = False) -> str:
    """Items in sections of 15 on one scale, tiers T1-T3 in turn and every 40th critical; with ``all_t1``
    every item tier T1 and none critical (web.py: a T1 supplier gets all of them). No evidence rules."""
    lines = [
        f'format: 1\nkey: {key}\nversion: "1"\ntitle: {{ja: ベンチ, en: Bench}}\nsource: bench\nlicence: Apache-2.0',
        "scales:\n  s:\n    choices:",
        '      - {code: "yes", label: {ja: y, en: y}, value: 1.0}',
        "      - {code: partial, label: {ja: p, en: p}, value: 0.5}",
        '      - {code: "no", label: {ja: n, en: n}, value: 0.0}',
        "      - {code: na, label: {ja: x, en: x}, value: null}",
        "sections:",
    ]
    for section in range(items // 15):
        lines.append(f"  - id: S{section}\n    title: {{ja: s{section}, en: s{section}}}\n    items:")
        for n in range(section * 15, section * 15 + 15):
            tier = "T1" if all_t1 else ("T1", "T2", "T3")[n % 3]
            critical = "\n        critical: true" if n % 40 == 0 and not all_t1 else ""
            lines.append(
                f"      - id: Q{n:03d}\n        tier: {tier}\n        text: {{ja: q{n}, en: q{n}}}\n"
                f"        scale: s\n        weight: {1 + n % 3}{critical}"
            )
    return "\n".join(lines) + "\n"


def model_definition(model: str) -> str:
    """The benchmark's definition under ``model`` (same items, codes and answers)."""
    text = definition(ITEMS, f"bench-{model.replace('_', '-')}")
    text = text.replace("licence: Apache-2.0", f"licence: Apache-2.0\n{MODEL_BLOCKS[model]}")
    if model == "aichi":
        for old, new in (("1.0", "5"), ("0.5", "3"), ("0.0", "2"), ("null", "0")):
            text = text.replace(f"value: {old}}}", f"value: {new}}}")
    return text


def model_floors(inputs: list[Any]) -> dict[str, float]:
    """Pure-function assessments per CPU second (self and reviewed) per scoring model on the same answers."""
    from questionnaires import load_text
    from questionnaires.scoring import score_self_and_reviewed

    floors = {}
    for model in MODEL_BLOCKS:
        questionnaire = load_text(model_definition(model), f"{model}.yaml")
        assert questionnaire.scoring.model == model
        start = time.process_time()  # this process's CPU time: other processes on the machine do not count
        for answers in inputs:
            score_self_and_reviewed(questionnaire, "T3", answers)
        floors[model] = len(inputs) / (time.process_time() - start)
    return floors


def main(count: int) -> None:
    from portal import create_app
    from portal.accounts.models import User
    from portal.accounts.operations import create_user
    from portal.assessments.models import Answer, AssessmentState
    from portal.campaigns.models import Campaign
    from portal.campaigns.operations import CampaignInput, create_campaign
    from portal.campaigns.rescoring import RESCORE_BATCH, change_pass_threshold, run_rescore
    from portal.catalog.operations import publish, questionnaire_of
    from portal.db import utcnow
    from portal.extensions import db
    from portal.jobs import enqueue
    from portal.organizations.operations import create_organization
    from portal.scoring.models import AssessmentScore, ScoreState
    from portal.scoring.operations import SCORING_BATCH, scoring_inputs
    from portal.scoring.requests import request_scoring
    from portal.settings import celery_settings
    from portal.suppliers.models import Supplier, Tier
    from questionnaires import load_text
    from questionnaires.scoring import score_self_and_reviewed
    from workers.tasks import score_assessment as score_task

    with scratch_schema() as (schema, database_url):
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "CELERY": celery_settings(REDIS_URL, schema),
                "INSTANCE_PATH": tempfile.mkdtemp(),
                "SECRET_KEY": "bench",
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            db.create_all()
            buyer = create_organization("Bench buyer", by=None)
            admin = create_user(email="bench@example.com", name="Bench", password="bench password 1")
            version, _ = publish(load_text(definition(ITEMS), "bench.yaml"), origin="import")
            suppliers = []
            for n in range(count):
                org = create_organization(f"Supplier {n}", by=None)
                suppliers.append(
                    Supplier(
                        buyer=buyer, organization=org, name=org.name, contact_email=f"s{n}@example.com", tier=Tier.T3
                    )
                )
            db.session.add_all(suppliers)
            db.session.flush()
            campaign = create_campaign(
                buyer,
                CampaignInput(
                    name="bench",
                    questionnaire_version_id=version.id,
                    due_date=date.today() + timedelta(days=9),
                    supplier_ids=[s.id for s in suppliers],
                ),
                by=admin,
                today=date.today(),
            )
            codes = ("yes", "partial", "no", "na")
            rows = []
            for a_index, assessment in enumerate(campaign.assessments):
                assessment.state = AssessmentState.SUBMITTED
                rows += [
                    {
                        "assessment_id": assessment.id,
                        "item_id": f"Q{n:03d}",
                        "code": codes[(n + a_index) % 4],
                        "version": 1,
                    }
                    for n in range(ITEMS)
                ]
            db.session.execute(sa.insert(Answer), rows)
            # As submitting does: the score row is queued in the submitting transaction.
            for assessment in campaign.assessments:
                request_scoring(assessment)
            db.session.commit()
            ids = [a.id for a in campaign.assessments]
            campaign_id, admin_id = campaign.id, admin.id

            def admin_user() -> User:
                return db.session.get_one(User, admin_id)

            questionnaire = questionnaire_of(version)
            inputs = [scoring_inputs(db.session.connection(), i) for i in ids]
            start = time.perf_counter()
            for answers in inputs:
                score_self_and_reviewed(questionnaire, "T3", answers)
            floor = count / (time.perf_counter() - start)
            floors = model_floors(inputs)

            db.session.remove()
            statements = []

            def statements_listener(*args: object) -> None:
                statements.append(1)

            sa.event.listen(db.engine, "before_cursor_execute", statements_listener)
            start = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                cProfile.runctx(
                    "for i in ids: score_task.run(i)",
                    globals(),
                    {"ids": ids, "score_task": score_task},
                    "/tmp/job.prof",
                )
                pstats.Stats("/tmp/job.prof").sort_stats("tottime").print_stats(30)
            else:
                for assessment_id in ids:
                    score_task.run(assessment_id)
            job = count / (time.perf_counter() - start)
            per_job = len(statements) / count
            sa.event.remove(db.engine, "before_cursor_execute", statements_listener)

            def queue_again(assessment_ids: list[int]) -> None:
                """As new answers would: the scores queued, the inputs they were computed from forgotten."""
                db.session.execute(
                    sa.update(AssessmentScore)
                    .where(AssessmentScore.assessment_id.in_(assessment_ids))
                    .values(state=ScoreState.QUEUED, requested_at=utcnow(), inputs_hash=None)
                )
                db.session.commit()
                db.session.remove()

            # Quiet days: one submission at a time, nothing else waiting.
            lone_seconds = 0.0
            for assessment_id in ids[:LONE_JOBS]:
                queue_again([assessment_id])
                start = time.perf_counter()
                score_task.run(assessment_id)
                lone_seconds += time.perf_counter() - start
            lone = min(LONE_JOBS, count) / lone_seconds

            def all_scored() -> bool:
                scored = db.session.scalar(
                    sa.select(sa.func.count()).where(
                        AssessmentScore.state == ScoreState.DONE, AssessmentScore.inputs_hash.is_not(None)
                    )
                )
                db.session.remove()
                return scored == count

            queue_again(ids)
            worker, worker_cpu = through_a_worker(database_url, schema, ids, enqueue, all_scored)

            # A new pass threshold: the campaign's rescoring job scores them all again, in batches.
            db.session.remove()
            rescore = change_pass_threshold(db.session.get_one(Campaign, campaign_id), 75.0, by=admin_user())
            db.session.commit()
            start = time.perf_counter()
            run_rescore(rescore)
            campaign_rate = count / (time.perf_counter() - start)
            done = db.session.scalar(
                sa.select(sa.func.count()).where(
                    AssessmentScore.state == ScoreState.DONE, AssessmentScore.inputs_hash.is_not(None)
                )
            )
            assert done == count, f"rescoring left {count - (done or 0)} assessments unscored"
            db.session.remove()
            db.engine.dispose()

    print(f"assessments             : {count} × {ITEMS} items, PostgreSQL")
    print(f"pure scoring floor      : {floor:8.1f} assessments/s (self + reviewed, data in memory)")
    for model, rate in floors.items():
        print(f"  floor {model:<17}: {rate:8.1f} assessments/s ({1000 / rate:.2f} ms CPU each, same items and answers)")
    print(
        f"job per assessment      : {job:8.1f} assessments/s (task body in this process, all {count} queued; "
        f"a job takes up to {SCORING_BATCH} waiting with it)"
    )
    print(f"ratio job/floor         : {job / floor:8.2f}  (the rest is the job's own database work)")
    print(f"SQL statements per job  : {per_job:8.1f}")
    print(f"lone job                : {lone:8.1f} assessments/s ({1000 / lone:.1f} ms each, nothing else waiting)")
    print(f"ratio lone/floor        : {lone / floor:8.2f}")
    if worker is None:
        print(f"celery worker           : not measured (no Redis at {REDIS_URL})")
    else:
        print(
            f"celery worker, 1 process: {worker:8.1f} assessments/s ({count} jobs sent to Redis at once, "
            f"first sent to last stored)"
        )
        print(f"ratio worker/floor      : {worker / floor:8.2f}")
        if worker_cpu is not None:
            print(
                f"worker per CPU second   : {worker_cpu:8.1f} assessments (the worker process's own CPU time: "
                f"what it reaches on an idle core; load average now {os.getloadavg()[0]:.1f})"
            )
    print(f"campaign rescoring job  : {campaign_rate:8.1f} assessments/s (batches of {RESCORE_BATCH}, new threshold)")
    print(f"ratio rescoring/floor   : {campaign_rate / floor:8.2f}")
    through_worker = worker if worker is not None else job
    print(
        f"aim                     : >= {WORKER_AIM} assessments/s through one worker process -> "
        f"{'met' if through_worker >= WORKER_AIM else 'NOT met'} ({through_worker:.0f}/s"
        f"{'' if worker is not None else ', task body only'}); lone job {lone:.0f}/s"
    )


def through_a_worker(
    database_url: str, queue: str, ids: list[int], enqueue: Callable[..., None], all_scored: Callable[[], bool]
) -> tuple[float | None, float | None]:
    """Assessments/s through one ``celery worker`` process, every job sent at once until every score is stored;
    and assessments per second of the worker process's own CPU time (None where /proc does not tell it)."""
    import redis

    from portal.settings import queue_names

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None, None
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    log_path = Path(tempfile.mkdtemp()) / "worker.log"
    environment = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_BROKER_URL": REDIS_URL,
        "PORTAL_CELERY_QUEUE": queue,
        "PORTAL_INSTANCE_PATH": tempfile.mkdtemp(),
        "PORTAL_SECRET_KEY": "bench",
    }
    command = [sys.executable, "-m", "celery", "-A", "workers.main", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=environment, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        start, cpu_start = time.perf_counter(), _cpu_seconds(process.pid)
        for assessment_id in ids:
            enqueue("scoring.score_assessment", assessment_id)
        while not all_scored():
            if process.poll() is not None or time.perf_counter() - start > 600:
                raise RuntimeError(f"the worker stopped scoring:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.01)
        elapsed, cpu_end = time.perf_counter() - start, _cpu_seconds(process.pid)
        cpu = None if cpu_start is None or cpu_end is None or cpu_end <= cpu_start else len(ids) / (cpu_end - cpu_start)
        return len(ids) / elapsed, cpu
    finally:
        process.terminate()
        process.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).delete(*queue_names(queue))


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
