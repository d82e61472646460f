import os

import pytest

from portal import create_app
from portal.settings import SettingsError


def test_testing_flag_comes_only_from_overrides(tmp_path):
    base = {"INSTANCE_PATH": str(tmp_path / "i"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"}
    assert not create_app(base).testing
    assert create_app({**base, "TESTING": True}).testing


def test_factory_touches_nothing_but_the_instance_folder(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    # No database file, no schema, no network: only the folder and the generated secret.
    assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]
    assert app.config["SECRET_KEY"]
    assert oct(os.stat(instance / "secret_key").st_mode & 0o777) == "0o600"
    # The same key is reused, so sessions survive a restart.
    assert create_app({"INSTANCE_PATH": str(instance)}).config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_production_refuses_to_start_without_its_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_BROKER_URL", raising=False)
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY, PORTAL_DATABASE_URL, PORTAL_BROKER_URL"):
        create_app()
