"""Load on the deployment shape: gunicorn (2 sync workers) and one Celery worker, on PostgreSQL and Redis.

50 suppliers (each signed in as its owner) answer a 150-item questionnaire by autosave, as the answering
page does, and submit when done; 5 reviewers browse the dashboard, the campaign, the supplier list and
review pages, and review submitted assessments as the review page does: a decision saved as it is made on
one item after another, now and then a clarification with its comment, and "accept all undecided" once a
third of the items are decided. Three phases against the same gunicorn, each with 50 concurrent users:

- ceiling : ``/healthz`` with no think time — what the framework and server serve at most;
- no-think autosave : every supplier autosaves items of a second assessment back to back;
- realistic : suppliers arrive over the first seconds, open the answering page, autosave with 1-3 s think
  time and submit after the last item; reviewers read pages with 1-3 s think time and decide items with
  0.5-2 s (a reviewer reading an answer and pressing a key is quicker than a supplier answering). A person reading a
  checksheet item and choosing an answer takes ten seconds or more, so these 50 suppliers offer the load
  of several hundred real ones answering at the same moment (the no-think phase shows the ceiling). Most
  suppliers resume an assessment partly answered before (seeded), so the phase sees a mix of fresh starts
  and submissions: supplier 0 answers all 150 items, a fifth of them have a handful left, the last one 1.

Prints requests/s; per kind of request the count and p50/p95/p99 latency seen by the client, beside the
server's own time from gunicorn's access log (the difference is waiting for a free worker); errors (409
version conflicts and connection errors apart); the ratio of no-think autosave throughput to the ceiling.
Then checks the database: every acknowledged autosave and decision is stored as acknowledged (lost writes),
and every submitted assessment gets a ``done`` score from the worker within 60 s.

Run with ``.venv/bin/python bench/web.py [seconds]`` (or ``BENCH_SECONDS``; default 60 for the realistic
phase). Needs PostgreSQL at PORTAL_BENCH_DATABASE_URL (a schema of its own is created and dropped) and Redis
at PORTAL_BENCH_REDIS_URL (default db 13, flushed before and after).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("PORTAL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SUPPLIERS = 50
REVIEWERS = 5
ITEMS = 150
PASSWORD = "bench web password 1"
CODES = ("yes", "partial", "no")
CEILING_SECONDS = 5.0
NO_THINK_SECONDS = 10.0
SUPPLIER_THINK = (1.0, 3.0)
REVIEWER_THINK = (1.0, 3.0)
DECISION_THINK = (0.5, 2.0)
#: A reviewer accepts the rest of an assessment's items at once after deciding this share of them one by one.
DECIDED_ONE_BY_ONE = 1 / 3
SCORE_WAIT = 60.0
USER_AGENT = "portal-bench/1"
#: Suppliers arrive spread over this share of the realistic phase (at most ARRIVAL_MAX seconds).
ARRIVAL_SHARE = 0.2
ARRIVAL_MAX = 10.0
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
AIM_P95_MS = 50.0

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ITEM_VERSION = re.compile(r'data-item="([^"]+)" data-version="(\d+)"')
DECISION_VERSION = re.compile(r'data-item="([^"]+)" data-section="[^"]*" data-version="(\d+)"')


def definition(items: int) -> str:
    """Every item tier T1 (so a T1 supplier gets all of them), no evidence rules (so submitting works)."""
    from scoring import definition as bench_definition  # bench/ is this script's sys.path[0]

    return bench_definition(items, "bench-web", all_t1=True)


# Recording ----------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Latencies and outcomes per kind of request, for one phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conflicts: Counter[str] = field(default_factory=Counter)
    errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    samples: dict[tuple[str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0
    ended: float = 0.0
    log_start: int = 0
    #: CPU seconds this process (the simulated users) used during the phase: the load generator's own share.
    client_cpu: float = 0.0
    #: Per kind, the seconds gunicorn itself spent on each request of the phase (its access log).
    server: dict[str, list[float]] = field(default_factory=dict)

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)

    def conflict(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.conflicts[kind] += 1

    def error(self, kind: str, what: str, seconds: float | None, sample: str = "") -> None:
        with self.lock:
            if seconds is not None:
                self.latencies[kind].append(seconds)
            self.errors[(kind, what)] += 1
            self.samples.setdefault((kind, what), sample[:300])

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(
            n for (_, what), n in self.errors.items() if what == "connection"
        )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_line(label: str, values: list[float], seconds: float, server: list[float]) -> str:
    ms = [v * 1000 for v in values]
    server_ms = [v * 1000 for v in server]
    return (
        f"  {label:<18} {len(values):6d} req {len(values) / seconds:7.1f}/s  "
        f"p50 {percentile(ms, 0.50):7.1f}  p95 {percentile(ms, 0.95):7.1f}  p99 {percentile(ms, 0.99):7.1f} ms  "
        f"| server p50 {percentile(server_ms, 0.50):6.1f}  p95 {percentile(server_ms, 0.95):6.1f} ms"
    )


# HTTP client: one connection and one cookie jar per simulated user ----------------------------------


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float, http.client.HTTPResponse]:
        """Status, body, seconds and response; raises OSError/HTTPException on a connection failure."""
        sent = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        elapsed = time.perf_counter() - start
        for header in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, data, elapsed, response

    def get(self, path: str) -> tuple[int, bytes, float, http.client.HTTPResponse]:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, bytes, float, http.client.HTTPResponse]:
        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, email: str) -> None:
        status, body, _, _ = self.get("/sign-in")
        match = CSRF_INPUT.search(body.decode())
        assert status == 200 and match, f"sign-in page: {status}"
        fields = {"csrf_token": match.group(1), "email": email, "password": PASSWORD, "next": ""}
        status, body, _, response = self.post_form("/sign-in", fields)
        assert status == 302 and response.getheader("Location", "").endswith("/"), f"sign-in {email}: {status}"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# Simulated users ----------------------------------------------------------------------------------


@dataclass
class Supplier:
    email: str
    index: int
    realistic_id: int
    no_think_id: int
    #: The first item not answered yet in the realistic assessment (the ones before were seeded).
    first_item: int
    client: Client
    #: (assessment id, item id) -> (code, comment, version) of the last save answered with 200.
    acknowledged: dict[tuple[int, str], tuple[str, str | None, int]] = field(default_factory=dict)
    versions: dict[tuple[int, str], int] = field(default_factory=dict)
    submitted: bool = False


def open_assessment(supplier: Supplier, assessment_id: int, recorder: Recorder | None) -> bool:
    """The answering page: the CSRF token of the session and each item's version."""
    try:
        status, body, seconds, _ = supplier.client.get(f"/assessments/{assessment_id}")
    except (OSError, http.client.HTTPException) as error:
        if recorder:
            recorder.error("page: assessment", "connection", None, repr(error))
        return False
    text = body.decode()
    if status != 200:
        if recorder:
            recorder.error("page: assessment", str(status), seconds, text)
        return False
    if recorder:
        recorder.ok("page: assessment", seconds)
    match = CSRF_META.search(text)
    assert match, "no csrf-token meta on the answering page"
    supplier.client.csrf = match.group(1)
    for item_id, version in ITEM_VERSION.findall(text):
        supplier.versions[(assessment_id, item_id)] = int(version)
    return True


