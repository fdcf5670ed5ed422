"""Exports of indicator tables and case lists produced by a worker (issue 15)."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .models import Base  # noqa: F401
