"""The demo court's history (issue 15): every indicator family shows something, the same seed
makes the same cases, and seeding twice changes nothing."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from exec_center.clock import FrozenClock, court_today
from exec_center.context import AppContext
from exec_center.db.models import Case, Staff
from exec_center.domain.indicators import DEFINITIONS, Breakdown, Granularity, Indicator, Measure, Period
from exec_center.services import indicators
from exec_center.services.auth import load_viewer
from exec_center.services.demo_history import seed_demo_history
from tests.conftest import TEST_DATABASE_URL, _admin_url, _pg_admin, _settings, _with_database

CASES, MONTHS = 40, 2
# Rates whose rows can be missed: the history has both kinds.
SOME_MISSED = (Indicator.QUERY_CONTROL_ON_TIME_WITHOUT_EXTENSION, Indicator.ONLINE_REPLY_ON_TIME)


async def _cases(ctx: AppContext) -> list[tuple[str, str, str]]:
    async with ctx.sessionmaker() as session:
        rows = (await session.execute(
            sa.select(Case.number, Case.received_on, Case.stage).order_by(Case.id))).all()
    return [(n, str(r), s.value) for n, r, s in rows]


async def _figures(ctx: AppContext) -> dict[Indicator, tuple[float, float | None]]:
    """Each indicator's numerator and denominator over the history, as the command centre reads it."""
    today = court_today(ctx.clock, ctx.settings.tz)
    period = Period.of(today - timedelta(days=MONTHS * 31 + 5), today, Granularity.MONTH)
    figures = {}
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == "command"))
        command = await load_viewer(session, staff_id)
        for name in Indicator:
            result = await indicators.indicator(ctx, session, command, name, period, Breakdown.NONE)
            numerator = sum(float(c.numerator or 0) for c in result.cells)
            denominator = (sum(float(c.denominator or 0) for c in result.cells)
                           if DEFINITIONS[name].denominator else None)
            figures[name] = (numerator, denominator)
    return figures


# A Friday in June: the history runs from April, after the deadline rules came into force.
NOW = datetime(2024, 6, 14, 1, 0, tzinfo=UTC)


@pytest.fixture
async def history(ctx, clock):
    clock.set(NOW)
    result = await seed_demo_history(ctx, cases=CASES, months=MONTHS, seed=7)
    assert not result.skipped
    return result


async def test_every_indicator_shows_something(ctx, history) -> None:
    assert history.cases == CASES
    assert history.failures == 0
    figures = await _figures(ctx)
    for name, (numerator, denominator) in figures.items():
        assert numerator > 0, name
        if denominator is not None:
            assert denominator > 0, name
        if DEFINITIONS[name].measure is Measure.RATE and name in SOME_MISSED:
            assert numerator < denominator, name
    # Today leaves work open: cases at every step of the centre and the teams.
    stages = {stage for _n, _r, stage in await _cases(ctx)}
    assert {"ANALYSING", "TRANSFERRED", "CLOSED", "ARCHIVED"} <= stages


@pytest.fixture
async def second_court(template_database, tmp_path: Path):
    """Another database cloned from the same template: the demo court, nothing else."""
    if TEST_DATABASE_URL:
        name = f"exec_center_test_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        url = _with_database(_admin_url(), name)
    else:
        path = tmp_path / "second.db"
        shutil.copyfile(template_database, path)
        url = f"sqlite+aiosqlite:///{path}"
    ctx = AppContext.create(_settings(url), clock=FrozenClock(NOW), pool_size=2)
    yield ctx
    await ctx.close()
    if TEST_DATABASE_URL:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_the_same_seed_makes_the_same_cases_once(ctx, history, second_court) -> None:
    made = await seed_demo_history(second_court, cases=CASES, months=MONTHS, seed=7)
    assert made.numbers == history.numbers
    assert await _cases(second_court) == await _cases(ctx)
    # Once per court: seeding again (any seed) changes nothing.
    before = await _cases(ctx)
    again = await seed_demo_history(ctx, cases=CASES, months=MONTHS, seed=8)
    assert again.skipped
    assert await _cases(ctx) == before


async def test_the_history_cases_rulings_are_left_for_the_workers(ctx, history) -> None:
    """Every job the history asked for was run while it was made, but the rulings: one message
    per case stays unsent, and rendering them gives each case its ruling."""
    from exec_center.db.models import Document, OutboxMessage
    from exec_center.services.documents import render_case_document

    async with ctx.sessionmaker() as session:
        unsent = (await session.execute(
            sa.select(OutboxMessage.actor_name, OutboxMessage.args).where(OutboxMessage.sent_at.is_(None)))).all()
    assert {name for name, _args in unsent} == {"render_case_document"}
    assert len(unsent) == history.cases
    for _name, args in unsent:
        assert await render_case_document(ctx, *args) is True
    async with ctx.sessionmaker() as session:
        ruled = (await session.scalars(
            sa.select(Case.number).join(Document, Document.case_id == Case.id)
            .where(Case.number.in_(history.numbers), Document.kind == "QUERY_CONTROL_RULING"))).all()
    assert sorted(ruled) == sorted(history.numbers)  # one each
