"""The court's working-day calendar, used for deadline arithmetic.

Rules (from the project glossary):

* A working day is a day that is not a weekend and not a public holiday. The official
  weekend make-up working days (调休上班日) are working days. A court override for a date
  wins over the official schedule either way.
* A calendar-day period does not count the day it starts on; if its last day is a
  public holiday or a rest day, the period ends on the next working day.
* A year is *confirmed* when the ``holidays`` library carries the State Council's
  official schedule for it, or when an administrator confirmed it (``confirmed_years``).
  Otherwise the year is provisional: only computed holidays, no make-up days.

This module is pure: it depends on ``holidays`` only, never on the rest of exec_center
(no database, no API). Court overrides and confirmed years are passed in by the caller.

Performance: the official data is built once per year and cached for the process; each
calendar lazily builds, per year, a sorted tuple of working-day ordinals with its
overrides applied. Counting and adding working days bisect within a year and hop whole
years by their counts, so no call loops day by day.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType

import holidays as holidays_lib

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "CalendarRangeError",
    "CourtCalendar",
    "YearSchedule",
]

# 2001 is the first year the library checks against the State Council notices;
# 2100 is as far as its lunar calendar goes.
FIRST_YEAR = 2001
LAST_YEAR = 2100

_FIRST_ORDINAL = date(FIRST_YEAR, 1, 1).toordinal()
_LAST_ORDINAL = date(LAST_YEAR, 12, 31).toordinal()
_RANGE_TEXT = f"{FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"


class CalendarRangeError(ValueError):
    """A date or year (given or computed) lies outside FIRST_YEAR..LAST_YEAR."""


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year of the calendar, for display and for administrators to review.

    ``holidays`` are the official days off with their zh-CN names, including the
    weekdays given off in exchange for make-up days (named "休息日（由 … 调休）").
    ``overrides`` are this calendar's court entries in the year (True = working day).
    """

    year: int
    holidays: list[tuple[date, str]]
    makeup_working_days: list[date]
    overrides: list[tuple[date, bool]]
    confirmed: bool


@dataclass(frozen=True, slots=True)
class _OfficialYear:
    """The library's schedule for one year, immutable so it can be shared by all calendars."""

    holidays: tuple[tuple[date, str], ...]
    holiday_dates: frozenset[date]
    makeup_days: tuple[date, ...]
    makeup_set: frozenset[date]
    weekend: frozenset[int]
    working: tuple[int, ...]  # sorted ordinals of the official working days
    confirmed: bool

    def is_working_day(self, d: date) -> bool:
        return _official_rule(d, self.weekend, self.holiday_dates, self.makeup_set)


def _official_rule(
    d: date, weekend: frozenset[int], holiday_dates: frozenset[date], makeup: frozenset[date]
) -> bool:
    # Same rule as holidays.HolidayBase.is_working_day.
    if d.weekday() in weekend:
        return d in makeup
    return d not in holiday_dates


def _has_official_schedule(cn: holidays_lib.HolidayBase, year: int, makeup: tuple[date, ...]) -> bool:
    """Whether the library encodes the State Council notice for ``year``.

    Every notice since 2001 moves days off around weekends (调休), which the library
    stores as substituted entries in ``special_public_holidays[year]`` and exposes as
    make-up days in ``weekend_workdays``. A year with neither (2027 in holidays 0.109)
    only has holidays computed from the statute. The public ``weekend_workdays`` is
    read first; the mapping covers a notice without weekend make-up days. Neither can
    mark a year confirmed that the library has no notice for.
    """
    if makeup:
        return True
    entries = getattr(cn, "special_public_holidays", {}).get(year, ())
    # A year's value is either one entry or a tuple of entries.
    if entries and not isinstance(entries[0], tuple):
        entries = (entries,)
    # (month, day, name) is a one-off holiday; 4 or 5 items are a substitution.
    return any(len(entry) >= 4 for entry in entries)


