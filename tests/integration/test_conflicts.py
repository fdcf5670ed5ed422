"""Check-then-act under concurrency, through the services, on SQLite (one unit of work at a time)
and PostgreSQL (transactions race; rows are locked or updated conditionally).

Each test fires the conflicting calls together, every one in its own unit of work (its own
connection), and checks the end state: one decision, nothing twice, the loser told why."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from exec_center.db.models import (
    AuditEvent,
    CalendarEntry,
    Case,
    CaseParty,
    Deadline,
    DeadlineExtension,
    DisclosureAttempt,
    MaterialsReceipt,
    MaterialsTransfer,
    Notification,
    OnlineMessage,
    OutboxMessage,
    Petition,
    Staff,
    StaffRole,
    Team,
    Visit,
    WorkItem,
)
from exec_center.domain.access import Viewer
from exec_center.domain.case_numbers import CaseType
from exec_center.domain.deadlines import DeadlineKind, DeadlineStatus
from exec_center.domain.errors import DomainError, ErrorCode
from exec_center.domain.identifiers import PartyKind
from exec_center.domain.lifecycle import CaseStage, ClosingMethod
from exec_center.domain.organisation import Channel, Role, Unit
from exec_center.domain.windows import SLOW_AFTER, MessageClass, VisitPurpose
from exec_center.domain.work import WorkItemKind, WorkItemStatus
from exec_center.integrations.channels import SimulatedReplyChannel, set_channel
from exec_center.services import calendar as calendar_service
from exec_center.services import deadlines, messages, outbox, windows, work
from exec_center.services.auth import load_viewer
from exec_center.services.organisation import NewStaff, create_staff, set_role, set_staff_active
from exec_center.services.unit_of_work import UnitOfWork

from ..conftest import TEST_DATABASE_URL

TZ = ZoneInfo("Asia/Shanghai")
APPLICANT_ID = "445322198001011236"
STRANGER_ID = "445322199003150015"


# --- helpers ------------------------------------------------------------------------------


async def viewer(ctx, username: str) -> Viewer:
    async with ctx.sessionmaker() as session:
        staff_id = await session.scalar(sa.select(Staff.id).where(Staff.username == username))
        return await load_viewer(session, staff_id)


async def together(*calls) -> tuple[list, list[BaseException]]:
    """Run the calls at once; (results, refusals). Anything but a business refusal fails the test."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    for error in errors:
        if not isinstance(error, DomainError):
            raise error
    return [r for r in results if not isinstance(r, BaseException)], errors


async def count(ctx, model, *where) -> int:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


async def actions(ctx, object_type: str, object_id: int | None = None) -> list[str]:
    where = [AuditEvent.object_type == object_type]
    if object_id is not None:
        where.append(AuditEvent.object_id == object_id)
    async with ctx.sessionmaker() as session:
        return list((await session.scalars(sa.select(AuditEvent.action).where(*where).order_by(AuditEvent.id))).all())


async def fetch(ctx, model, pk):
    async with ctx.sessionmaker() as session:
        return await session.get(model, pk)


async def start_deadline(ctx, owner_id: int = 1, starts_on: date = date(2024, 2, 8)) -> Deadline:
    async with UnitOfWork(ctx) as uow:
        deadline = await deadlines.start_deadline(uow, owner_type="Case", owner_id=owner_id,
                                                  kind=DeadlineKind.QUERY_CONTROL, starts_on=starts_on,
                                                  responsible_role=Role.CENTER_OFFICER)
        await uow.commit()
    return deadline


async def window_of(ctx, channel: Channel) -> int:
    async with ctx.sessionmaker() as session:
        from exec_center.db.models import Window

        return await session.scalar(sa.select(Window.id).where(Window.channel == channel).order_by(Window.id))


# --- deadlines (Art. 16 extensions, the escalation sweep, recomputation) -----------------------


async def test_two_extension_requests_at_once_leave_one_pending(ctx) -> None:
    deadline = await start_deadline(ctx)
    center = await viewer(ctx, "center")
    won, lost = await together(*(deadlines.request_extension(ctx, center, deadline.id, f"理由{n}")
                                 for n in range(3)))
    assert len(won) == 1 and len(lost) == 2
    assert all(e.code is ErrorCode.ALREADY_DONE and "already waiting" in e.message for e in lost), lost
    assert await count(ctx, DeadlineExtension, DeadlineExtension.deadline_id == deadline.id) == 1
    assert await count(ctx, Notification, Notification.kind == "EXTENSION_REQUESTED") == 1  # the one chief
    assert (await actions(ctx, "Deadline", deadline.id)).count("REQUEST_EXTENSION") == 1


