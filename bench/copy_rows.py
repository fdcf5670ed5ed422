"""Rows built in Python for PostgreSQL's COPY, and the draws they are made with: shared by
generate.py and generate_activity.py."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta


def pick(rng: random.Random, weighted):  # type: ignore[no-untyped-def]
    """A value of `weighted` ((value, weight), ... weights summing to 1) drawn by its weight."""
    u = rng.random()
    for value, weight in weighted:
        u -= weight
        if u < 0:
            return value
    return weighted[-1][0]


def add_working_days(d: int, n: int) -> int:
    """Day ordinal `d` plus `n` working days (Saturdays and Sundays skipped; holidays not)."""
    while n > 0:
        d += 1
        if date.fromordinal(d).weekday() < 5:
            n -= 1
    return d


class CopyRows:
    """Rows per table waiting for COPY, each table with its own id counter (continuing from the
    first free id), and the days (proleptic ordinals) turned into dates and instants once."""

    def __init__(self, tables: tuple[str, ...], first_ids: dict[str, int], rng: random.Random) -> None:
        self.tables = tables
        self.next = dict(first_ids)
        self.rng = rng
        self.rows: dict[str, list[tuple]] = {t: [] for t in tables}
        self.counts = dict.fromkeys(tables, 0)
        self._dates: dict[int, date] = {}
        self._midnights: dict[int, datetime] = {}

    def _id(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def d(self, day: int) -> date:
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = date.fromordinal(day)
        return found

    def ts(self, day: int, secs: int | None = None) -> datetime:
        """An instant on the court's `day`, `secs` after 08:00 Beijing time (00:00 UTC); by default
        during office hours (08:30-17:30)."""
        base = self._midnights.get(day)
        if base is None:
            d = date.fromordinal(day)
            base = self._midnights[day] = datetime(d.year, d.month, d.day, tzinfo=UTC)
        return base + timedelta(seconds=secs if secs is not None else 1800 + int(self.rng.random() * 32400))

    def take(self) -> dict[str, list[tuple]]:
        """The rows so far, counted; the buffer starts empty again."""
        rows, self.rows = self.rows, {t: [] for t in self.tables}
        for t in self.tables:
            self.counts[t] += len(rows[t])
        return rows

    def deadline_state(self, due: int, done: int | None) -> tuple[str, date | None, datetime | None, int]:
        """(status, closed_on, next_check_at, escalation level) of a deadline due on `due` and met
        or missed on `done` (None, or after today: still open, escalated as far as the sweep
        would have taken it by now, with its 09:00 Beijing checks). Needs `self.today`."""
        today = self.today  # type: ignore[attr-defined]
        if done is not None and done <= today:
            return ("MET" if done <= due else "MISSED"), self.d(done), None, 0
        if due > today + 2:
            return "OPEN", None, self.ts(due - 2, 3600), 0
        if due >= today:
            return "OPEN", None, self.ts(due + 1, 3600), 2
        return "OPEN", None, None, 3