@cache
def _official_year(year: int) -> _OfficialYear:
    # Building holidays.China is not free; @cache makes it once per year per process.
    # Two threads may build the same year at once; each gets a complete, equal object.
    cn = holidays_lib.China(years=year, language="zh_CN")
    hols = tuple(sorted((d, name) for d, name in cn.items() if d.year == year))
    # weekend_workdays on every instance also holds the cross-year make-up days
    # (2001-12-29/30, 2005-12-31, 2006-12-30/31, 2011-12-31, declared by the next
    # year's notice); keep only this year's.
    makeup = tuple(sorted(d for d in cn.weekend_workdays if d.year == year))
    holiday_dates = frozenset(d for d, _ in hols)
    makeup_set = frozenset(makeup)
    weekend = frozenset(cn.weekend)
    start = date(year, 1, 1)
    days = (start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days))
    return _OfficialYear(
        holidays=hols,
        holiday_dates=holiday_dates,
        makeup_days=makeup,
        makeup_set=makeup_set,
        weekend=weekend,
        working=tuple(d.toordinal() for d in days if _official_rule(d, weekend, holiday_dates, makeup_set)),
        confirmed=_has_official_schedule(cn, year, makeup),
    )


def _check_date(d: object, what: str = "date") -> date:
    # datetime is a subclass of date but never equals one, so it would miss overrides.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{what} must be a datetime.date, got {type(d).__name__}")
    if not FIRST_YEAR <= d.year <= LAST_YEAR:
        raise CalendarRangeError(f"{what} {d.isoformat()} is outside the supported range {_RANGE_TEXT}")
    return d


def _check_year(year: object) -> int:
    year = operator.index(year)  # rejects floats and strings
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise CalendarRangeError(f"year {year} is outside the supported range {FIRST_YEAR}-{LAST_YEAR}")
    return year


def _result_out_of_range(direction: str) -> CalendarRangeError:
    return CalendarRangeError(f"the result would fall {direction} the supported range {_RANGE_TEXT}")


