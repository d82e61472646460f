"""Language choice: the signed-in user's setting, else the session's choice, else Japanese."""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_login import current_user

LANGUAGES = {"ja": "日本語", "en": "English"}


def select_locale() -> str:
    if not has_request_context():
        # Command-line output (and its error messages) is in English, like the operator's guide.
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return str(current_user.locale)
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    # Japanese is the default for everyone; English only when asked for.
    if request.args.get("lang") in LANGUAGES:
        return str(request.args["lang"])
    return "ja"


def select_timezone() -> str:
    return "Asia/Tokyo"
