"""Passwords are hashed at production's scrypt cost unless a test's config lowers it."""

from portal import create_app
from portal.accounts.passwords import PRODUCTION_HASH_METHOD, hash_password, verify_password
from tests.conftest import make_test_app


def test_an_app_hashes_at_the_production_cost(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        }
    )
    with app.app_context():
        stored = hash_password("a long enough password")
    assert PRODUCTION_HASH_METHOD == "scrypt:32768:8:1"
    assert stored.startswith(PRODUCTION_HASH_METHOD + "$")
    assert verify_password(stored, "a long enough password")


def test_outside_an_app_the_production_cost_applies():
    assert hash_password("a long enough password").startswith("scrypt:32768:8:1$")


def test_the_test_apps_lower_cost_still_verifies(tmp_path):
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'p.sqlite'}")
    with app.app_context():
        stored = hash_password("a long enough password")
        assert stored.startswith("scrypt:1024:8:1$")
        assert verify_password(stored, "a long enough password")
        assert not verify_password(stored, "another long password")
        assert not verify_password(None, "a long enough password")
