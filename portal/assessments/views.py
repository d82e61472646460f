"""Supplier pages: the inbox, the answering page with autosave, evidence, assignments, submitting."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("assessments", __name__, url_prefix="/assessments")
