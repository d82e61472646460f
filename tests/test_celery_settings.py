"""The broker's visibility timeout has one default, the documented one, whoever builds the Celery settings."""

from portal.settings import DOCUMENTED, celery_settings, load_settings


def _visibility(settings: dict) -> int:
    return int(settings["broker_transport_options"]["visibility_timeout"])


def test_built_without_a_timeout_the_settings_take_the_documented_one() -> None:
    documented = {name: default for name, default, _ in DOCUMENTED}["PORTAL_BROKER_VISIBILITY_TIMEOUT"]
    assert _visibility(celery_settings("redis://x", "q")) == int(documented) == 6 * 3600
    assert _visibility(celery_settings("redis://x", "q", 90)) == 90


def test_the_portal_settings_agree_and_the_variable_overrides_them() -> None:
    assert _visibility(load_settings({"PORTAL_BROKER_URL": "redis://x"})["CELERY"]) == 6 * 3600
    environ = {"PORTAL_BROKER_URL": "redis://x", "PORTAL_BROKER_VISIBILITY_TIMEOUT": "7200"}
    assert _visibility(load_settings(environ)["CELERY"]) == 7200
