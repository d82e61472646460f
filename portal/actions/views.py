"""Corrective actions for both sides: the supplier's plan, the buyer's closing."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("actions", __name__, url_prefix="/actions")