@pytest.mark.parametrize("round_", range(3))
async def test_an_approval_and_a_refusal_at_once_make_one_decision(ctx, round_) -> None:
    deadline = await start_deadline(ctx)
    center, chief = await viewer(ctx, "center"), await viewer(ctx, "chief")
    request = await deadlines.request_extension(ctx, center, deadline.id, "系统升级")
    approve = deadlines.decide_extension(ctx, chief, request.id, True, None)
    refuse = deadlines.decide_extension(ctx, chief, request.id, False, "期限内可完成")
    won, lost = await together(*((approve, refuse) if round_ % 2 == 0 else (refuse, approve)))
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code is ErrorCode.ALREADY_DONE and "already decided" in lost[0].message
    decided = await fetch(ctx, DeadlineExtension, request.id)
    after = await fetch(ctx, Deadline, deadline.id)
    assert decided.status == won[0].status
    if decided.status == "APPROVED":
        assert after.extended and after.due_on == date(2024, 2, 23) == decided.to_due_on
    else:
        assert not after.extended and after.due_on == date(2024, 2, 21)
    async with ctx.sessionmaker() as session:
        notices = (await session.scalars(sa.select(Notification.title).where(
            Notification.kind == "EXTENSION_DECIDED"))).all()
    assert notices == ["延期申请" + ("批准" if decided.status == "APPROVED" else "不予批准") + "：集约查控期限"]
    trail = await actions(ctx, "Deadline", deadline.id)
    assert ("EXTEND_DEADLINE" in trail) + ("REFUSE_EXTENSION" in trail) == 1


async def test_three_sweeps_at_once_escalate_each_deadline_once(ctx, clock) -> None:
    for owner in range(25):
        await start_deadline(ctx, owner_id=owner)
    clock.set(datetime(2024, 2, 20, 9, tzinfo=TZ))  # the working day before: a warning each
    results = await asyncio.gather(*(deadlines.sweep(ctx, batch=7) for _ in range(3)))
    assert sum(r.escalated for r in results) == 25
    assert await count(ctx, AuditEvent, AuditEvent.action == "ESCALATE_DEADLINE") == 25
    assert await count(ctx, Notification, Notification.kind == "DEADLINE_WARNING") == 25
    assert sum(r.escalated for r in await asyncio.gather(*(deadlines.sweep(ctx) for _ in range(3)))) == 0


async def overdue_item(ctx) -> tuple[Deadline, WorkItem]:
    deadline = await start_deadline(ctx)  # due 2024-02-21
    async with UnitOfWork(ctx) as uow:
        row = await uow.session.get(Deadline, deadline.id)
        item = await work.create(uow, kind=WorkItemKind.DEADLINE_OVERDUE, title="督办", owner_type="Test",
                                 owner_id=1, candidate_role=Role.CENTER_OFFICER, deadline=row)
        await uow.commit()
    ctx.clock.set(datetime(2024, 2, 22, 9, tzinfo=TZ))  # missed: the item's priority goes up
    return deadline, item


async def test_a_sweep_and_a_claim_at_once_both_count_in_the_version(ctx) -> None:
    deadline, item = await overdue_item(ctx)
    center = await viewer(ctx, "center")
    results = await asyncio.gather(deadlines.sweep(ctx), work.claim(ctx, center, item.id, version=1),
                                   return_exceptions=True)
    await deadlines.sweep(ctx)  # the next run (what a busy item held back, it escalates now)
    after = await fetch(ctx, WorkItem, item.id)
    claimed = not isinstance(results[1], BaseException)
    if not claimed:  # the sweep went first: the claim read version 1
        assert isinstance(results[1], DomainError) and results[1].code is ErrorCode.STALE
    assert after.priority > 1 and after.version == 2 + claimed
    assert after.status is (WorkItemStatus.CLAIMED if claimed else WorkItemStatus.OPEN)
    assert (await actions(ctx, "Deadline", deadline.id)).count("ESCALATE_DEADLINE") == 1


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="on SQLite the sweep waits its turn behind the holder")
async def test_the_sweep_does_not_wait_for_an_item_someone_is_changing(ctx) -> None:
    deadline, item = await overdue_item(ctx)
    async with UnitOfWork(ctx) as holder:  # a transaction holding the item (and wanting the deadline)
        await holder.session.execute(sa.update(WorkItem).where(WorkItem.id == item.id).values(note="…"))
        busy = await asyncio.wait_for(deadlines.sweep(ctx), timeout=30)
        assert busy.escalated == 0  # rolled back, not lost
        await holder.commit()
    assert (await deadlines.sweep(ctx)).escalated == 1
    after = await fetch(ctx, WorkItem, item.id)
    assert after.priority > 1 and after.version == 2
    assert (await actions(ctx, "Deadline", deadline.id)).count("ESCALATE_DEADLINE") == 1