def autosave(
    supplier: Supplier, assessment_id: int, item_id: str, code: str, comment: str | None, rec: Recorder
) -> None:
    """One autosave as answering.js sends it; a 409 takes the current version and saves again once."""
    key = (assessment_id, item_id)
    path = f"/assessments/{assessment_id}/items/{item_id}"
    headers = {"Content-Type": "application/json", "X-CSRFToken": supplier.client.csrf, "Accept": "application/json"}
    for _attempt in range(2):
        payload = {"code": code, "comment": comment, "na_reason": None, "version": supplier.versions.get(key, 0)}
        try:
            status, body, seconds, _ = supplier.client.request("POST", path, json.dumps(payload).encode(), headers)
        except (OSError, http.client.HTTPException) as error:
            rec.error("autosave", "connection", None, repr(error))
            return
        if status == 200:
            version = int(json.loads(body)["version"])
            supplier.versions[key] = version
            supplier.acknowledged[key] = (code, comment, version)
            rec.ok("autosave", seconds)
            return
        if status == 409:
            data = json.loads(body)
            if "current" in data:
                rec.conflict("autosave", seconds)
                supplier.versions[key] = int(data["current"]["version"])
                continue
        rec.error("autosave", str(status), seconds, body.decode(errors="replace"))
        return


