"""Every setting the portal reads, from ``PORTAL_*`` environment variables, in one place.

Development needs no setting at all: SQLite in the instance folder, Celery eager, e-mail to the log,
files under the instance folder. Production (``PORTAL_ENV=production``) refuses to start without a
secret key, a database URL and a broker URL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from portal.jobs import TASKS, queue_name


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


#: (variable, default, meaning) — the README's settings table is written from this list.
DOCUMENTED: list[tuple[str, str, str]] = [
    (
        "PORTAL_ENV",
        "development",
        "`development` or `production`; production enforces the three settings below",
    ),
    (
        "PORTAL_SECRET_KEY",
        "random, kept in the instance folder",
        "signs sessions and CSRF tokens (required in production)",
    ),
    (
        "PORTAL_DATABASE_URL",
        "SQLite file in the instance folder",
        "SQLAlchemy URL, e.g. `postgresql+psycopg://user@host/db` (required in production)",
    ),
    (
        "PORTAL_BROKER_URL",
        "unset: Celery runs tasks in-process",
        "Redis URL for Celery, e.g. `redis://redis:6379/0` (required in production)",
    ),
    (
        "PORTAL_SMTP_URL",
        "unset: e-mails are written to the log",
        "`smtp://user:password@host:587?starttls=1` or `smtps://…`",
    ),
    ("PORTAL_MAIL_FROM", "portal@localhost", "sender address of outgoing e-mail"),
    ("PORTAL_BASE_URL", "http://127.0.0.1:5000", "public address used in links inside e-mails"),
    ("PORTAL_STORAGE_DIR", "`<instance>/storage`", "where evidence and export files are kept"),
    (
        "PORTAL_INSTANCE_PATH",
        "`./instance`",
        "the instance folder (SQLite database, generated secret, files)",
    ),
    (
        "PORTAL_CELERY_QUEUE",
        "portal",
        "prefix of the Celery queues: `<prefix>.exports`, `<prefix>.scoring`, `<prefix>.mail`, and `<prefix>` "
        "itself for the rest (the sweep that re-queues lost jobs)",
    ),
    (
        "PORTAL_BROKER_VISIBILITY_TIMEOUT",
        "21600",
        "seconds before a job taken by a worker that died is handed to another worker",
    ),
    ("PORTAL_INVITATION_DAYS", "14", "days an invitation link stays valid"),
    ("PORTAL_RESET_MINUTES", "60", "minutes a password-reset link stays valid"),
    ("PORTAL_LOGIN_MAX_FAILURES", "5", "failed sign-ins in a row before the account is locked for a while"),
    ("PORTAL_LOGIN_LOCK_MINUTES", "15", "how long such a lock lasts"),
    (
        "PORTAL_LOGIN_ADDRESS_MAX_FAILURES",
        "20",
        "failed sign-ins from one client address (IPv6: its /64), on any accounts, before it gets 429 for a while",
    ),
    ("PORTAL_LOGIN_ADDRESS_MINUTES", "15", "the window those failures are counted in"),
    (
        "PORTAL_RESET_MAX_PER_EMAIL",
        "5",
        "password-reset requests for one e-mail address per window; beyond it the same answer, but no e-mail",
    ),
    ("PORTAL_RESET_MAX_PER_ADDRESS", "20", "password-reset requests from one client address per window; likewise"),
    ("PORTAL_RESET_LIMIT_MINUTES", "60", "the window of both password-reset limits"),
    ("PORTAL_MAX_UPLOAD_MB", "20", "largest accepted upload"),
    (
        "PORTAL_MAX_PENDING_EXPORTS",
        "5",
        "exports one organisation may have waiting or being built; beyond it a request gets 429 with Retry-After",
    ),
    (
        "PORTAL_PROXY_HOPS",
        "0",
        "reverse proxies in front of gunicorn (e.g. 1 for one TLS proxy): their X-Forwarded-For/-Proto/-Host are "
        "believed, so client addresses, HTTPS and HSTS are right; 0 believes none, as a client could forge them",
    ),
    ("PORTAL_LOG_LEVEL", "INFO", "log level of the web and worker processes"),
]

_DEFAULTS = {name: default for name, default, _ in DOCUMENTED}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, value: str) -> bool:
    """Read a boolean variable strictly: junk is an error, not False."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def parse_int(name: str, value: str, *, minimum: int = 1) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {number}")
    return number


def default_instance_path() -> Path:
    return Path.cwd() / "instance"