class CourtCalendar:
    """Working days of a Chinese court: the official schedule plus the court's overrides.

    ``overrides[d] is True`` means the court declared ``d`` a working day, ``False`` a
    rest day. ``confirmed_years`` are years an administrator confirmed. Instances are
    immutable and safe for concurrent reads; use :meth:`with_overrides` for another
    set of court entries.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
    ) -> None:
        checked: dict[date, bool] = {}
        by_year: dict[int, list[tuple[date, bool]]] = {}
        for d, working in (overrides or {}).items():
            _check_date(d, "override date")
            # A stray None or 0 must not silently turn into a rest day.
            if not isinstance(working, bool):
                raise TypeError(f"override for {d.isoformat()} must be True or False, got {working!r}")
            checked[d] = working
            by_year.setdefault(d.year, []).append((d, working))
        self._overrides: Mapping[date, bool] = MappingProxyType(checked)
        self._overrides_by_year: dict[int, tuple[tuple[date, bool], ...]] = {
            year: tuple(sorted(entries)) for year, entries in by_year.items()
        }
        self._confirmed_years = frozenset(_check_year(y) for y in confirmed_years)
        # year -> sorted working-day ordinals with overrides applied, built on first use.
        self._working_cache: dict[int, tuple[int, ...]] = {}

    @property
    def overrides(self) -> Mapping[date, bool]:
        """The court entries, read-only."""
        return self._overrides

    @property
    def confirmed_years(self) -> frozenset[int]:
        """Years confirmed by an administrator (not those the library already knows)."""
        return self._confirmed_years

    def with_overrides(
        self,
        overrides: Mapping[date, bool] | None = None,
        confirmed_years: Iterable[int] = (),
    ) -> CourtCalendar:
        """A new calendar with these court entries and confirmed years (replacing, not
        merging with, this one's). The official data is cached per process, so it is
        shared rather than rebuilt."""
        return CourtCalendar(overrides, confirmed_years)

    # -- per-year data -------------------------------------------------------------

    def _working(self, year: int) -> tuple[int, ...]:
        cached = self._working_cache.get(year)
        if cached is not None:
            return cached
        official = _official_year(year).working
        entries = self._overrides_by_year.get(year)
        if not entries:
            result = official  # share the official tuple when nothing changes it
        else:
            days = set(official)
            for d, working in entries:
                if working:
                    days.add(d.toordinal())
                else:
                    days.discard(d.toordinal())
            result = tuple(sorted(days))
        # One dict assignment of a finished tuple: readers never see a partial entry.
        self._working_cache[year] = result
        return result

    # -- queries -------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day (a court override wins over the library)."""
        _check_date(d)
        override = self._overrides.get(d)
        if override is not None:
            return override
        return _official_year(d.year).is_working_day(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d``; ``d`` itself never counts. n == 0 returns d."""
        _check_date(d)
        n = operator.index(n)
        if n < 0:
            raise ValueError("n must be 0 or more")
        if n == 0:
            return d
        year = d.year
        days = self._working(year)
        # 0-based index of the answer within `days`, possibly beyond this year.
        index = bisect_right(days, d.toordinal()) + n - 1
        while index >= len(days):
            index -= len(days)
            year += 1
            if year > LAST_YEAR:
                raise _result_out_of_range("after")
            days = self._working(year)
        return date.fromordinal(days[index])

    def working_day_on_or_after(self, d: date) -> date:
        """``d`` if it is a working day, else the next working day."""
        _check_date(d)
        year = d.year
        days = self._working(year)
        index = bisect_left(days, d.toordinal())
        while index >= len(days):
            year += 1
            if year > LAST_YEAR:
                raise _result_out_of_range("after")
            days = self._working(year)
            index = 0
        return date.fromordinal(days[index])

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d`` (for "one working day before due")."""
        _check_date(d)
        year = d.year
        days = self._working(year)
        index = bisect_left(days, d.toordinal()) - 1
        while index < 0:
            year -= 1
            if year < FIRST_YEAR:
                raise _result_out_of_range("before")
            days = self._working(year)
            index = len(days) - 1
        return date.fromordinal(days[index])

    def period_end(self, d: date, days: int) -> date:
        """End of a calendar-day period of ``days`` days starting on ``d``.

        The start day is not counted, so the period ends on ``d + days``; if that is a
        holiday or rest day, it ends on the next working day instead.
        """
        _check_date(d)
        days = operator.index(days)
        if days < 0:
            raise ValueError("days must be 0 or more")
        end = d.toordinal() + days
        if end > _LAST_ORDINAL:
            raise _result_out_of_range("after")
        return self.working_day_on_or_after(date.fromordinal(end))

    def working_days_between(self, a: date, b: date) -> int:
        """Number of working days in (a, b]: ``a`` is excluded, ``b`` included.

        If ``b`` is before ``a`` the result is ``-working_days_between(b, a)``, so that
        ``working_days_between(a, b) + working_days_between(b, c)`` always equals
        ``working_days_between(a, c)``.
        """
        _check_date(a)
        _check_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        # Whole years from a's up to (not including) b's, then adjust by the ranks of b
        # and a within their own years.
        whole_years = sum(len(self._working(year)) for year in range(a.year, b.year))
        rank_b = bisect_right(self._working(b.year), b.toordinal())
        rank_a = bisect_right(self._working(a.year), a.toordinal())
        return whole_years + rank_b - rank_a

    # -- confirmation and review ---------------------------------------------------

    def is_confirmed(self, year: int) -> bool:
        """Whether ``year`` has the official schedule (library or administrator)."""
        year = _check_year(year)
        return year in self._confirmed_years or _official_year(year).confirmed

    def is_provisional(self, d: date) -> bool:
        """Whether deadlines touching ``d`` rest on a not-yet-confirmed year."""
        _check_date(d)
        return not self.is_confirmed(d.year)

    def year_schedule(self, year: int) -> YearSchedule:
        """The official holidays, make-up days and this calendar's overrides for ``year``."""
        year = _check_year(year)
        official = _official_year(year)
        return YearSchedule(
            year=year,
            holidays=list(official.holidays),
            makeup_working_days=list(official.makeup_days),
            overrides=list(self._overrides_by_year.get(year, ())),
            confirmed=self.is_confirmed(year),
        )