def submit(supplier: Supplier, rec: Recorder) -> None:
    path = f"/assessments/{supplier.realistic_id}/submit"
    try:
        status, body, seconds, _ = supplier.client.get(path)
        if status != 200:
            rec.error("page: submit", str(status), seconds, body.decode(errors="replace"))
            return
        rec.ok("page: submit", seconds)
        time.sleep(random.uniform(*SUPPLIER_THINK))
        status, body, seconds, response = supplier.client.post_form(
            path, {"csrf_token": supplier.client.csrf, "confirm": "yes"}
        )
    except (OSError, http.client.HTTPException) as error:
        rec.error("submit", "connection", None, repr(error))
        return
    if status == 302 and response.getheader("Location", "").endswith(f"/assessments/{supplier.realistic_id}"):
        supplier.submitted = True
        rec.ok("submit", seconds)
    else:
        # 200 here is the submit page again with a flashed refusal (missing items, already submitted).
        rec.error("submit", str(status), seconds, body.decode(errors="replace"))


def realistic_supplier(supplier: Supplier, arrival: float, deadline: float, rec: Recorder) -> None:
    time.sleep(arrival)
    if not open_assessment(supplier, supplier.realistic_id, rec):
        return
    for n in range(supplier.first_item, ITEMS):
        time.sleep(random.uniform(*SUPPLIER_THINK))
        if time.monotonic() >= deadline:
            return
        code = CODES[(n + supplier.index) % 3]
        comment = f"supplier {supplier.index} item {n}" if n % 7 == 0 else None
        autosave(supplier, supplier.realistic_id, f"Q{n:03d}", code, comment, rec)
    time.sleep(random.uniform(*SUPPLIER_THINK))
    if time.monotonic() < deadline:
        submit(supplier, rec)


def no_think_supplier(supplier: Supplier, deadline: float, rec: Recorder) -> None:
    rounds = 0
    while time.monotonic() < deadline:
        for n in range(ITEMS):
            if time.monotonic() >= deadline:
                return
            code = CODES[(n + supplier.index + rounds) % 3]
            comment = f"round {rounds}" if (n + rounds) % 5 == 0 else None
            autosave(supplier, supplier.no_think_id, f"Q{n:03d}", code, comment, rec)
        rounds += 1


@dataclass
class Reviewer:
    client: Client
    #: The submitted assessments this reviewer reviews, one after another.
    assessment_ids: list[int]
    #: (assessment id, item id) -> (decision, version) of the last decision answered with 200.
    acknowledged: dict[tuple[int, str], tuple[str, int]] = field(default_factory=dict)


def browse(
    reviewer: Reviewer, pages: list[tuple[str, str]], review_ids: list[int], deadline: float, rec: Recorder
) -> bool:
    """The dashboard, the campaign, the supplier list and a review page, as before decisions were saved as made."""
    for kind, path in [*pages, ("page: review", f"/review/{random.choice(review_ids)}")]:
        time.sleep(random.uniform(*REVIEWER_THINK))
        if time.monotonic() >= deadline:
            return False
        try:
            status, body, seconds, _ = reviewer.client.get(path)
        except (OSError, http.client.HTTPException) as error:
            rec.error(kind, "connection", None, repr(error))
            continue
        if status == 200:
            rec.ok(kind, seconds)
        else:
            rec.error(kind, str(status), seconds, body.decode(errors="replace"))
    return True


def post_json(reviewer: Reviewer, kind: str, path: str, payload: object, rec: Recorder) -> tuple[int, object] | None:
    headers = {"Content-Type": "application/json", "X-CSRFToken": reviewer.client.csrf, "Accept": "application/json"}
    try:
        status, body, seconds, _ = reviewer.client.request("POST", path, json.dumps(payload).encode(), headers)
    except (OSError, http.client.HTTPException) as error:
        rec.error(kind, "connection", None, repr(error))
        return None
    if status == 200:
        rec.ok(kind, seconds)
    elif status == 409:
        rec.conflict(kind, seconds)
    else:
        rec.error(kind, str(status), seconds, body.decode(errors="replace"))
    return status, json.loads(body) if body.startswith(b"{") else None


