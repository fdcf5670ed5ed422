"""The demo court's cases: every person's worklist opens with something on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from exec_center.db.models import Case
from exec_center.services.demo import ACCOUNTS, DEMO_CASES, seed_demo_cases

WORKLIST_COUNT = "{ worklist { totalCount edges { node { kind case { number stage } } } } }"
PEOPLE = [a.username for a in ACCOUNTS if a.username != "gateway"]  # a machine account has no worklist


@pytest.fixture
async def demo(api, clock):
    # Late November of a year whose next year no holidays release has confirmed yet.
    clock.set(datetime(2034, 11, 27, 1, 0, tzinfo=UTC))
    assert await seed_demo_cases(api.ctx) == len(DEMO_CASES)
    return api


async def test_seeding_cases_twice_changes_nothing(demo) -> None:
    assert await seed_demo_cases(demo.ctx) == 0
    async with demo.ctx.sessionmaker() as session:
        stages = (await session.scalars(sa.select(Case.stage))).all()
    assert len(stages) > len(DEMO_CASES)  # the converted 执 case and the 执异 case come on top
    assert {s.value for s in stages} >= {"RECEIVED", "ANALYSING", "TRANSFERRED", "MEDIATING", "CONVERTED",
                                          "FAST_CLOSING"}


@pytest.mark.parametrize("username", PEOPLE)
async def test_every_demo_worklist_has_something(demo, username) -> None:
    data = await demo.gql(WORKLIST_COUNT, as_=username)
    assert data["worklist"]["totalCount"] > 0, username
