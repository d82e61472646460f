"""Buyer pages for campaigns: list, create with preview, launch, next round."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