async def test_a_sweep_while_a_reply_is_sent_from_the_worklist(ctx, clock, reply_channel) -> None:
    message = await ingested(ctx)
    consult = await viewer(ctx, "consult")
    await messages.classify(ctx, consult, message.id, MessageClass.PROCEDURAL)
    await messages.settle_reply(ctx, consult, message.id, "请携带申请书。")
    async with ctx.sessionmaker() as session:
        item = await session.scalar(sa.select(WorkItem).where(WorkItem.kind == WorkItemKind.SEND_REPLY))
    await work.claim(ctx, consult, item.id)
    clock.set(datetime(2024, 2, 18, 9, tzinfo=TZ))  # the reply's due day: the sweep alerts
    ctx.publish_after_commit = False
    # The completion closes the deadline the sweep escalates: both go through, one after the other.
    _, lost = await together(deadlines.sweep(ctx), work.complete(ctx, consult, item.id, "DONE"))
    assert lost == []
    after = await fetch(ctx, Deadline, message.deadline_id)
    assert after.status is DeadlineStatus.MET and (await fetch(ctx, OnlineMessage, message.id)).status == "SENDING"
    assert (await actions(ctx, "Deadline", after.id)).count("ESCALATE_DEADLINE") <= 1


async def test_recomputing_while_an_extension_is_approved_keeps_the_extension(ctx) -> None:
    deadline = await start_deadline(ctx)  # due 2024-02-21
    center, chief, admin = await viewer(ctx, "center"), await viewer(ctx, "chief"), await viewer(ctx, "admin")
    request = await deadlines.request_extension(ctx, center, deadline.id, "理由")
    ctx.publish_after_commit = False  # the recomputation runs below, at the same time as the approval
    await calendar_service.add_entry(ctx, admin, date(2024, 2, 20), False, "防汛停工通知")
    await asyncio.gather(deadlines.recompute(ctx, date(2024, 2, 20), date(2024, 2, 20)),
                         deadlines.decide_extension(ctx, chief, request.id, True, None))
    after = await fetch(ctx, Deadline, deadline.id)
    # 7 working days from 2024-02-08 without the 20th: 9, 18, 19, 21, 22, 23, 26 (Spring Festival between).
    assert after.extended and after.due_on == date(2024, 2, 26)


# --- work items -------------------------------------------------------------------------------


async def open_visit(ctx, clerk: Viewer) -> Visit:
    data = windows.VisitData(window_id=await window_of(ctx, Channel.AFFAIRS_HANDLING), visitor_name="张某",
                             purpose=VisitPurpose.FILING, request="申请执行立案，材料不全")
    return await windows.record_visit(ctx, clerk, data)


async def item_of(ctx, owner_type: str, owner_id: int) -> WorkItem:
    async with ctx.sessionmaker() as session:
        return await session.scalar(sa.select(WorkItem).where(WorkItem.owner_type == owner_type,
                                                               WorkItem.owner_id == owner_id))


async def test_completing_an_item_twice_at_once_completes_it_and_its_owner_once(ctx) -> None:
    affairs = await viewer(ctx, "affairs")
    visit = await open_visit(ctx, affairs)
    item = await item_of(ctx, "Visit", visit.id)  # claimed by the clerk who recorded the visit
    won, lost = await together(*(work.complete(ctx, affairs, item.id, "DONE", note=f"已办结{n}")
                                 for n in range(3)))
    assert len(won) == 1 and len(lost) == 2
    assert all(e.code is ErrorCode.ALREADY_DONE and "DONE" in e.message for e in lost), lost
    assert (await actions(ctx, "WorkItem", item.id)).count("COMPLETE_WORK_ITEM") == 1
    assert (await actions(ctx, "Visit", visit.id)).count("RESOLVE_VISIT") == 1  # the handler ran once
    assert (await fetch(ctx, Visit, visit.id)).outcome == won[0].note


