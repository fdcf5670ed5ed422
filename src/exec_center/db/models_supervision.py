"""Supervision orders (督办) issued by the command centre or the bureau chief (issue 15)."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .models import Base  # noqa: F401
