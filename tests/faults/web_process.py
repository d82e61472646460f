"""The web app served by gunicorn in a process of its own, and a small HTTP client that signs in to it.

A fault test that breaks the web's database connections runs the web here: the broken connections live
and die in the child, so none is left for the test process to collect, and warn about, in a later test.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str


class WebProcess:
    """``gunicorn "portal:create_app()"`` with one sync worker, set up through ``PORTAL_*`` as in production.

    ``arguments`` replace those after ``gunicorn`` (except where it listens), e.g. the shipped command's.
    """

    def __init__(self, database_url: str, folder: Path, arguments: Sequence[str] | None = None) -> None:
        self.log = folder / "web.log"
        # Bound here and handed over, so no other process can take the port before gunicorn listens on it.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.port = int(listener.getsockname()[1])
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "PORTAL_SECRET_KEY": "web-process-test",
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_INSTANCE_PATH": str(folder / "instance"),
            "PORTAL_BASE_URL": f"http://127.0.0.1:{self.port}",
        }
        # No broker: tasks run in the web process, so the test needs no Redis and no worker.
        for name in ("PORTAL_BROKER_URL", "PORTAL_SMTP_URL", "PORTAL_STORAGE_DIR"):
            env.pop(name, None)
        if arguments is None:
            arguments = ["--workers", "1", "--worker-class", "sync", "--graceful-timeout", "5", "portal:create_app()"]
        command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}", "--no-control-socket"]
        command += arguments
        # The child has its own copies of both descriptors; the test process keeps neither open.
        with listener, self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(listener.fileno(),)
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if Browser(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


@dataclass
class Browser:
    """Keeps cookies like a browser; each request on a connection of its own, closed before it returns."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            with connection.getresponse() as response:
                text = response.read().decode(errors="replace")
                reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
                set_cookies = response.msg.get_all("Set-Cookie") or []
        finally:
            connection.close()
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def sign_in(self, email: str, password: str) -> Reply:
        """Through the sign-in form, CSRF token included, as a person would; a 302 is success."""
        form = self.get("/sign-in")
        match = CSRF_INPUT.search(form.text)
        assert form.status == 200 and match, f"sign-in page: {form.status}"
        fields = {"csrf_token": match.group(1), "email": email, "password": password, "next": ""}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", "/sign-in", urlencode(fields).encode(), headers)
