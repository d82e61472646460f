"""No secret link token is written to a log by the shipped web command.

Invitation and password-reset links carry their token in the URL path, which gunicorn's access log writes
(request line, and the referrer of the next request), as does the development mail log (e-mails written
to the log when no SMTP server is set). The test runs the web command of docker-compose.yml and the
Dockerfile under gunicorn on PostgreSQL, accepts an invitation and resets a password as a person would,
and searches everything the process wrote for the two tokens.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
import yaml

from portal.accounts.operations import create_user
from portal.extensions import db
from portal.log_config import HIDDEN, hide_link_tokens
from portal.mail.models import OutboxMessage
from portal.organizations.models import Role
from portal.organizations.operations import add_member, create_organization
from tests.conftest import PASSWORD, make_test_app, postgres_url
from tests.faults.web_process import CSRF_INPUT, Browser, Reply, WebProcess
from tests.services import POSTGRES_URL, require_postgres

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin@tokens.example.com"
INVITEE = "invitee@tokens.example.com"
NEW_PASSWORD = "a new password 123"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def shipped_web_arguments() -> list[str]:
    """The arguments after ``gunicorn`` in docker-compose.yml (the Dockerfile's are the same), but where it listens."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]["command"]
    assert f"CMD {command}".replace("'", '"') in (ROOT / "Dockerfile").read_text()
    arguments = list(command[1:])
    at = arguments.index("--bind")
    del arguments[at : at + 2]
    return arguments


@pytest.fixture
def seeded_url(tmp_path: Path) -> Iterator[str]:
    """A schema of its own with an organisation and its administrator."""
    require_postgres()
    schema = f"portal_tokens_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_url(schema)
    app = make_test_app(tmp_path / "seed", url)
    with app.app_context():
        db.create_all()
        admin = create_user(email=ADMIN, name="Admin", password=PASSWORD)
        add_member(create_organization("Token buyer", by=None), admin, Role.BUYER_ADMIN, by=None)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    yield url
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def web(seeded_url: str, tmp_path: Path) -> Iterator[WebProcess]:
    process = WebProcess(seeded_url, tmp_path, shipped_web_arguments())
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def submit(browser: Browser, path: str, fields: dict[str, str], referer: str | None = None) -> Reply:
    """The form on the page at ``path``, filled in and posted as a browser does (CSRF token, referrer)."""
    page = browser.get(path)
    match = CSRF_INPUT.search(page.text)
    assert page.status == 200 and match, f"{path}: {page.status}"
    headers = {**FORM, "Referer": referer or f"http://127.0.0.1:{browser.port}{path}"}
    body = urlencode({"csrf_token": match.group(1), **fields}).encode()
    return browser.request("POST", path, body, headers)


def emailed_token(database_url: str, recipient: str, path: str) -> str:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            bodies = connection.scalars(
                sa.select(OutboxMessage.body).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id)
            ).all()
    finally:
        engine.dispose()
    tokens = [token for body in bodies for token in re.findall(re.escape(path) + r"([A-Za-z0-9_-]+)", body)]
    assert tokens, f"no {path} link e-mailed to {recipient}"
    return tokens[-1]


def test_invitation_and_reset_tokens_never_reach_the_logs(web: WebProcess, seeded_url: str) -> None:
    admin = Browser(web.port)
    assert admin.sign_in(ADMIN, PASSWORD).status == 302
    invited = submit(admin, "/organization/members", {"email": INVITEE, "role": Role.REVIEWER.value})
    assert invited.status == 302
    invitation = emailed_token(seeded_url, INVITEE, "/invitations/")

    invitee = Browser(web.port)
    link = f"/invitations/{invitation}"
    joined = submit(invitee, link, {"name": "Invitee", "password": PASSWORD, "confirm": PASSWORD})
    assert joined.status == 302 and invitee.get("/").status == 200
    # A signed-out browser is sent to sign in and back: the token then rides in the query and the referrer.
    stranger = Browser(web.port)
    assert stranger.get(f"/sign-in?{urlencode({'next': link})}", {"Referer": f"http://x{link}"}).status == 200

    forgetful = Browser(web.port)
    asked = submit(forgetful, "/password/forgot", {"email": ADMIN})
    assert asked.status == 302
    reset = emailed_token(seeded_url, ADMIN, "/password/reset/")
    changed = submit(forgetful, f"/password/reset/{reset}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status == 302 and forgetful.get("/").status == 200

    web.stop()  # every line written and flushed
    log = web.log_text()
    assert invitation not in log and reset not in log
    # The lines are there, with the token hidden: the request lines and both e-mails written to the log.
    assert f'"GET /invitations/{HIDDEN} HTTP/1.1" 200' in log
    assert f'"POST /password/reset/{HIDDEN} HTTP/1.1" 302' in log
    assert log.count("E-mail to ") == 2 and f"/invitations/{HIDDEN}" in log.split("E-mail to ")[1]


def test_every_route_taking_a_token_has_it_hidden(app) -> None:
    token = "Abc_-123" * 5
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments:
            path = rule.rule.replace("<token>", token)
            assert hide_link_tokens(f"GET {path} HTTP/1.1") == f"GET {path.replace(token, HIDDEN)} HTTP/1.1"
    assert hide_link_tokens("/sign-in?next=%2Finvitations%2F" + token) == f"/sign-in?next=%2Finvitations%2F{HIDDEN}"
    assert hide_link_tokens("/organization/invitations/12/resend") == "/organization/invitations/12/resend"


def test_the_worker_and_the_development_server_log_no_token(app, caplog) -> None:
    """The worker's mail log goes through the same handler as the web's; ``flask run`` logs request lines."""
    token = "Zz9_-" * 9
    with caplog.at_level(logging.INFO):
        logging.getLogger("portal.mail.sending").info(
            "E-mail to %s\n\n%s", "a@example.com", f"http://x/invitations/{token}"
        )
        logging.getLogger("werkzeug").info('"GET /password/reset/%s HTTP/1.1" 200 -', token)
    assert token not in caplog.text
    assert f"/invitations/{HIDDEN}" in caplog.text and f"/password/reset/{HIDDEN}" in caplog.text
