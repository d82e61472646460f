from datetime import timedelta

import pytest

from portal.settings import SettingsError, load_settings, parse_bool


def test_zero_setup_defaults_use_sqlite_eager_celery_and_log_mail(tmp_path):
    settings = load_settings({"PORTAL_INSTANCE_PATH": str(tmp_path)})
    assert settings["PORTAL_ENV"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.sqlite'}"
    assert settings["CELERY"]["task_always_eager"] is True
    assert settings["SMTP_URL"] is None
    assert settings["STORAGE_DIR"] == str(tmp_path / "storage")
    assert settings["SECRET_KEY"] is None  # generated into the instance folder by the factory
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_production_names_every_missing_setting():
    with pytest.raises(SettingsError) as error:
        load_settings({"PORTAL_ENV": "production", "PORTAL_DATABASE_URL": "postgresql://db/portal"})
    assert "PORTAL_SECRET_KEY" in str(error.value)
    assert "PORTAL_BROKER_URL" in str(error.value)
    assert "PORTAL_DATABASE_URL" not in str(error.value)


def test_production_with_everything_set_uses_secure_cookies_and_a_broker():
    settings = load_settings(
        {
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": "s3cret",
            "PORTAL_DATABASE_URL": "postgres://u:p@db/portal",
            "PORTAL_BROKER_URL": "redis://redis:6379/0",
        }
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/portal"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["CELERY"]["task_always_eager"] is False
    assert settings["CELERY"]["broker_url"] == "redis://redis:6379/0"
    assert settings["CELERY"]["task_acks_late"] is True


def test_unknown_environment_and_bad_numbers_are_refused():
    with pytest.raises(SettingsError, match="PORTAL_ENV"):
        load_settings({"PORTAL_ENV": "staging"})
    with pytest.raises(SettingsError, match="PORTAL_INVITATION_DAYS"):
        load_settings({"PORTAL_INVITATION_DAYS": "soon"})
    with pytest.raises(SettingsError, match="PORTAL_LOGIN_MAX_FAILURES"):
        load_settings({"PORTAL_LOGIN_MAX_FAILURES": "0"})


def test_durations_come_from_the_environment():
    settings = load_settings({"PORTAL_INVITATION_DAYS": "3", "PORTAL_RESET_MINUTES": "10"})
    assert settings["INVITATION_TTL"] == timedelta(days=3)
    assert settings["RESET_TTL"] == timedelta(minutes=10)


@pytest.mark.parametrize(("text", "value"), [("1", True), ("TRUE", True), ("off", False), ("", False)])
def test_parse_bool_accepts_the_usual_spellings(text, value):
    assert parse_bool("X", text) is value


def test_parse_bool_rejects_junk():
    with pytest.raises(SettingsError, match="X must be true or false"):
        parse_bool("X", "maybe")


def test_every_variable_read_is_documented():
    import re
    from pathlib import Path

    from portal.settings import DOCUMENTED

    source = (Path(__file__).resolve().parents[1] / "portal" / "settings.py").read_text()
    read = set(re.findall(r'"(PORTAL_[A-Z_]+)"', source))
    assert read == {name for name, _, _ in DOCUMENTED}


def test_rate_limits_have_safe_defaults_and_come_from_the_environment():
    defaults = load_settings({})
    assert (defaults["LOGIN_ADDRESS_MAX_FAILURES"], defaults["LOGIN_ADDRESS_PERIOD"]) == (20, timedelta(minutes=15))
    assert (defaults["RESET_MAX_PER_EMAIL"], defaults["RESET_MAX_PER_ADDRESS"]) == (5, 20)
    assert defaults["RESET_LIMIT_PERIOD"] == timedelta(hours=1)
    custom = load_settings(
        {
            "PORTAL_LOGIN_ADDRESS_MAX_FAILURES": "50",
            "PORTAL_LOGIN_ADDRESS_MINUTES": "5",
            "PORTAL_RESET_MAX_PER_EMAIL": "3",
            "PORTAL_RESET_MAX_PER_ADDRESS": "100",
            "PORTAL_RESET_LIMIT_MINUTES": "30",
        }
    )
    assert (custom["LOGIN_ADDRESS_MAX_FAILURES"], custom["LOGIN_ADDRESS_PERIOD"]) == (50, timedelta(minutes=5))
    assert (custom["RESET_MAX_PER_EMAIL"], custom["RESET_MAX_PER_ADDRESS"]) == (3, 100)
    assert custom["RESET_LIMIT_PERIOD"] == timedelta(minutes=30)
    with pytest.raises(SettingsError, match="PORTAL_RESET_MAX_PER_EMAIL"):
        load_settings({"PORTAL_RESET_MAX_PER_EMAIL": "0"})
