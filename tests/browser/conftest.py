"""A live portal server in a thread and a headless Debian chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import make_test_app
from tests.services import unavailable

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def serve(tmp_path: Path, database_url: str) -> Iterator[Any]:
    """The portal on a free local port, on a database of its own, with CSRF checks on as in production."""
    app = make_test_app(tmp_path, database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.drop_all()  # a PostgreSQL schema is shared by the session's tests
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app
    server.shutdown()
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Any]:
    yield from serve(tmp_path, f"sqlite:///{tmp_path / 'live.sqlite'}")


@pytest.fixture
def page(live_app: Any) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        unavailable("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def screenshot(page: Any, request: pytest.FixtureRequest) -> Any:
    folder = OUTPUT / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
