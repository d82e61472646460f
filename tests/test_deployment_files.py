"""No Docker engine runs here, so check that what docker compose would run exists in the project."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


WORKERS = ("worker-exports", "worker-scoring", "worker-mail")


def test_compose_has_every_service_of_the_stack_from_one_image():
    services = compose()["services"]
    assert {"web", *WORKERS, "beat", "migrate", "redis", "postgres"} <= set(services)
    images = {services[name]["image"] for name in ("web", *WORKERS, "beat", "migrate")}
    assert images == {"supply-chain-portal:latest"}
    for name in ("web", *WORKERS, "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["environment"]["PORTAL_ENV"] == "production"


def run_help(args, tmp_path):
    env = {**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_ENV": "development"}
    env.pop("PORTAL_BROKER_URL", None)
    bindir = Path(sys.executable).parent
    command = [str(bindir / args[0]), *args[1:]]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_each_portal_service_command_resolves(tmp_path):
    services = compose()["services"]
    # The same programs and entry points, asked only for their help or to load the app.
    migrate = services["migrate"]["command"]
    assert migrate[:4] == ["flask", "--app", "portal", "portal"]
    result = run_help([*migrate[:4], migrate[4], "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Bring the database schema up to date" in result.stdout

    web = services["web"]["command"]
    assert web[0] == "gunicorn" and web[-1] == "portal:create_app()"
    result = run_help(["gunicorn", "--check-config", *web[1:]], tmp_path)
    assert result.returncode == 0, result.stderr

    for name in (*WORKERS, "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "workers.main"]
        result = run_help([*command[:4], "--help"], tmp_path)
        assert result.returncode == 0, result.stderr


def test_compose_starts_a_worker_for_exports_one_for_scoring_and_one_for_mail_covering_every_queue():
    from portal.settings import celery_settings, queue_names

    services = compose()["services"]
    consumed = {}
    for name in WORKERS:
        command = services[name]["command"]
        consumed[name] = command[command.index("-Q") + 1].split(",")
    assert consumed["worker-exports"] == ["portal.exports"]
    assert consumed["worker-scoring"] == ["portal.scoring"]
    assert consumed["worker-mail"][0] == "portal.mail"
    # Together they take every queue the web and beat publish to (no job waits for a worker that never comes).
    published = {route["queue"] for route in celery_settings("redis://x", "portal")["task_routes"].values()}
    every = [queue for queues in consumed.values() for queue in queues]
    assert sorted(every) == sorted(queue_names("portal")) and published | {"portal"} == set(every)


def test_dockerfile_runs_the_same_web_command():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"portal:create_app()"' in dockerfile
    for folder in ("portal", "questionnaires", "workers", "migrations"):
        assert f"COPY {folder} ./{folder}" in dockerfile


def test_readme_documents_every_setting_and_the_two_commands():
    from portal.settings import DOCUMENTED

    readme = (ROOT / "README.md").read_text()
    for name, _, _ in DOCUMENTED:
        assert f"`{name}`" in readme, name
    assert "make demo" in readme and "make test" in readme


def test_each_web_worker_freezes_what_start_up_built():
    """The web command loads the settings file whose hook keeps start-up objects out of full collections."""
    import gc

    from portal.gunicorn_config import post_worker_init

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    web = services["web"]["command"]
    assert web[web.index("--config") + 1] == "python:portal.gunicorn_config"
    assert '"--config", "python:portal.gunicorn_config"' in (ROOT / "Dockerfile").read_text()
    try:
        gc.unfreeze()
        post_worker_init(worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