@pytest.mark.parametrize("round_", range(3))
async def test_resolving_a_visit_while_its_item_is_completed_does_it_once(ctx, round_) -> None:
    affairs = await viewer(ctx, "affairs")
    visit = await open_visit(ctx, affairs)
    item = await item_of(ctx, "Visit", visit.id)
    calls = [windows.resolve_visit(ctx, affairs, visit.id, "当场解答"),
             work.complete(ctx, affairs, item.id, "DONE", note="已办结")]
    won, lost = await together(*(calls if round_ % 2 == 0 else calls[::-1]))
    assert len(won) == 1 and len(lost) == 1 and lost[0].code is ErrorCode.ALREADY_DONE, lost
    assert (await actions(ctx, "Visit", visit.id)).count("RESOLVE_VISIT") == 1
    assert (await actions(ctx, "WorkItem", item.id)).count("COMPLETE_WORK_ITEM") == 1
    assert (await fetch(ctx, Visit, visit.id)).resolved
    assert (await fetch(ctx, WorkItem, item.id)).status is WorkItemStatus.DONE


async def test_closing_a_first_contact_twice_at_once_closes_it_once(ctx) -> None:
    from exec_center.domain.windows import FirstContactReason

    affairs = await viewer(ctx, "affairs")
    contact = await windows.record_first_contact(ctx, affairs, await window_of(ctx, Channel.AFFAIRS_HANDLING),
                                                 "李某", FirstContactReason.NOT_THIS_COURT, "民诉法第二百三十一条",
                                                 "告知向有管辖权的法院申请")
    item = await item_of(ctx, "FirstContact", contact.id)
    await work.claim(ctx, affairs, item.id)
    won, lost = await together(windows.close_first_contact(ctx, affairs, contact.id, "已告知"),
                               windows.close_first_contact(ctx, affairs, contact.id, "已告知"),
                               work.complete(ctx, affairs, item.id, "DONE", note="已办结"))
    assert len(won) == 1 and len(lost) == 2
    assert all(e.code is ErrorCode.ALREADY_DONE for e in lost), lost
    assert (await actions(ctx, "FirstContact", contact.id)).count("CLOSE_FIRST_CONTACT") == 1
    assert (await actions(ctx, "WorkItem", item.id)).count("COMPLETE_WORK_ITEM") == 1


async def test_a_petition_answered_from_both_worklists_at_once_is_answered_once(ctx) -> None:
    consult, head, lead = await viewer(ctx, "consult"), await viewer(ctx, "center-head"), await viewer(ctx, "impl1-lead")
    petition = await windows.record_petition(ctx, consult, await window_of(ctx, Channel.CONSULTATION_DISCLOSURE),
                                             "陈某", "反映执行进度缓慢", None)
    async with ctx.sessionmaker() as session:
        team = await session.scalar(sa.select(Team.id).where(Team.code == "impl-1"))
    async with UnitOfWork(ctx) as uow:  # as for a petition about a case of team 1: its lead's item too
        await work.create(uow, kind=WorkItemKind.PETITION, owner_type="Petition", owner_id=petition.id,
                          team_id=team, candidate_role=Role.IMPLEMENTATION_LEAD, title="执行信访：陈某")
        await uow.commit()
    async with ctx.sessionmaker() as session:
        items = (await session.scalars(sa.select(WorkItem).where(WorkItem.owner_type == "Petition")
                                       .order_by(WorkItem.id))).all()
    await work.claim(ctx, head, items[0].id)
    await work.claim(ctx, lead, items[1].id)
    won, lost = await together(work.complete(ctx, head, items[0].id, "DONE", note="已答复：中心督促承办团队"),
                               work.complete(ctx, lead, items[1].id, "DONE", note="已答复：团队正在办理"))
    assert len(won) == 1 and len(lost) == 1, lost
    assert lost[0].code in {ErrorCode.ALREADY_DONE, ErrorCode.NOT_ALLOWED_IN_STAGE}, lost
    answered = await fetch(ctx, Petition, petition.id)
    assert answered.status == "ANSWERED" and answered.answer == won[0].note
    assert (await actions(ctx, "Petition", petition.id)).count("ANSWER_PETITION") == 1
    assert [i.status for i in [await fetch(ctx, WorkItem, i.id) for i in items]] == [WorkItemStatus.DONE] * 2
    for i in items:
        assert (await actions(ctx, "WorkItem", i.id)).count("COMPLETE_WORK_ITEM") == 1


