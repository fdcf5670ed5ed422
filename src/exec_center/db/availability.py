"""Which database failures mean "the service is busy or down, try again" rather than a bug."""

from __future__ import annotations

import sqlalchemy as sa

from .writer import DatabaseBusy

# PostgreSQL SQLSTATEs of a server that cannot take us now: class 08 (connection exception),
# 53300 too_many_connections, 57P01..57P03 (admin/crash shutdown, cannot connect now).
_UNAVAILABLE_STATES = ("08", "53300", "57P01", "57P02", "57P03")
_SQLITE_BUSY = ("database is locked", "database is busy")


def is_unavailable(error: BaseException | None) -> bool:
    """A pool timeout, a full writer queue, a refused or lost connection, a locked SQLite file."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (DatabaseBusy, sa.exc.TimeoutError, ConnectionError, TimeoutError)):
            return True
        if isinstance(error, sa.exc.DBAPIError):
            if error.connection_invalidated:
                return True
            state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
            if isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES):
                return True
            if isinstance(error, sa.exc.OperationalError) and any(
                text in str(error.orig) for text in _SQLITE_BUSY
            ):
                return True
        if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
            return True  # connection refused, host unreachable
        error = error.__cause__  # not __context__: a bug raised while handling one is a bug
        seen += 1
    return False