def review_one(reviewer: Reviewer, assessment_id: int, deadline: float, rec: Recorder) -> bool:
    """The review page, then a decision per item as review.js sends it, then "accept all undecided"."""
    try:
        status, body, seconds, _ = reviewer.client.get(f"/review/{assessment_id}")
    except (OSError, http.client.HTTPException) as error:
        rec.error("page: review", "connection", None, repr(error))
        return True
    text = body.decode()
    if status != 200:
        rec.error("page: review", str(status), seconds, text)
        return True
    rec.ok("page: review", seconds)
    match = CSRF_META.search(text)
    assert match, "no csrf-token meta on the review page"
    reviewer.client.csrf = match.group(1)
    versions = {item_id: int(version) for item_id, version in DECISION_VERSION.findall(text)}
    one_by_one = list(versions)[: max(1, round(len(versions) * DECIDED_ONE_BY_ONE))]
    for n, item_id in enumerate(one_by_one):
        time.sleep(random.uniform(*DECISION_THINK))
        if time.monotonic() >= deadline:
            return False
        decision, comment = ("clarification", f"根拠を示してください ({n})") if n % 9 == 4 else ("accepted", None)
        payload = {"decision": decision, "comment": comment, "visible_to_supplier": True, "version": versions[item_id]}
        answered = post_json(reviewer, "decision", f"/review/{assessment_id}/items/{item_id}", payload, rec)
        if answered and answered[0] == 200 and isinstance(answered[1], dict):
            reviewer.acknowledged[(assessment_id, item_id)] = (decision, int(answered[1]["version"]))
    time.sleep(random.uniform(*DECISION_THINK))
    if time.monotonic() >= deadline:
        return False
    rest = [item_id for item_id in versions if item_id not in one_by_one]
    answered = post_json(
        reviewer, "accept all", f"/review/{assessment_id}/accept-undecided", {"confirm": "yes", "items": rest}, rec
    )
    if answered and answered[0] == 200 and isinstance(answered[1], dict):
        for item_id, shown in answered[1]["accepted"].items():
            reviewer.acknowledged[(assessment_id, item_id)] = ("accepted", int(shown["version"]))
    return True


def reviewer_user(
    reviewer: Reviewer, pages: list[tuple[str, str]], review_ids: list[int], deadline: float, rec: Recorder
) -> None:
    """Pages to look at, then the next assessment to review, until the phase ends."""
    queue = list(reviewer.assessment_ids)
    while time.monotonic() < deadline:
        if not browse(reviewer, pages, review_ids, deadline, rec):
            return
        if queue and not review_one(reviewer, queue.pop(0), deadline, rec):
            return


def healthz(client: Client, deadline: float, rec: Recorder) -> None:
    while time.monotonic() < deadline:
        try:
            status, body, seconds, _ = client.get("/healthz")
        except (OSError, http.client.HTTPException) as error:
            rec.error("healthz", "connection", None, repr(error))
            continue
        if status == 200:
            rec.ok("healthz", seconds)
        else:
            rec.error("healthz", str(status), seconds, body.decode(errors="replace"))


