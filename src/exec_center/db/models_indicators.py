"""Indexes the command centre's indicators read (issue 15), on the tables of models.py."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .models import Case  # noqa: F401
