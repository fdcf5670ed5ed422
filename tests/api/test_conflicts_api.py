"""Conflicting mutations sent together through GraphQL, on SQLite and PostgreSQL: one decision,
nothing twice, and the loser gets a userError with a code that says why (never a fault)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa

from exec_center.api.ids import from_global_id, to_global_id
from exec_center.db.models import (
    AuditEvent,
    CalendarEntry,
    DeadlineExtension,
    DisclosureAttempt,
    OnlineMessage,
    OutboxMessage,
    StaffRole,
    WorkItem,
)
from exec_center.domain.deadlines import DeadlineKind
from exec_center.domain.organisation import Role
from exec_center.domain.windows import SLOW_AFTER
from exec_center.integrations.channels import SimulatedReplyChannel, set_channel
from exec_center.services import deadlines
from exec_center.services.unit_of_work import UnitOfWork

ERRORS = "userErrors { field message: messageEn code }"
REQUEST = f"""mutation($input: RequestDeadlineExtensionInput!) {{ requestDeadlineExtension(input: $input) {{
  extensionRequest {{ id status }} {ERRORS} }} }}"""
DECIDE = f"""mutation($input: DecideDeadlineExtensionInput!) {{ decideDeadlineExtension(input: $input) {{
  extensionRequest {{ status toDueOn }} deadline {{ dueOn extended }} {ERRORS} }} }}"""
VISIT = f"""mutation($input: RecordVisitInput!) {{ recordVisit(input: $input) {{ visit {{ id }} {ERRORS} }} }}"""
RESOLVE = f"""mutation($input: ResolveVisitInput!) {{ resolveVisit(input: $input) {{
  visit {{ id resolved }} {ERRORS} }} }}"""
COMPLETE = f"""mutation($input: CompleteWorkItemInput!) {{ completeWorkItem(input: $input) {{
  workItem {{ id status version }} {ERRORS} }} }}"""
CLAIM = f"""mutation($input: ClaimWorkItemInput!) {{ claimWorkItem(input: $input) {{
  workItem {{ id status version }} {ERRORS} }} }}"""
INGEST = f"""mutation($input: IngestOnlineMessageInput!) {{ ingestOnlineMessage(input: $input) {{
  message {{ id }} duplicate {ERRORS} }} }}"""
CLASSIFY = f"""mutation($input: ClassifyOnlineMessageInput!) {{ classifyOnlineMessage(input: $input) {{
  message {{ id messageClass status }} {ERRORS} }} }}"""
SETTLE = f"""mutation($input: SettleReplyContentInput!) {{ settleReplyContent(input: $input) {{
  message {{ id status }} {ERRORS} }} }}"""
SEND = f"""mutation($id: ID!) {{ sendOnlineReply(input: {{id: $id}}) {{ message {{ id status }} {ERRORS} }} }}"""
DISCLOSE = f"""mutation($input: VerifiedRequestInput!) {{ discloseCaseStatus(input: $input) {{
  disclosure {{ verified }} {ERRORS} }} }}"""
ADD_ENTRY = f"""mutation($input: AddCalendarEntryInput!) {{ addCalendarEntry(input: $input) {{
  entry {{ id }} {ERRORS} }} }}"""
CREATE_STAFF = f"""mutation($input: CreateStaffInput!) {{ createStaff(input: $input) {{
  staff {{ id }} {ERRORS} }} }}"""
REVOKE = f"""mutation($input: RoleInput!) {{ revokeRole(input: $input) {{ staff {{ id }} {ERRORS} }} }}"""
WINDOWS = "{ windows { id code } }"


async def at_once(api, *requests: tuple[str, dict, str]) -> list[dict]:
    """Send the operations together; each answer's payload (the one mutation's field)."""
    bodies = await asyncio.gather(*(api.gql(q, v, as_=user) for q, v, user in requests))
    return [next(iter(body.values())) for body in bodies]


def split(payloads: list[dict]) -> tuple[list[dict], list[dict]]:
    won = [p for p in payloads if not p["userErrors"]]
    lost = [p["userErrors"][0] for p in payloads if p["userErrors"]]
    return won, lost


async def count(api, model, *where) -> int:
    async with api.ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


async def window_id(api, code: str) -> str:
    windows = (await api.gql(WINDOWS, as_="affairs"))["windows"]
    return next(w["id"] for w in windows if w["code"] == code)


async def deadline_id(api) -> str:
    async with UnitOfWork(api.ctx) as uow:
        d = await deadlines.start_deadline(uow, owner_type="Case", owner_id=1, kind=DeadlineKind.QUERY_CONTROL,
                                           starts_on=date(2024, 2, 8), responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    return to_global_id("Deadline", d.id)


# --- deadlines ------------------------------------------------------------------------------------


async def test_two_extension_requests_sent_together_leave_one_pending(api) -> None:
    deadline = await deadline_id(api)
    won, lost = split(await at_once(api, *[(REQUEST, {"input": {"deadlineId": deadline, "reason": "查控反馈延迟"}},
                                            "center")] * 2))
    assert len(won) == 1 and won[0]["extensionRequest"]["status"] == "PENDING"
    assert lost == [{"field": ["input", "deadlineId"], "code": "ALREADY_DONE",
                     "message": "an extension request for this deadline is already waiting for a decision"}]
    assert await count(api, DeadlineExtension) == 1
    assert (await api.gql("{ unreadNotificationCount }", as_="chief"))["unreadNotificationCount"] == 1


@pytest.mark.parametrize("approve_first", [True, False])
async def test_an_approval_and_a_refusal_sent_together_make_one_decision(api, approve_first) -> None:
    deadline = await deadline_id(api)
    request = (await api.gql(REQUEST, {"input": {"deadlineId": deadline, "reason": "查控反馈延迟"}},
                             as_="center"))["requestDeadlineExtension"]["extensionRequest"]["id"]
    approve = (DECIDE, {"input": {"requestId": request, "approve": True}}, "chief")
    refuse = (DECIDE, {"input": {"requestId": request, "approve": False, "note": "期限内可完成"}}, "chief")
    won, lost = split(await at_once(api, *((approve, refuse) if approve_first else (refuse, approve))))
    assert len(won) == 1 and len(lost) == 1 and lost[0]["code"] == "ALREADY_DONE"
    assert "already decided" in lost[0]["message"]
    status = won[0]["extensionRequest"]["status"]
    assert won[0]["deadline"] == ({"dueOn": "2024-02-23", "extended": True} if status == "APPROVED"
                                  else {"dueOn": "2024-02-21", "extended": False})
    notes = await api.gql("{ notifications { edges { node { kind title } } } }", as_="center")
    decided = [e["node"]["title"] for e in notes["notifications"]["edges"] if e["node"]["kind"] == "EXTENSION_DECIDED"]
    assert decided == ["延期申请" + ("批准" if status == "APPROVED" else "不予批准") + "：集约查控期限"]


# --- work items and visits ------------------------------------------------------------------------


async def open_visit(api) -> tuple[str, str]:
    """An unresolved visit at the Affairs Handling window and its work item (held by the clerk)."""
    window = await window_id(api, "affairs-handling")
    visit = (await api.gql(VISIT, {"input": {"windowId": window, "visitor": {"name": "张某"}, "purpose": "FILING",
                                             "request": "申请执行立案，材料不全"}}, as_="affairs"))["recordVisit"]
    assert visit["userErrors"] == []
    _, pk = from_global_id(visit["visit"]["id"])
    async with api.ctx.sessionmaker() as session:
        item = await session.scalar(sa.select(WorkItem.id).where(WorkItem.owner_type == "Visit",
                                                                  WorkItem.owner_id == pk))
    return visit["visit"]["id"], to_global_id("WorkItem", item)


async def test_complete_pressed_twice_and_the_visit_resolved_at_once_apply_once(api) -> None:
    visit, item = await open_visit(api)
    payloads = await at_once(api, (COMPLETE, {"input": {"id": item, "outcome": "DONE", "note": "已办结"}}, "affairs"),
                             (COMPLETE, {"input": {"id": item, "outcome": "DONE", "note": "已办结"}}, "affairs"),
                             (RESOLVE, {"input": {"id": visit, "outcome": "当场解答"}}, "affairs"))
    won, lost = split(payloads)
    assert len(won) == 1 and len(lost) == 2
    assert all(e["code"] == "ALREADY_DONE" and e["field"] == ["input", "id"] for e in lost), lost
    _, visit_pk = from_global_id(visit)
    _, item_pk = from_global_id(item)
    async with api.ctx.sessionmaker() as session:
        trail = (await session.scalars(sa.select(AuditEvent.action).where(sa.or_(
            sa.and_(AuditEvent.object_type == "Visit", AuditEvent.object_id == visit_pk),
            sa.and_(AuditEvent.object_type == "WorkItem", AuditEvent.object_id == item_pk))))).all()
    assert sorted(trail) == ["COMPLETE_WORK_ITEM", "CREATE_WORK_ITEM", "RECORD_VISIT", "RESOLVE_VISIT"]


async def test_three_claims_sent_together_one_holder(api) -> None:
    _, item = await open_visit(api)
    _, pk = from_global_id(item)
    async with api.ctx.sessionmaker() as session, session.begin():  # back on the window's worklist
        await session.execute(sa.update(WorkItem).where(WorkItem.id == pk)
                              .values(status="OPEN", assignee_id=None, claimed_at=None))
    won, lost = split(await at_once(api, *[(CLAIM, {"input": {"id": item, "version": 1}}, "affairs")] * 3))
    assert len(won) == 1 and won[0]["workItem"]["version"] == 2
    assert [e["code"] for e in lost] == ["ALREADY_CLAIMED"] * 2


# --- verified disclosure ----------------------------------------------------------------------------


async def test_a_burst_of_failed_verifications_is_slowed_as_one_by_one(api) -> None:
    window = await window_id(api, "consultation-disclosure")
    variables = {"input": {"windowId": window, "caseNumber": "（2024）粤5322执保1号",
                           "identityDocument": "445322199003150015"}}
    won, lost = split(await at_once(api, *[(DISCLOSE, variables, "consult")] * 7))
    assert len(won) == SLOW_AFTER and not any(p["disclosure"]["verified"] for p in won)
    assert [e["code"] for e in lost] == ["RATE_LIMITED"] * (7 - SLOW_AFTER)
    assert await count(api, DisclosureAttempt) == SLOW_AFTER


# --- online messages ----------------------------------------------------------------------------------


@pytest.fixture
def reply_channel() -> Iterator[SimulatedReplyChannel]:
    channel = SimulatedReplyChannel(fail_first=0)
    set_channel(channel)
    yield channel
    set_channel(None)


async def test_a_message_through_its_steps_with_every_step_sent_twice(api, reply_channel) -> None:
    message_input = {"input": {"channel": "ONLINE_12368", "externalId": "12368-0007", "senderName": "陈某",
                               "content": "申请执行需要带什么材料？"}}
    ingested = await at_once(api, *[(INGEST, message_input, "gateway")] * 3)
    assert all(p["userErrors"] == [] for p in ingested)
    assert len({p["message"]["id"] for p in ingested}) == 1
    assert sorted(p["duplicate"] for p in ingested) == [False, True, True]
    assert await count(api, OnlineMessage) == 1
    message = ingested[0]["message"]["id"]

    won, lost = split(await at_once(api, (CLASSIFY, {"input": {"id": message, "messageClass": "PROCEDURAL"}}, "consult"),
                                    (CLASSIFY, {"input": {"id": message, "messageClass": "LEGAL_QUESTION"}}, "consult")))
    assert len(won) == 1 and len(lost) == 1 and lost[0]["code"] == "ALREADY_DONE"
    assert await count(api, WorkItem, WorkItem.kind == "SEND_REPLY") == 1

    settle = (SETTLE, {"input": {"id": message, "content": "请携带申请书和生效法律文书。"}}, "consult")
    assert all(p["userErrors"] == [] for p in await at_once(api, settle, settle))

    api.ctx.publish_after_commit = False  # the delivery job is counted, not run
    won, lost = split(await at_once(api, *[(SEND, {"id": message}, "consult")] * 2))
    assert len(won) == 1 and won[0]["message"]["status"] == "SENDING"
    assert len(lost) == 1 and lost[0]["code"] == "ALREADY_DONE" and "already sent" in lost[0]["message"]
    assert await count(api, OutboxMessage, OutboxMessage.actor_name == "deliver_reply") == 1
    _, message_pk = from_global_id(message)
    assert await count(api, AuditEvent, AuditEvent.action == "SEND_REPLY", AuditEvent.object_id == message_pk) == 1


# --- admins -------------------------------------------------------------------------------------------


async def test_the_same_calendar_entry_sent_twice_is_added_once(api) -> None:
    variables = {"input": {"date": "2024-03-05", "working": False, "note": "郁南县防汛防风停工通知"}}
    won, lost = split(await at_once(api, *[(ADD_ENTRY, variables, "admin")] * 2))
    assert len(won) == 1 and lost == [{"field": ["input", "date"], "code": "ALREADY_EXISTS",
                                       "message": "2024-03-05 already has a calendar entry; remove it first to change it"}]
    assert await count(api, CalendarEntry) == 1


async def test_two_admins_revoking_each_other_together_leave_one(api) -> None:
    created = (await api.gql(CREATE_STAFF, {"input": {"username": "admin2", "name": "管理员二", "password": "password-123",
                                                      "unit": "AFFAIRS_CENTER", "roles": ["ADMIN"]}},
                             as_="admin"))["createStaff"]
    assert created["userErrors"] == [], created
    first = await api.id_of("admin")
    bodies = await asyncio.gather(
        api.gql(REVOKE, {"input": {"staffId": created["staff"]["id"], "role": "ADMIN"}}, as_="admin",
                expect_errors=True),
        api.gql(REVOKE, {"input": {"staffId": first, "role": "ADMIN"}}, as_="admin2", expect_errors=True))
    # The loser is refused FORBIDDEN, or - when the winner's revocation (which ends the loser's
    # tokens) committed before the loser's request was authenticated - UNAUTHENTICATED.
    won = [b for b in bodies if "errors" not in b and not b["data"]["revokeRole"]["userErrors"]]
    lost = [b["errors"][0]["extensions"]["code"] if "errors" in b else b["data"]["revokeRole"]["userErrors"][0]["code"]
            for b in bodies if b not in won]
    assert len(won) == 1 and lost in (["FORBIDDEN"], ["UNAUTHENTICATED"]), bodies
    assert await count(api, StaffRole, StaffRole.role == Role.ADMIN) == 1


async def test_the_same_account_created_twice_together_is_created_once(api) -> None:
    variables = {"input": {"username": "clerk9", "name": "书记员九", "password": "password-123",
                           "unit": "AFFAIRS_CENTER", "roles": ["AFFAIRS_CLERK"]}}
    won, lost = split(await at_once(api, *[(CREATE_STAFF, variables, "admin")] * 2))
    assert len(won) == 1 and len(lost) == 1 and lost[0]["code"] == "ALREADY_EXISTS"
    assert lost[0]["field"] == ["input", "username"]