def run_phase(seconds: float, users: list[Callable[[float, Recorder], None]], access_log: Path) -> Recorder:
    """All users at once until the deadline; the phase lasts until the last request in flight is answered."""
    rec = Recorder()
    rec.log_start = access_log.stat().st_size
    cpu = time.process_time()
    rec.started = time.monotonic()
    deadline = rec.started + seconds
    threads = [threading.Thread(target=user, args=(deadline, rec), daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rec.ended = time.monotonic()
    rec.client_cpu = time.process_time() - cpu
    time.sleep(0.2)  # the last access-log lines
    with access_log.open("rb") as log:
        log.seek(rec.log_start)
        rec.server = server_times(log.read().decode(errors="replace"))
    return rec


ACCESS_KINDS = [
    ("GET", re.compile(r"/healthz$"), "healthz"),
    ("POST", re.compile(r"/assessments/\d+/items/[^/]+$"), "autosave"),
    ("POST", re.compile(r"/review/\d+/items/[^/]+$"), "decision"),
    ("POST", re.compile(r"/review/\d+/accept-undecided$"), "accept all"),
    ("POST", re.compile(r"/assessments/\d+/submit$"), "submit"),
    ("GET", re.compile(r"/assessments/\d+/submit$"), "page: submit"),
    ("GET", re.compile(r"/assessments/\d+$"), "page: assessment"),
    ("GET", re.compile(r"/$"), "page: dashboard"),
    ("GET", re.compile(r"/campaigns/\d+$"), "page: campaign"),
    ("GET", re.compile(r"/suppliers/$"), "page: suppliers"),
    ("GET", re.compile(r"/review/\d+$"), "page: review"),
]


def server_times(log: str) -> dict[str, list[float]]:
    """Seconds gunicorn spent on each request (from accepting it to the response), per kind."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in log.splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        method, path, _, micros = parts
        kind = next((k for m, pattern, k in ACCESS_KINDS if m == method and pattern.match(path)), "other")
        times[kind].append(int(micros) / 1e6)
    return times


# Set-up: data, processes ----------------------------------------------------------------------------


@dataclass
class Seeded:
    reviewer_emails: list[str]
    supplier_emails: list[str]
    realistic_ids: list[int]
    no_think_ids: list[int]
    #: Submitted before the run, every item answered: what the reviewers decide.
    review_ids: list[int]
    campaign_id: int


def answer_rows(assessment_id: int, index: int, owner_id: int, items: int) -> list[dict[str, object]]:
    """The Answer rows of supplier ``index``'s first ``items`` items, as its owner would have given them."""
    return [
        {
            "assessment_id": assessment_id,
            "item_id": f"Q{i:03d}",
            "code": CODES[(i + index) % 3],
            "version": 1,
            "updated_by_id": owner_id,
        }
        for i in range(items)
    ]


def seeded_items(index: int) -> int:
    """How many items of supplier ``index``'s realistic assessment are answered before the run.

    Supplier 0 starts afresh; the items left fall off quadratically, so about one supplier in five has only
    a handful left and submits early in the phase, and the last one has a single item left.
    """
    left = max(1, round(ITEMS * ((SUPPLIERS - index) / SUPPLIERS) ** 2))
    return ITEMS - left


def seed(database_url: str, instance: Path) -> Seeded:
    from portal import create_app
    from portal.accounts.operations import create_user
    from portal.assessments.models import Answer, AssessmentState
    from portal.campaigns.operations import CampaignInput, create_campaign, launch_campaign
    from portal.catalog.operations import publish
    from portal.db import utcnow
    from portal.extensions import db
    from portal.organizations.models import Role
    from portal.organizations.operations import add_member, create_organization
    from portal.suppliers.models import Tier
    from portal.suppliers.operations import add_supplier
    from questionnaires import load_text

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance / "seed"),
            "SECRET_KEY": "bench",
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        db.create_all()
        buyer = create_organization("Bench buyer", by=None)
        admin = create_user(email="admin@buyer.example.com", name="Bench admin", password=PASSWORD)
        add_member(buyer, admin, Role.BUYER_ADMIN, by=None)
        reviewer_emails = [f"reviewer{n}@buyer.example.com" for n in range(REVIEWERS)]
        for email in reviewer_emails:
            add_member(buyer, create_user(email=email, name=email, password=PASSWORD), Role.REVIEWER, by=None)
        version, _ = publish(load_text(definition(ITEMS), "bench-web.yaml"), origin="import")
        supplier_emails = [f"owner@supplier{n:02d}.example.com" for n in range(SUPPLIERS)]
        supplier_ids, owner_ids = [], []
        for n, email in enumerate(supplier_emails):
            supplier = add_supplier(buyer, name=f"Supplier {n:02d}", contact_email=email, tier=Tier.T1, by=admin)
            owner = create_user(email=email, name=f"Owner {n:02d}", password=PASSWORD)
            add_member(supplier.organization, owner, Role.SUPPLIER_OWNER, by=None)
            supplier_ids.append(supplier.id)
            owner_ids.append(owner.id)
        campaigns = []
        for name in ("bench realistic", "bench no-think", "bench review"):
            campaign = create_campaign(
                buyer,
                CampaignInput(
                    name=name,
                    questionnaire_version_id=version.id,
                    due_date=date.today() + timedelta(days=30),
                    supplier_ids=supplier_ids,
                ),
                by=admin,
                today=date.today(),
            )
            launch_campaign(campaign, by=admin)
            campaigns.append(campaign)
        by_supplier = [{a.supplier_id: a for a in c.assessments} for c in campaigns]
        # Work done on earlier days, as in bench/scoring.py: the answers the supplier would have given.
        rows = []
        for n, supplier_id in enumerate(supplier_ids):
            assessment = by_supplier[0][supplier_id]
            if seeded_items(n):
                assessment.state = AssessmentState.IN_PROGRESS
            rows += answer_rows(assessment.id, n, owner_ids[n], seeded_items(n))
        # The third campaign's assessments were answered in full and submitted before the run.
        for n, supplier_id in enumerate(supplier_ids):
            assessment = by_supplier[2][supplier_id]
            assessment.state = AssessmentState.SUBMITTED
            assessment.submitted_at = utcnow()
            assessment.submitted_by_id = owner_ids[n]
            rows += answer_rows(assessment.id, n, owner_ids[n], ITEMS)
        db.session.execute(sa.insert(Answer), rows)
        db.session.commit()
        seeded = Seeded(
            reviewer_emails=reviewer_emails,
            supplier_emails=supplier_emails,
            realistic_ids=[by_supplier[0][s].id for s in supplier_ids],
            no_think_ids=[by_supplier[1][s].id for s in supplier_ids],
            review_ids=[by_supplier[2][s].id for s in supplier_ids],
            campaign_id=campaigns[0].id,
        )
        db.session.remove()
        db.engine.dispose()
    return seeded


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def start_processes(database_url: str, folder: Path, port: int, queue: str) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "bench web secret key",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_BROKER_URL": REDIS_URL,
        "PORTAL_CELERY_QUEUE": queue,
        "PORTAL_INSTANCE_PATH": str(folder / "instance"),
        "PORTAL_STORAGE_DIR": str(folder / "storage"),
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    env.pop("PORTAL_SMTP_URL", None)
    web = [
        str(BIN / "gunicorn"),
        "--config",
        "python:portal.gunicorn_config",  # as the shipped command: each worker freezes what start-up built
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(folder / "access.log"),
        "--access-logformat",
        ACCESS_FORMAT,
        "--log-level",
        "warning",
        "--no-control-socket",  # gunicorn's default control socket is one path per user
        "portal:create_app()",
    ]
    # Without -Q the one worker takes every queue of the prefix (exports, scoring, mail and the rest).
    worker = [
        str(BIN / "celery"),
        "-A",
        "workers.main",
        "worker",
        "--concurrency=1",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{queue}@%h",
    ]
    processes = []
    for name, command in (("web", web), ("worker", worker)):
        log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 (the child keeps it; closed with the folder)
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        log.close()
    return processes


def wait_healthy(port: int, processes: list[subprocess.Popen[bytes]], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz on port {port} within {timeout:.0f} s")


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Checks against the database ------------------------------------------------------------------------


def lost_writes(engine: sa.Engine, suppliers: list[Supplier]) -> tuple[int, int, list[str]]:
    """(acknowledged saves checked, lost, a few examples): stored code/comment/version differ from the 200."""
    acknowledged = {key: value for s in suppliers for key, value in s.acknowledged.items()}
    ids = sorted({assessment_id for assessment_id, _ in acknowledged})
    stored: dict[tuple[int, str], tuple[str | None, str | None, int]] = {}
    if ids:
        with engine.connect() as conn:
            for row in conn.execute(
                sa.text(
                    "SELECT assessment_id, item_id, code, comment, version FROM answers WHERE assessment_id = ANY(:ids)"
                ),
                {"ids": ids},
            ):
                stored[(row.assessment_id, row.item_id)] = (row.code, row.comment, row.version)
    lost, examples = 0, []
    for key, value in acknowledged.items():
        if stored.get(key) != value:
            lost += 1
            if len(examples) < 5:
                examples.append(f"{key}: acknowledged {value}, stored {stored.get(key)}")
    return len(acknowledged), lost, examples


def lost_decisions(engine: sa.Engine, reviewers: list[Reviewer]) -> tuple[int, int, list[str]]:
    """(acknowledged decisions checked, lost, a few examples): the stored decision or version differs."""
    acknowledged = {key: value for v in reviewers for key, value in v.acknowledged.items()}
    ids = sorted({assessment_id for assessment_id, _ in acknowledged})
    stored: dict[tuple[int, str], tuple[str, int]] = {}
    if ids:
        with engine.connect() as conn:
            for row in conn.execute(
                sa.text(
                    "SELECT assessment_id, item_id, lower(decision) AS decision, version FROM review_decisions "
                    "WHERE assessment_id = ANY(:ids)"
                ),
                {"ids": ids},
            ):
                stored[(row.assessment_id, row.item_id)] = (row.decision, row.version)
    lost = [
        f"{key}: acknowledged {value}, stored {stored.get(key)}"
        for key, value in acknowledged.items()
        if stored.get(key) != value
    ]
    return len(acknowledged), len(lost), lost[:5]


def wait_scored(engine: sa.Engine, ids: list[int]) -> tuple[int, Counter[str], float]:
    start = time.monotonic()
    states: Counter[str] = Counter()
    while True:
        with engine.connect() as conn:
            states = Counter(
                row.state
                for row in conn.execute(
                    # Stored as the enum's name (DONE), whatever portal/db.py's docstring says; either will do.
                    sa.text("SELECT lower(state) AS state FROM assessment_scores WHERE assessment_id = ANY(:ids)"),
                    {"ids": ids},
                )
            )
        if not ids or states["done"] == len(ids) or time.monotonic() - start > SCORE_WAIT:
            return states["done"], states, time.monotonic() - start
        time.sleep(0.5)


def log_problems(folder: Path) -> list[str]:
    lines = []
    for name in ("web.log", "worker.log"):
        path = folder / name
        if path.exists():
            text = path.read_text(errors="replace")
            count = text.count("Traceback") + len(re.findall(r"\b(ERROR|CRITICAL)\b", text))
            if count:
                tail = "\n".join(text.splitlines()[-15:])
                lines.append(f"{name}: {count} error/traceback lines; last lines:\n{tail}")
    return lines


# Main -----------------------------------------------------------------------------------------------


def print_phase(title: str, rec: Recorder) -> None:
    print(
        f"{title}: {rec.total()} requests in {rec.seconds:.1f} s = {rec.total() / rec.seconds:.1f} req/s "
        f"(load generator used {rec.client_cpu / rec.seconds:.0%} of a core)"
    )
    for kind in sorted(rec.latencies):
        print(latency_line(kind, rec.latencies[kind], rec.seconds, rec.server.get(kind, [])))
    pages = [v for kind, values in rec.latencies.items() if kind.startswith("page:") for v in values]
    if pages:
        server = [v for kind, values in rec.server.items() if kind.startswith("page:") for v in values]
        print(latency_line("page views (all)", pages, rec.seconds, server))
    for kind, n in sorted(rec.conflicts.items()):
        print(f"  409 conflicts ({kind}): {n}")
    for (kind, what), n in sorted(rec.errors.items()):
        print(f"  ERROR {kind} {what}: {n}  e.g. {rec.samples[(kind, what)][:160]!r}")


def main(seconds: float) -> int:
    from scoring import scratch_schema  # bench/ is this script's sys.path[0]

    queue = f"bench-web-{uuid.uuid4().hex[:6]}"
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    processes: list[subprocess.Popen[bytes]] = []
    with scratch_schema("bench_web") as (_, database_url):
        engine = sa.create_engine(database_url)
        try:
            flush_redis()
            seeded = seed(database_url, folder)
            port = free_port()
            processes = start_processes(database_url, folder, port, queue)
            wait_healthy(port, processes)

            suppliers = [
                Supplier(email, n, seeded.realistic_ids[n], seeded.no_think_ids[n], seeded_items(n), Client(port))
                for n, email in enumerate(seeded.supplier_emails)
            ]
            reviewers = [
                Reviewer(Client(port), seeded.review_ids[n :: len(seeded.reviewer_emails)])
                for n in range(len(seeded.reviewer_emails))
            ]
            start = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda s: s.client.sign_in(s.email), suppliers))
                list(
                    pool.map(
                        lambda pair: pair[0].client.sign_in(pair[1]),
                        zip(reviewers, seeded.reviewer_emails, strict=True),
                    )
                )
                # The second assessment's page, outside the timed phases: the CSRF token and the item versions.
                opened = list(pool.map(lambda s: open_assessment(s, s.no_think_id, None), suppliers))
                if not all(opened):
                    raise RuntimeError("a supplier could not open its no-think assessment")
            signed_in = time.monotonic() - start

            access_log = folder / "access.log"
            ceiling_clients = [Client(port) for _ in range(SUPPLIERS)]
            ceiling = run_phase(
                CEILING_SECONDS, [lambda d, r, c=c: healthz(c, d, r) for c in ceiling_clients], access_log
            )
            for client in ceiling_clients:
                client.close()
            no_think = run_phase(
                NO_THINK_SECONDS, [lambda d, r, s=s: no_think_supplier(s, d, r) for s in suppliers], access_log
            )
            pages = [
                ("page: dashboard", "/"),
                ("page: campaign", f"/campaigns/{seeded.campaign_id}"),
                ("page: suppliers", "/suppliers/"),
            ]
            ramp = min(ARRIVAL_MAX, ARRIVAL_SHARE * seconds)
            arrivals = [ramp * n / SUPPLIERS for n in random.sample(range(SUPPLIERS), SUPPLIERS)]
            realistic = run_phase(
                seconds,
                [
                    lambda d, r, s=s, a=a: realistic_supplier(s, a, d, r)
                    for s, a in zip(suppliers, arrivals, strict=True)
                ]
                + [lambda d, r, v=v: reviewer_user(v, pages, seeded.realistic_ids, d, r) for v in reviewers],
                access_log,
            )
            for client in [s.client for s in suppliers] + [v.client for v in reviewers]:
                client.close()

            checked, lost, examples = lost_writes(engine, suppliers)
            decisions_checked, decisions_lost, decision_examples = lost_decisions(engine, reviewers)
            submitted_ids = [s.realistic_id for s in suppliers if s.submitted]
            scored, states, waited = wait_scored(engine, submitted_ids)
        except BaseException:
            stop_processes(processes)
            for name in ("web.log", "worker.log"):
                if (folder / name).exists():
                    tail = (folder / name).read_text(errors="replace").splitlines()[-20:]
                    print(f"--- last lines of {name}:", *tail, sep="\n", file=sys.stderr)
            raise
        finally:
            stop_processes(processes)
            problems = log_problems(folder)
            engine.dispose()
            try:
                flush_redis()
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    print(
        f"deployment            : gunicorn 2 sync workers + 1 celery worker, PostgreSQL, Redis, {os.cpu_count()} cores"
    )
    print(f"users                 : {SUPPLIERS} suppliers × {ITEMS} items, {REVIEWERS} reviewers")
    offered = SUPPLIERS / (sum(SUPPLIER_THINK) / 2) + REVIEWERS / (sum(REVIEWER_THINK) / 2)
    print(
        f"realistic offered load: ~{offered:.0f} req/s if answered instantly (users / mean think time); "
        f"suppliers arrive over {ramp:.0f} s, {sum(ITEMS - s.first_item for s in suppliers)} items left to answer"
    )
    print(f"sign-in               : {len(suppliers) + len(reviewers)} users in {signed_in:.1f} s (before the phases)")
    print_phase(f"ceiling ({SUPPLIERS} users, no think)", ceiling)
    print_phase(f"no-think autosave ({SUPPLIERS} users)", no_think)
    print_phase(f"realistic ({SUPPLIERS}+{REVIEWERS} users, think time)", realistic)

    ceiling_rate = len(ceiling.latencies["healthz"]) / ceiling.seconds
    autosave_rate = len(no_think.latencies["autosave"]) / no_think.seconds
    print(
        f"ratio autosave/ceiling: {autosave_rate / ceiling_rate:8.3f}  ({autosave_rate:.1f} / {ceiling_rate:.1f} req/s)"
    )
    print(f"lost writes           : {lost}  (of {checked} acknowledged (assessment, item) saves checked)")
    for example in examples:
        print(f"  {example}")
    print(
        f"lost decisions        : {decisions_lost}  (of {decisions_checked} acknowledged (assessment, item) decisions)"
    )
    for example in decision_examples:
        print(f"  {example}")
    print(
        f"submitted {len(submitted_ids)}, scored {scored}  "
        f"(score states {dict(states)}, waited {waited:.1f} s, limit {SCORE_WAIT:.0f} s)"
    )
    for problem in problems:
        print(problem)

    errors = sum(sum(r.errors.values()) for r in (ceiling, no_think, realistic))
    p95 = percentile(realistic.latencies["autosave"], 0.95) * 1000
    decision_p95 = percentile(realistic.latencies["decision"], 0.95) * 1000
    lost_any = lost + decisions_lost
    met = p95 < AIM_P95_MS and decision_p95 < AIM_P95_MS and errors == 0 and lost_any == 0
    print(
        f"aim                   : autosave and decision p95 < {AIM_P95_MS:.0f} ms (realistic: {p95:.1f} ms, "
        f"{decision_p95:.1f} ms), zero errors ({errors}), zero lost writes ({lost_any}) "
        f"-> {'met' if met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    argument = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SECONDS", "60")
    sys.exit(main(float(argument)))