# --- windows: materials, verified disclosure, resumption ------------------------------------------


async def test_materials_received_at_once_are_numbered_one_by_one(ctx) -> None:
    affairs = await viewer(ctx, "affairs")
    window = await window_of(ctx, Channel.AFFAIRS_HANDLING)
    receipts, lost = await together(*(windows.receive_materials(ctx, affairs, window, f"递交人{n}",
                                                                [("申请书", 1)], None) for n in range(6)))
    assert lost == []
    first = min(r.sequence for r in receipts)
    assert sorted(r.sequence for r in receipts) == list(range(first, first + 6))
    assert len({r.number for r in receipts}) == 6


async def test_materials_handed_on_twice_at_once_go_to_one_holder(ctx) -> None:
    affairs = await viewer(ctx, "affairs")
    receipt = await windows.receive_materials(ctx, affairs, await window_of(ctx, Channel.AFFAIRS_HANDLING),
                                              "陈某", [("申请书", 1)], None)
    center, head = await viewer(ctx, "center"), await viewer(ctx, "center-head")
    won, lost = await together(windows.transfer_materials(ctx, affairs, receipt.id, center.staff_id, None),
                               windows.transfer_materials(ctx, affairs, receipt.id, head.staff_id, None))
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code is ErrorCode.FORBIDDEN and "current holder" in lost[0].message
    assert await count(ctx, MaterialsTransfer, MaterialsTransfer.receipt_id == receipt.id) == 1
    assert (await fetch(ctx, MaterialsReceipt, receipt.id)).holder_id == won[0].holder_id
    assert await count(ctx, Notification, Notification.kind == "MATERIALS_TRANSFERRED") == 1


async def test_a_burst_of_wrong_identity_documents_is_counted_one_by_one(ctx) -> None:
    consult = await viewer(ctx, "consult")
    window = await window_of(ctx, Channel.CONSULTATION_DISCLOSURE)
    won, lost = await together(*(windows.disclose_case_status(ctx, consult, window, "（2024）粤5322执保1号",
                                                              STRANGER_ID) for _ in range(8)))
    # Three failures pass (and are not verified); from then on each attempt must wait.
    assert len(won) == SLOW_AFTER and not any(a.verified for a in won)
    assert len(lost) == 8 - SLOW_AFTER and all(e.code is ErrorCode.RATE_LIMITED for e in lost), lost
    assert await count(ctx, DisclosureAttempt) == SLOW_AFTER


async def closed_zhi_case(ctx) -> Case:
    """A 执 case closed by termination of the current procedure (终本), with its applicant."""
    async with ctx.sessionmaker() as session, session.begin():
        case = Case(number="（2023）粤5322执88号", court_code="粤5322", case_type=CaseType.ZHI, year=2023,
                    sequence=88, stage=CaseStage.CLOSED, received_on=date(2023, 5, 1),
                    claim_amount=Decimal("80000"), title_document_number="（2022）粤5322民初9号",
                    title_kind="JUDGMENT", closing_method=ClosingMethod.TERMINATED_CURRENT_PROCEDURE,
                    controlled_total=Decimal(0), fully_controlled=False, created_at=ctx.clock.now(), version=1)
        session.add(case)
        await session.flush()
        session.add(CaseParty(case_id=case.id, side="APPLICANT", kind=PartyKind.PERSON, name="陈某",
                              id_type="RESIDENT_ID", id_number=APPLICANT_ID, position=0))
    return case


async def test_resumption_applied_for_twice_at_once_opens_one_case(ctx) -> None:
    original = await closed_zhi_case(ctx)
    consult = await viewer(ctx, "consult")
    window = await window_of(ctx, Channel.CONSULTATION_DISCLOSURE)
    resumed, lost = await together(*(windows.apply_resume_execution(ctx, consult, window, original.number,
                                                                    APPLICANT_ID, "发现新财产线索")
                                     for _ in range(2)))
    assert lost == [] and len({c.id for c in resumed}) == 1  # the repeat is answered with the same case
    assert await count(ctx, Case, Case.origin_case_id == original.id) == 1
    assert resumed[0].number == "（2024）粤5322执恢1号"
    assert await count(ctx, WorkItem, WorkItem.case_id == resumed[0].id) == 1


