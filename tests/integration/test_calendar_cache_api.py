"""The API counts in the process's cached court calendar (`deadlines.current_calendar`): a page of
calendar-dependent fields reads the calendar's tables at most once, not once per item, and a
calendar change, through the API or not, is shown by the very next read, a mutation's payload in
the same operation included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
import sqlalchemy as sa

from exec_center.api.ids import to_global_id
from exec_center.app import create_app
from exec_center.context import AppContext
from exec_center.db.models import Staff, StaffRole
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.organisation import Role
from exec_center.services import calendar as calendar_service
from exec_center.services import deadlines
from exec_center.services.unit_of_work import UnitOfWork

from ..api.conftest import Api
from .test_deadline_engine_cache import Statements
from .test_dispatch import viewer

CALENDAR_TABLES = ("CALENDAR_ENTRIES", "CALENDAR_YEARS")

PENDING = """{ pendingExtensionRequests { edges { node { id proposedDueOn } } } }"""
REQUEST = """mutation($input: RequestDeadlineExtensionInput!) { requestDeadlineExtension(input: $input) {
  extensionRequest { id proposedDueOn } userErrors { field message: messageEn code } } }"""
# A QUERY_CONTROL deadline from 8 February 2024 is due on the 21st; extended (7 working days), on
# the 23rd; with the 22nd declared a rest day, on the 26th (the 24th and 25th are a weekend).
EXTENDED, EXTENDED_WITH_REST_DAY = "2024-02-23", "2024-02-26"
REST_DAY = date(2024, 2, 22)


def calendar_reads(statements: Statements) -> list[str]:
    return [s for s in statements.seen if s.startswith("SELECT") and any(t in s for t in CALENDAR_TABLES)]


@pytest.fixture
async def api(ctx: AppContext) -> AsyncIterator[Api]:
    app = create_app(ctx.settings, context=ctx, run_workers=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield Api(client, ctx)


async def _deadline(ctx: AppContext) -> str:
    async with UnitOfWork(ctx) as uow:
        d = await deadlines.start_deadline(
            uow, owner_type="Case", owner_id=1, kind=DeadlineKind.QUERY_CONTROL,
            starts_on=date(2024, 2, 8), responsible_role=Role.CENTER_OFFICER,
        )
        await uow.commit()
    return to_global_id("Deadline", d.id)


async def _requested(api: Api) -> str:
    payload = (await api.gql(REQUEST, {"input": {"deadlineId": await _deadline(api.ctx), "reason": "查控反馈延迟"}},
                             as_="center"))["requestDeadlineExtension"]
    assert payload["userErrors"] == []
    return payload["extensionRequest"]["id"]


async def _proposed(api: Api) -> list[str]:
    edges = (await api.gql(PENDING, as_="chief"))["pendingExtensionRequests"]["edges"]
    return [e["node"]["proposedDueOn"] for e in edges]


async def test_a_page_of_proposed_due_dates_does_not_read_the_calendar_per_item(api) -> None:
    for _ in range(4):
        await _requested(api)
    assert await _proposed(api) == [EXTENDED] * 4
    with Statements(api.ctx) as warm:
        assert await _proposed(api) == [EXTENDED] * 4
    assert calendar_reads(warm) == []

    # Changed behind the API's back (another process, a service): the next page counts in it,
    # reading the calendar once, and the page after that not at all.
    entry = await calendar_service.add_entry(api.ctx, await viewer(api.ctx, "admin"), REST_DAY, False, "本院通知")
    with Statements(api.ctx) as changed:
        assert await _proposed(api) == [EXTENDED_WITH_REST_DAY] * 4
    assert len(calendar_reads(changed)) == 2, calendar_reads(changed)  # its entries and years, once
    with Statements(api.ctx) as warm_again:
        assert await _proposed(api) == [EXTENDED_WITH_REST_DAY] * 4
    assert calendar_reads(warm_again) == []

    await calendar_service.remove_entry(api.ctx, await viewer(api.ctx, "admin"), entry.id)
    assert await _proposed(api) == [EXTENDED] * 4


async def test_a_mutation_payload_shows_the_calendar_after_an_earlier_mutation_of_the_operation(api) -> None:
    async with api.ctx.sessionmaker() as session:  # the admin may also ask for extensions here
        admin_id = await session.scalar(sa.select(Staff.id).where(Staff.username == "admin"))
        session.add(StaffRole(staff_id=admin_id, role=Role.CENTER_OFFICER))
        await session.commit()
    await _requested(api)
    assert await _proposed(api) == [EXTENDED]  # the calendar is cached before the change

    first, second = await _deadline(api.ctx), await _deadline(api.ctx)
    operation = """mutation($entry: AddCalendarEntryInput!, $first: RequestDeadlineExtensionInput!,
                            $second: RequestDeadlineExtensionInput!) {
      before: requestDeadlineExtension(input: $first) { extensionRequest { proposedDueOn } userErrors { code } }
      addCalendarEntry(input: $entry) { entry { id date working } userErrors { code } }
      after: requestDeadlineExtension(input: $second) { extensionRequest { proposedDueOn } userErrors { code } }
    }"""
    data = await api.gql(operation, {
        "entry": {"date": REST_DAY.isoformat(), "working": False, "note": "本院通知"},
        "first": {"deadlineId": first, "reason": "查控反馈延迟"},
        "second": {"deadlineId": second, "reason": "查控反馈延迟"},
    }, as_="admin")
    assert data["before"] == {"extensionRequest": {"proposedDueOn": EXTENDED}, "userErrors": []}
    assert data["addCalendarEntry"]["userErrors"] == []
    assert data["after"] == {"extensionRequest": {"proposedDueOn": EXTENDED_WITH_REST_DAY}, "userErrors": []}
    assert await _proposed(api) == [EXTENDED_WITH_REST_DAY] * 3

    removed = await api.gql("mutation($id: ID!) { removeCalendarEntry(input: {id: $id}) { userErrors { code } } }",
                            {"id": data["addCalendarEntry"]["entry"]["id"]}, as_="admin")
    assert removed["removeCalendarEntry"]["userErrors"] == []
    assert await _proposed(api) == [EXTENDED] * 3
