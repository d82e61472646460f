"""The Flask application factory. It assembles the app and does no other work."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from portal.settings import ensure_secret_key, load_settings


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = load_settings(os.environ)
    settings.update(overrides or {})
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.from_mapping(settings)

    from portal.input_checks import register_input_checks

    register_input_checks(app)  # before any other hook, so no view sees NUL or over-deep JSON
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Japanese stays readable in JSON answers
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    ensure_secret_key(app.config)

    from portal.log_config import configure_logging

    configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)

    from portal.cli import register_cli
    from portal.errors import register_error_handlers
    from portal.security_headers import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from flask_babel import get_locale

    from portal import models  # noqa: F401  (every table registered before anything uses the metadata)
    from portal.celery_setup import celery_init_app
    from portal.extensions import babel, csrf, db, login_manager, migrate
    from portal.i18n import select_locale, select_timezone
    from portal.session_auth import init_login

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    from portal.dates import register_date_filters

    register_date_filters(app)  # after Babel's own filters, which it replaces
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    from portal.catalog.levels import register_level_words

    register_level_words(app)  # level_name(version, tier), verdict_text(version, score), ...
    login_manager.init_app(app)
    init_login(app)
    celery_init_app(app)


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.views import bp as accounts_bp
    from portal.actions.views import bp as actions_bp
    from portal.api import api_blueprint
    from portal.assessments.registration_views import bp as registration_bp
    from portal.assessments.views import bp as assessments_bp
    from portal.audits.views import bp as audits_bp
    from portal.campaigns.flow_down_views import bp as flow_down_bp
    from portal.campaigns.views import bp as campaigns_bp
    from portal.catalog.upload_views import bp as checksheets_bp
    from portal.catalog.version_views import bp as questionnaire_versions_bp
    from portal.claims.views import bp as claims_bp
    from portal.evidence.views import bp as evidence_bp
    from portal.exports.views import bp as exports_bp
    from portal.extensions import csrf
    from portal.home.views import bp as home_bp
    from portal.merges.views import bp as merges_bp
    from portal.organizations.views import bp as organizations_bp
    from portal.relationships.views import bp as relationships_bp
    from portal.review.views import bp as review_bp
    from portal.suppliers.views import bp as suppliers_bp

    for blueprint in (
        home_bp,
        accounts_bp,
        organizations_bp,
        suppliers_bp,
        campaigns_bp,
        flow_down_bp,
        assessments_bp,
        registration_bp,
        evidence_bp,
        review_bp,
        actions_bp,
        exports_bp,
        audits_bp,
        merges_bp,
        relationships_bp,
        claims_bp,
        questionnaire_versions_bp,
        checksheets_bp,
    ):
        app.register_blueprint(blueprint)
    # The API authenticates by bearer token only, never by the session cookie, so CSRF cannot reach it.
    api = api_blueprint()
    csrf.exempt(api)
    app.register_blueprint(api)