# --- online messages ----------------------------------------------------------------------------


@pytest.fixture
def reply_channel():
    channel = SimulatedReplyChannel(fail_first=0)
    set_channel(channel)
    yield channel
    set_channel(None)


async def ingested(ctx, external_id: str = "12368-0001") -> OnlineMessage:
    gateway = await viewer(ctx, "gateway")
    data = messages.IngestData(channel=Channel.ONLINE_12368, external_id=external_id, sender_name="陈某",
                               content="申请执行需要带什么材料？")
    message, _ = await messages.ingest(ctx, gateway, data)
    return message


async def test_one_message_ingested_three_times_at_once_is_stored_once(ctx) -> None:
    gateway = await viewer(ctx, "gateway")
    data = messages.IngestData(channel=Channel.ONLINE_12368, external_id="12368-0042", sender_name="陈某",
                               content="申请执行需要带什么材料？")
    results, lost = await together(*(messages.ingest(ctx, gateway, data) for _ in range(3)))
    assert lost == []
    assert len({m.id for m, _ in results}) == 1 and sorted(d for _, d in results) == [False, True, True]
    assert await count(ctx, OnlineMessage) == 1
    assert await count(ctx, Deadline, Deadline.owner_type == "OnlineMessage") == 1
    assert await count(ctx, WorkItem, WorkItem.kind == WorkItemKind.CLASSIFY_MESSAGE) == 1


async def test_a_message_classified_twice_at_once_is_routed_once(ctx) -> None:
    message = await ingested(ctx)
    consult = await viewer(ctx, "consult")
    won, lost = await together(messages.classify(ctx, consult, message.id, MessageClass.PROCEDURAL),
                               messages.classify(ctx, consult, message.id, MessageClass.SUBSTANTIVE))
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code is ErrorCode.ALREADY_DONE and "already classified" in lost[0].message
    stored = await fetch(ctx, OnlineMessage, message.id)
    assert stored.message_class is won[0].message_class and stored.status == "DRAFTING"
    routed = await count(ctx, WorkItem, WorkItem.owner_type == "OnlineMessage",
                         WorkItem.kind.in_((WorkItemKind.SEND_REPLY, WorkItemKind.DRAFT_REPLY)))
    assert routed == 1
    assert (await actions(ctx, "OnlineMessage", message.id)).count("CLASSIFY_ONLINE_MESSAGE") == 1


async def test_a_reply_settled_twice_at_once_goes_back_to_the_window_once(ctx) -> None:
    message = await ingested(ctx)
    consult = await viewer(ctx, "consult")
    await messages.classify(ctx, consult, message.id, MessageClass.SUBSTANTIVE)
    center = await viewer(ctx, "center")  # no case: the centre officers settle the content
    won, lost = await together(messages.settle_reply(ctx, center, message.id, "答复一"),
                               messages.settle_reply(ctx, center, message.id, "答复二"))
    assert lost == [] and len(won) == 2  # the second is a revision
    assert await count(ctx, WorkItem, WorkItem.owner_type == "OnlineMessage",
                       WorkItem.kind == WorkItemKind.SEND_REPLY) == 1
    trail = await actions(ctx, "OnlineMessage", message.id)
    assert trail.count("SETTLE_REPLY") == 2
    stored = await fetch(ctx, OnlineMessage, message.id)
    assert stored.status == "READY" and stored.reply_content in {"答复一", "答复二"}