def load_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Turn the environment into Flask config keys. Raises SettingsError naming what is wrong."""
    env = environ.get("PORTAL_ENV", "development").strip() or "development"
    if env not in ("development", "production"):
        raise SettingsError(f"PORTAL_ENV must be development or production, not {env!r}")
    production = env == "production"
    if production:
        missing = [
            name
            for name in ("PORTAL_SECRET_KEY", "PORTAL_DATABASE_URL", "PORTAL_BROKER_URL")
            if not environ.get(name, "").strip()
        ]
        if missing:
            raise SettingsError("Production mode (PORTAL_ENV=production) needs these settings: " + ", ".join(missing))

    instance_path = Path(environ.get("PORTAL_INSTANCE_PATH") or default_instance_path()).resolve()
    broker = environ.get("PORTAL_BROKER_URL", "").strip()
    queue = environ.get("PORTAL_CELERY_QUEUE", "portal").strip() or "portal"

    def integer(name: str, *, minimum: int = 1) -> int:
        # The default is the one the README shows (DOCUMENTED), written nowhere else.
        return parse_int(name, environ.get(name) or _DEFAULTS[name], minimum=minimum)

    settings: dict[str, Any] = {
        "PORTAL_ENV": env,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": environ.get("PORTAL_SECRET_KEY", "").strip() or None,
        "SQLALCHEMY_DATABASE_URI": _database_url(environ.get("PORTAL_DATABASE_URL", ""), instance_path),
        # Pre-ping: a restarted PostgreSQL costs one failed check, not one failed request per connection.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SMTP_URL": environ.get("PORTAL_SMTP_URL", "").strip() or None,
        "MAIL_FROM": environ.get("PORTAL_MAIL_FROM", "portal@localhost").strip(),
        "BASE_URL": environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "STORAGE_DIR": str(Path(environ.get("PORTAL_STORAGE_DIR") or instance_path / "storage").resolve()),
        "INVITATION_TTL": timedelta(days=integer("PORTAL_INVITATION_DAYS")),
        "RESET_TTL": timedelta(minutes=integer("PORTAL_RESET_MINUTES")),
        "LOGIN_MAX_FAILURES": integer("PORTAL_LOGIN_MAX_FAILURES"),
        "LOGIN_LOCK_TIME": timedelta(minutes=integer("PORTAL_LOGIN_LOCK_MINUTES")),
        "LOGIN_ADDRESS_MAX_FAILURES": integer("PORTAL_LOGIN_ADDRESS_MAX_FAILURES"),
        "LOGIN_ADDRESS_PERIOD": timedelta(minutes=integer("PORTAL_LOGIN_ADDRESS_MINUTES")),
        "RESET_MAX_PER_EMAIL": integer("PORTAL_RESET_MAX_PER_EMAIL"),
        "RESET_MAX_PER_ADDRESS": integer("PORTAL_RESET_MAX_PER_ADDRESS"),
        "RESET_LIMIT_PERIOD": timedelta(minutes=integer("PORTAL_RESET_LIMIT_MINUTES")),
        "MAX_CONTENT_LENGTH": integer("PORTAL_MAX_UPLOAD_MB") * 1024 * 1024,
        "MAX_PENDING_EXPORTS": integer("PORTAL_MAX_PENDING_EXPORTS"),
        "PROXY_HOPS": integer("PORTAL_PROXY_HOPS", minimum=0),
        "LOG_LEVEL": environ.get("PORTAL_LOG_LEVEL", "INFO").upper(),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "CELERY": celery_settings(broker, queue, integer("PORTAL_BROKER_VISIBILITY_TIMEOUT")),
    }
    return settings


def _database_url(url: str, instance_path: Path) -> str:
    url = url.strip()
    if not url:
        return f"sqlite:///{instance_path / 'portal.sqlite'}"
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy only knows the long name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def queue_names(prefix: str) -> list[str]:
    """Every queue a worker started without ``-Q`` consumes: the prefix and one per kind of work."""
    return [prefix, *sorted({queue_name(prefix, queue) for queue in TASKS.values() if queue})]


def celery_settings(broker: str, queue: str, visibility_timeout: int | None = None) -> dict[str, Any]:
    """Celery configuration: eager in-process without a broker, Redis with one.

    ``visibility_timeout`` in seconds; by default the documented one (PORTAL_BROKER_VISIBILITY_TIMEOUT).
    """
    if visibility_timeout is None:
        visibility_timeout = int(_DEFAULTS["PORTAL_BROKER_VISIBILITY_TIMEOUT"])
    common: dict[str, Any] = {
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "task_default_queue": queue,
        "task_queues": {name: {"exchange": name, "routing_key": name} for name in queue_names(queue)},
        "task_routes": {task: {"queue": queue_name(queue, kind)} for task, kind in TASKS.items()},
        # A job survives a killed worker: acknowledged only after it ran, redelivered if the worker died.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": {
            "mail.send_outbox": {"task": "mail.send_outbox", "schedule": 60.0},
            "background.sweep": {"task": "background.sweep", "schedule": 300.0},
            "reports.remove_old_exports": {"task": "reports.remove_old_exports", "schedule": 86400.0},
            # Hourly: a reminder step is sent once per assessment, so the frequency only sets the delay.
            "campaigns.send_reminders": {"task": "campaigns.send_reminders", "schedule": 3600.0},
        },
    }
    if not broker:
        return {**common, "broker_url": "memory://", "task_always_eager": True, "task_eager_propagates": True}
    return {
        **common,
        "broker_url": broker,
        "result_backend": broker,
        "task_always_eager": False,
        # Longer than any retry back-off, or Redis would hand an unacknowledged job to a second worker.
        # With the broker down, a request gives up publishing within about two seconds: the job's row
        # is committed already, and the sweeps queue it again once the broker is back.
        "broker_transport_options": {
            "visibility_timeout": visibility_timeout,
            "socket_connect_timeout": 1,
            "socket_timeout": 5,
        },
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5},
    }


def ensure_secret_key(config: dict[str, Any]) -> None:
    """Development only: create a random key once and keep it in the instance folder."""
    if config.get("SECRET_KEY"):
        return
    key_file = Path(config["INSTANCE_PATH"]) / "secret_key"
    if key_file.exists():
        config["SECRET_KEY"] = key_file.read_text().strip()
        return
    key = secrets.token_urlsafe(48)
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    config["SECRET_KEY"] = key