async def test_a_reply_sent_twice_at_once_and_from_the_worklist_goes_once(ctx, reply_channel) -> None:
    message = await ingested(ctx)
    consult = await viewer(ctx, "consult")
    await messages.classify(ctx, consult, message.id, MessageClass.PROCEDURAL)
    await messages.settle_reply(ctx, consult, message.id, "请携带申请书、生效法律文书副本和身份证明。")
    async with ctx.sessionmaker() as session:
        item = await session.scalar(sa.select(WorkItem).where(WorkItem.owner_type == "OnlineMessage",
                                                               WorkItem.kind == WorkItemKind.SEND_REPLY))
    await work.claim(ctx, consult, item.id)
    ctx.publish_after_commit = False
    won, lost = await together(messages.send_reply(ctx, consult, message.id),
                               messages.send_reply(ctx, consult, message.id),
                               work.complete(ctx, consult, item.id, "DONE"))
    assert len(won) == 1 and len(lost) == 2 and all(e.code is ErrorCode.ALREADY_DONE for e in lost), lost
    assert await count(ctx, OutboxMessage, OutboxMessage.actor_name == "deliver_reply") == 1
    assert (await actions(ctx, "OnlineMessage", message.id)).count("SEND_REPLY") == 1
    assert (await actions(ctx, "Deadline", message.deadline_id)).count("CLOSE_DEADLINE") == 1
    assert (await actions(ctx, "WorkItem", item.id)).count("COMPLETE_WORK_ITEM") == 1
    # The delivery job twice at once (a redelivery, the reconciler): delivered once.
    delivered = await asyncio.gather(messages.deliver(ctx, message.id), messages.deliver(ctx, message.id))
    assert any(delivered)
    stored = await fetch(ctx, OnlineMessage, message.id)
    assert stored.status == "DELIVERED" and stored.delivery_attempts == 1
    assert reply_channel.delivered_count("ONLINE_12368", "12368-0001") == 1
    assert (await actions(ctx, "OnlineMessage", message.id)).count("DELIVER_REPLY") == 1


# --- the court calendar -------------------------------------------------------------------------


async def test_the_same_calendar_entry_added_twice_at_once_is_added_once(ctx) -> None:
    admin = await viewer(ctx, "admin")
    ctx.publish_after_commit = False
    won, lost = await together(*(calendar_service.add_entry(ctx, admin, date(2024, 3, 5), False, "停工通知")
                                 for _ in range(2)))
    assert len(won) == 1 and len(lost) == 1 and lost[0].code is ErrorCode.ALREADY_EXISTS, lost
    assert await count(ctx, CalendarEntry) == 1
    assert await count(ctx, OutboxMessage, OutboxMessage.actor_name == "recompute_deadlines") == 1
    removed, lost = await together(*(calendar_service.remove_entry(ctx, admin, won[0].id) for _ in range(2)))
    assert len(removed) == 1 and len(lost) == 1 and lost[0].code is ErrorCode.NOT_FOUND, lost
    assert await count(ctx, CalendarEntry) == 0
    assert await count(ctx, OutboxMessage, OutboxMessage.actor_name == "recompute_deadlines") == 2


async def test_a_year_confirmed_twice_at_once_is_confirmed_once(ctx) -> None:
    await start_deadline(ctx, starts_on=date(2035, 12, 20))  # asks the admins to confirm 2035
    admin = await viewer(ctx, "admin")
    won, lost = await together(*(calendar_service.confirm_year(ctx, admin, 2035, "国务院办公厅通知")
                                 for _ in range(2)))
    assert won == [2035] and len(lost) == 1 and lost[0].code is ErrorCode.ALREADY_DONE, lost
    assert await count(ctx, AuditEvent, AuditEvent.action == "CONFIRM_CALENDAR_YEAR") == 1
    assert await count(ctx, AuditEvent, AuditEvent.action == "COMPLETE_WORK_ITEM",
                       AuditEvent.summary == "2035年工作日历已确认") == 1


async def test_deadlines_started_at_once_in_an_unconfirmed_year_ask_once(ctx) -> None:
    await asyncio.gather(*(start_deadline(ctx, owner_id=n, starts_on=date(2035, 12, 20)) for n in range(3)))
    assert await count(ctx, WorkItem, WorkItem.kind == WorkItemKind.CONFIRM_CALENDAR_YEAR) == 1


# --- the outbox relay ---------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list]] = []

    def publish(self, actor_name: str, args) -> None:
        self.sent.append((actor_name, list(args)))


async def test_relays_at_once_send_each_row_once(ctx) -> None:
    ctx.publish_after_commit = False
    async with UnitOfWork(ctx) as uow:
        for n in range(30):
            uow.enqueue("outbox_probe_never_declared", n)
        await uow.commit()
    recorder = Recorder()
    relaying = dataclasses.replace(ctx, publisher=recorder)
    sent = await asyncio.gather(*(outbox.relay(relaying) for _ in range(3)))
    assert sum(sent) == 30
    assert sorted(args[0] for _, args in recorder.sent) == list(range(30))
    assert await count(ctx, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0


# --- the organisation (admins) ------------------------------------------------------------------


async def second_admin(ctx) -> Viewer:
    admin = await viewer(ctx, "admin")
    await create_staff(ctx, admin, NewStaff("admin2", "管理员二", "password-123", Unit.AFFAIRS_CENTER,
                                            (Role.ADMIN,)))
    return await viewer(ctx, "admin2")


async def test_two_admins_revoking_each_other_at_once_leave_one_admin(ctx) -> None:
    first, second = await viewer(ctx, "admin"), await second_admin(ctx)
    won, lost = await together(set_role(ctx, first, second.staff_id, Role.ADMIN, False),
                               set_role(ctx, second, first.staff_id, Role.ADMIN, False))
    assert len(won) == 1 and len(lost) == 1 and lost[0].code is ErrorCode.FORBIDDEN, lost
    assert await count(ctx, StaffRole, StaffRole.role == Role.ADMIN) == 1
    assert await count(ctx, AuditEvent, AuditEvent.action == "REVOKE_ROLE") == 1


async def test_two_admins_disabling_each_other_at_once_leave_one_admin(ctx) -> None:
    first, second = await viewer(ctx, "admin"), await second_admin(ctx)
    won, lost = await together(set_staff_active(ctx, first, second.staff_id, False),
                               set_staff_active(ctx, second, first.staff_id, False))
    assert len(won) == 1 and len(lost) == 1 and lost[0].code is ErrorCode.FORBIDDEN, lost
    async with ctx.sessionmaker() as session:
        active_admins = await session.scalar(
            sa.select(sa.func.count()).select_from(StaffRole).join(Staff, Staff.id == StaffRole.staff_id)
            .where(StaffRole.role == Role.ADMIN, Staff.active.is_(True)))
    assert active_admins == 1


async def test_the_same_grant_and_the_same_account_twice_at_once_make_one_row(ctx) -> None:
    admin = await viewer(ctx, "admin")
    impl2 = await viewer(ctx, "impl2")
    won, lost = await together(*(set_role(ctx, admin, impl2.staff_id, Role.CENTER_OFFICER, True) for _ in range(3)))
    assert lost == [] and len(won) == 3
    assert await count(ctx, StaffRole, StaffRole.staff_id == impl2.staff_id,
                       StaffRole.role == Role.CENTER_OFFICER) == 1
    assert (await actions(ctx, "Staff", impl2.staff_id)).count("GRANT_ROLE") == 1
    data = NewStaff("clerk9", "书记员九", "password-123", Unit.AFFAIRS_CENTER, (Role.AFFAIRS_CLERK,))
    won, lost = await together(*(create_staff(ctx, admin, data) for _ in range(2)))
    assert len(won) == 1 and len(lost) == 1 and lost[0].code is ErrorCode.ALREADY_EXISTS, lost
    assert await count(ctx, Staff, Staff.username == "clerk9") == 1


async def test_a_staff_member_disabled_twice_at_once_is_disabled_once(ctx) -> None:
    admin = await viewer(ctx, "admin")
    impl2 = await viewer(ctx, "impl2")
    await together(*(set_staff_active(ctx, admin, impl2.staff_id, False) for _ in range(2)))
    assert (await actions(ctx, "Staff", impl2.staff_id)).count("DISABLE_STAFF") == 1
    assert (await fetch(ctx, Staff, impl2.staff_id)).active is False


async def test_deadline_status_after_the_decision_is_consistent(ctx) -> None:
    """A closed deadline cannot be extended even when the approval races the closing."""
    deadline = await start_deadline(ctx)
    center, chief = await viewer(ctx, "center"), await viewer(ctx, "chief")
    request = await deadlines.request_extension(ctx, center, deadline.id, "理由")

    async def close() -> None:
        async with UnitOfWork(ctx) as uow:
            row = await uow.session.get(Deadline, deadline.id, with_for_update=True)
            deadlines.close_deadline(uow, row, date(2024, 2, 20))
            await uow.commit()

    results = await asyncio.gather(close(), deadlines.decide_extension(ctx, chief, request.id, True, None),
                                   return_exceptions=True)
    after = await fetch(ctx, Deadline, deadline.id)
    assert after.status is DeadlineStatus.MET
    decided = await fetch(ctx, DeadlineExtension, request.id)
    if isinstance(results[1], BaseException):  # closed first: the approval is refused
        assert isinstance(results[1], DomainError) and results[1].code is ErrorCode.NOT_ALLOWED_IN_STAGE
        assert decided.status == "PENDING" and not after.extended
    else:
        assert decided.status == "APPROVED" and after.extended and after.due_on == decided.to_due_on
