"""Online messages (Arts. 12–13): messages left on the 12368 platform and in the Smart Execution
app, from the channel gateway to a delivered reply.

ingest (the gateway, INTEGRATION) → NEW, a CLASSIFY_MESSAGE item at the channel's window and the
ONLINE_REPLY deadline (2 working days from receipt) → classify (the consultation clerk):
procedural and legal questions stay with the clerk (SEND_REPLY at the window), substantive and
case-specific ones go to the case's handler, its team, or the centre officers (DRAFT_REPLY) →
DRAFTING → the reply's content is settled → READY (SEND_REPLY back at the window) → send (the
clerk; closes the deadline by the send date) → SENDING → the `deliver_reply` actor delivers through
the channel port, retried until it goes out → DELIVERED.

Personal data: the sender's phone and the content stay in the database and go to the channel;
logs, audit summaries, work-item titles and job messages carry ids, channels and external ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..calendar import FIRST_YEAR, LAST_YEAR, CalendarRangeError
from ..context import AppContext
from ..db.models import Case, Deadline, OnlineMessage, Window, WorkItem
from ..domain.access import Viewer, require_role
from ..domain.case_numbers import EXAMPLE, CaseNumber, InvalidCaseNumber
from ..domain.deadlines import DeadlineKind
from ..domain.errors import DomainError, ErrorCode, Forbidden, NotFound
from ..domain.identifiers import InvalidIdentifier, validate_mobile_phone
from ..domain.labels import LabelledEnum
from ..domain.organisation import MACHINE_ROLES, ONLINE_CHANNELS, Channel, Role
from ..domain.windows import WINDOW_ANSWERS, MessageClass, suggest_class
from ..domain.work import WorkItemKind, WorkItemStatus
from ..integrations.channels import ChannelUnavailable, channel_for, set_channel
from . import deadlines as deadline_service
from . import notifications, work
from .unit_of_work import UnitOfWork

__all__ = [
    "MESSAGE",
    "READER_ROLES",
    "DeliveryPending",
    "IngestData",
    "MessageStatus",
    "channel_for",
    "classify",
    "deliver",
    "give_up_delivery",
    "ingest",
    "readable_condition",
    "reconcile",
    "send_reply",
    "set_channel",
    "settle_reply",
]

log = logging.getLogger(__name__)

MESSAGE = "OnlineMessage"  # owner_type of its deadline and work items, object_type of its audit
_OUTCOMES_ZH = {"SETTLED": "答复内容已确定", "SENT": "答复已发送"}


def _outcome_zh(outcome: str) -> str:
    """How a message's work item ended, in history entries (a classification by its label)."""
    if outcome in _OUTCOMES_ZH:
        return _OUTCOMES_ZH[outcome]
    try:
        return f"分类为“{MessageClass(outcome).label}”"
    except ValueError:
        return outcome
# The gateway's clock and ours may differ a little; a message from further in the future is refused.
CLOCK_SKEW = timedelta(minutes=5)
# A reply SENDING this long with no attempt recorded lost its wake-up call: wake it again.
RECONCILE_AFTER = timedelta(minutes=10)
# Who reads every message: the consultation post, the centre head and the supervisors.
READER_ROLES = frozenset({Role.CONSULTATION_CLERK, Role.CENTER_HEAD, Role.BUREAU_CHIEF, Role.COMMAND_CENTER})


class MessageStatus(LabelledEnum):
    NEW = "NEW", "待分类"
    DRAFTING = "DRAFTING", "待确定答复内容"
    READY = "READY", "待发送"
    SENDING = "SENDING", "发送中"
    DELIVERED = "DELIVERED", "已送达"


_S = MessageStatus
_ONLINE = [c for c in Channel if c in ONLINE_CHANNELS]
_ALLOWED_CHANNELS = ", ".join(c.value for c in _ONLINE)
_ALLOWED_CHANNELS_ZH = "、".join(c.label for c in _ONLINE)
_CLASSES = ", ".join(c.value for c in MessageClass)
_CLASSES_ZH = "、".join(c.label for c in MessageClass)


class DeliveryPending(Exception):
    """The channel did not take the reply yet; the actor is retried with backoff."""


# --- shared checks ----------------------------------------------------------------------


def _text(
    value: str | None, field: str, what: str, zh_what: str, limit: int, *, required: bool = True
) -> str | None:
    """Typed text, stripped; `what` names it in English, `zh_what` in zh-CN."""
    if value is None or not value.strip():
        if required:
            raise DomainError(
                f"{what} is required", zh=f"请填写{zh_what}", field=field, code=ErrorCode.REQUIRED
            )
        return None
    value = value.strip()
    if len(value) > limit:
        raise DomainError(
            f"{what} may be at most {limit} characters",
            zh=f"{zh_what}不得超过{limit}个字",
            field=field,
            code=ErrorCode.OUT_OF_RANGE,
        )
    return value


def _status(message: OnlineMessage) -> MessageStatus:
    return MessageStatus(message.status)


async def _load(uow: UnitOfWork, message_id: int, *, lock: bool = False) -> OnlineMessage:
    """The message; `lock`: as it is now, locked until the unit of work ends (every decision on a
    message's status is taken on the locked row, before its work items are touched)."""
    if lock:
        message = await work.locked(uow, OnlineMessage, message_id)
    else:
        message = await uow.session.get(OnlineMessage, message_id)
    if message is None:
        raise NotFound("online message", "网上留言")
    return message


async def _window(uow: UnitOfWork, message: OnlineMessage) -> Window:
    window = await uow.session.get(Window, message.window_id)
    assert window is not None
    return window


async def _require_clerk(
    uow: UnitOfWork, viewer: Viewer, message: OnlineMessage, action: str, zh_action: str
) -> None:
    """The consultation clerks who staff the message's window act on it (the centre head too)."""
    if viewer.has(Role.CENTER_HEAD) or (
        viewer.has(Role.CONSULTATION_CLERK) and message.window_id in viewer.window_ids
    ):
        return
    window = await _window(uow, message)
    raise Forbidden(
        f"{action} is for the consultation clerks (CONSULTATION_CLERK) who staff window {window.code}",
        zh=f"{zh_action}由{window.name}的{Role.CONSULTATION_CLERK.label}办理",
    )


async def _case_by_number(uow: UnitOfWork, number: str) -> Case:
    try:
        normalised = str(CaseNumber.parse(number))
    except InvalidCaseNumber as error:
        raise DomainError(error.message, zh=error.zh, field="caseNumber", code=ErrorCode.BAD_FORMAT) from None
    case = await uow.session.scalar(sa.select(Case).where(Case.number == normalised))
    if case is None:
        raise NotFound(f"case {normalised}", f"案件{normalised}", field="caseNumber")
    return case


async def _match_case(session: AsyncSession, number: str | None) -> tuple[Case | None, str | None]:
    """The case a sender cites, if it exists; a typo never loses the message."""
    if number is None or not number.strip():
        return None, None
    try:
        normalised = str(CaseNumber.parse(number))
    except InvalidCaseNumber:
        return None, None
    case = await session.scalar(sa.select(Case).where(Case.number == normalised))
    return case, normalised


async def _deadline(uow: UnitOfWork, message: OnlineMessage, *, lock: bool = False) -> Deadline | None:
    if message.deadline_id is None:
        return None
    if lock:  # before the message's items (see services.work on lock order)
        return await work.locked(uow, Deadline, message.deadline_id)
    return await uow.session.get(Deadline, message.deadline_id)


def _label(message: OnlineMessage) -> str:
    """How worklists and notifications name a message: channel and external id, nothing personal."""
    return f"{message.channel.label}留言{message.external_id}"


async def _finish_items(
    uow: UnitOfWork, message: OnlineMessage, kinds: set[WorkItemKind], outcome: str
) -> None:
    """The message moved on: its open items of `kinds` are done."""
    await work.finish_active(
        uow,
        WorkItem.owner_type == MESSAGE,
        WorkItem.owner_id == message.id,
        WorkItem.kind.in_(kinds),
        outcome=outcome,
        summary=lambda kind: f"{kind.label}：{_outcome_zh(outcome)}",
    )


async def _send_item(uow: UnitOfWork, message: OnlineMessage, title: str) -> WorkItem:
    return await work.create(
        uow,
        kind=WorkItemKind.SEND_REPLY,
        title=f"{_label(message)} {title}",
        owner_type=MESSAGE,
        owner_id=message.id,
        candidate_role=Role.CONSULTATION_CLERK,
        window_id=message.window_id,
        deadline=await _deadline(uow, message),
    )


# --- ingest (the channel gateway) -------------------------------------------------------


@dataclass(frozen=True)
class IngestData:
    channel: Channel
    external_id: str
    sender_name: str
    content: str
    received_at: datetime | None = None  # default: now; a naive time is court time
    sender_phone: str | None = None
    case_number: str | None = None


def _check_ingest(data: IngestData, now: datetime, ctx: AppContext) -> IngestData:
    if data.channel not in ONLINE_CHANNELS:
        raise DomainError(
            f"{data.channel.value} is not an online channel; messages come from {_ALLOWED_CHANNELS}",
            zh=f"{data.channel.label}不是网上渠道；网上留言来自{_ALLOWED_CHANNELS_ZH}",
            field="channel",
            code=ErrorCode.INVALID,
        )
    external_id = _text(data.external_id, "externalId", "the channel's message id", "渠道留言编号", 100) or ""
    sender_name = _text(data.sender_name, "senderName", "the sender's name", "留言人姓名", 100) or ""
    content = _text(data.content, "content", "the message", "留言内容", 4000) or ""
    phone = None
    if data.sender_phone is not None and data.sender_phone.strip():
        try:
            phone = validate_mobile_phone(data.sender_phone)
        except InvalidIdentifier as error:
            raise DomainError(
                error.message, zh=error.zh, field="senderPhone", code=ErrorCode.BAD_FORMAT
            ) from None
    received_at = data.received_at or now
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=ctx.settings.tz)
    if received_at > now + CLOCK_SKEW:
        when = received_at.isoformat(timespec="minutes")
        raise DomainError(
            f"receivedAt {when} is in the future; give when the message was left (ISO 8601 with offset)",
            zh=f"收到时间 {when} 晚于当前时间；请填写留言的实际时间（ISO 8601 格式，含时区）",
            field="receivedAt",
            code=ErrorCode.OUT_OF_RANGE,
        )
    case_number = data.case_number.strip() if data.case_number and data.case_number.strip() else None
    if case_number is not None and len(case_number) > 40:
        raise DomainError(
            "caseNumber may be at most 40 characters",
            zh="案号不得超过40个字",
            field="caseNumber",
            code=ErrorCode.OUT_OF_RANGE,
        )
    return IngestData(
        channel=data.channel,
        external_id=external_id,
        sender_name=sender_name,
        content=content,
        received_at=received_at.astimezone(now.tzinfo),
        sender_phone=phone,
        case_number=case_number,
    )


async def _stored(ctx: AppContext, channel: Channel, external_id: str) -> OnlineMessage | None:
    async with ctx.sessionmaker() as session:
        return await session.scalar(
            sa.select(OnlineMessage).where(
                OnlineMessage.channel == channel, OnlineMessage.external_id == external_id
            )
        )


async def ingest(ctx: AppContext, viewer: Viewer, data: IngestData) -> tuple[OnlineMessage, bool]:
    """Store a message from a channel gateway once; returns (message, duplicate). A message seen
    before (same channel and external id) is returned as stored and nothing changes."""
    require_role(
        viewer,
        Role.INTEGRATION,
        action="ingesting an online message (the channel gateway)",
        action_zh="接收网上留言（渠道网关）",
    )
    data = _check_ingest(data, ctx.clock.now(), ctx)
    try:
        return await _store(ctx, viewer, data)
    except IntegrityError:  # the same message from two gateway calls at once: the other won
        existing = await _stored(ctx, data.channel, data.external_id)
        if existing is None:
            raise
        return existing, True


async def _store(ctx: AppContext, viewer: Viewer, data: IngestData) -> tuple[OnlineMessage, bool]:
    assert data.received_at is not None
    async with UnitOfWork(ctx, viewer) as uow:
        existing = await uow.session.scalar(
            sa.select(OnlineMessage).where(
                OnlineMessage.channel == data.channel, OnlineMessage.external_id == data.external_id
            )
        )
        if existing is not None:  # seen before: returned as stored, nothing changes
            uow.session.expunge(existing)  # as read: the rollback on leaving would expire it
            return existing, True
        window = await uow.session.scalar(
            sa.select(Window).where(Window.channel == data.channel).order_by(Window.id).limit(1)
        )
        if window is None:
            raise DomainError(
                f"no window serves {data.channel.value}; an administrator sets one up first",
                zh=f"尚无受理{data.channel.label}留言的窗口，请管理员先行设置",
                field="channel",
                code=ErrorCode.NOT_ALLOWED,
            )
        case, cited = await _match_case(uow.session, data.case_number)
        suggested = suggest_class(data.content, data.case_number)
        message = OnlineMessage(
            channel=data.channel,
            external_id=data.external_id,
            window_id=window.id,
            case_id=case.id if case else None,
            sender_name=data.sender_name,
            sender_phone=data.sender_phone,
            content=data.content,
            received_at=data.received_at,
            suggested_class=suggested,
            message_class=None,
            status=_S.NEW.value,
            delivery_attempts=0,
            created_at=uow.now,
        )
        uow.session.add(message)
        await uow.session.flush()  # a duplicate racing in fails here, before anything else
        received_on = data.received_at.astimezone(ctx.settings.tz).date()
        try:  # Arts. 12–13: reply within 2 working days of receipt (a rule, as data)
            deadline = await deadline_service.start_deadline(
                uow,
                owner_type=MESSAGE,
                owner_id=message.id,
                kind=DeadlineKind.ONLINE_REPLY,
                starts_on=received_on,
                responsible_role=Role.CONSULTATION_CLERK,
            )
        except DomainError as error:
            raise DomainError(
                f"receivedAt {received_on}: {error.message}",
                zh=f"收到日期 {received_on}：{error.zh}",
                field="receivedAt",
                code=error.code,
            ) from None
        except CalendarRangeError as error:
            raise DomainError(
                f"receivedAt {received_on}: {error}",
                zh=f"收到日期 {received_on} 超出工作日历的范围（{FIRST_YEAR}年至{LAST_YEAR}年）",
                field="receivedAt",
                code=ErrorCode.OUT_OF_RANGE,
            ) from None
        message.deadline_id = deadline.id
        await work.create(
            uow,
            kind=WorkItemKind.CLASSIFY_MESSAGE,
            title=f"{_label(message)} 待分类" + (f"（{case.number}）" if case else ""),
            owner_type=MESSAGE,
            owner_id=message.id,
            candidate_role=Role.CONSULTATION_CLERK,
            window_id=window.id,
            deadline=deadline,
        )
        summary = f"收到{data.channel.label}留言（{data.external_id}）；建议分类：{suggested.label}"
        if case is not None:
            summary += f"；涉及{case.number}"
        elif data.case_number:
            summary += f"；所引案号{cited or ''}未找到对应案件"
        uow.audit("INGEST_ONLINE_MESSAGE", MESSAGE, message.id, summary)
        await uow.commit()
    return message, False


# --- classify (the consultation clerk) ------------------------------------------------------


async def _draft_item(uow: UnitOfWork, message: OnlineMessage, case: Case | None) -> WorkItem:
    """Substantive and case-specific messages: the case's handler, else its team, else (no case,
    or a case the centre still holds) the centre officers settle the reply's content."""
    deadline = await _deadline(uow, message)
    common = {
        "kind": WorkItemKind.DRAFT_REPLY,
        "owner_type": MESSAGE,
        "owner_id": message.id,
        "deadline": deadline,
        "title": f"{_label(message)} 确定答复内容" + (f"（{case.number}）" if case else ""),
    }
    if case is not None and case.handler_id is not None:
        item = await work.create(uow, team_id=case.team_id, assignee_id=case.handler_id, **common)
        await notifications.send(
            uow.session,
            [
                notifications.Message(
                    case.handler_id,
                    "REPLY_CONTENT_REQUESTED",
                    f"请确定答复内容：{case.number}",
                    f"{_label(message)}涉及您承办的{case.number}，请确定答复内容"
                    + (f"，{deadline.due_on}前答复。" if deadline else "。"),
                    MESSAGE,
                    message.id,
                    f"message:{message.id}:draft:{item.id}",
                )
            ],
            uow.now,
        )
        return item
    if case is not None and case.team_id is not None:
        return await work.create(uow, team_id=case.team_id, **common)
    return await work.create(uow, candidate_role=Role.CENTER_OFFICER, **common)


async def classify(
    ctx: AppContext,
    viewer: Viewer,
    message_id: int,
    message_class: MessageClass,
    case_number: str | None = None,
    *,
    reclassify: bool = False,
) -> OnlineMessage:
    """Classify a NEW message; with `reclassify`, also one already classified whose reply is not
    yet sent (a distinct intent: two clerks classifying at once still hear ALREADY_DONE)."""
    async with UnitOfWork(ctx, viewer) as uow:
        message = await _load(uow, message_id, lock=True)
        await _require_clerk(uow, viewer, message, "classifying an online message", "网上留言的分类")
        status = _status(message)
        if status is not _S.NEW and not reclassify:
            assert message.message_class is not None
            raise DomainError(
                f"the message is already classified {message.message_class.value}; only NEW messages "
                "are classified - reclassifyOnlineMessage corrects a class until the reply is sent",
                zh=f"该留言已分类为“{message.message_class.label}”；仅“{_S.NEW.label}”的留言可以分类，"
                "答复发送前可通过重新分类更正",
                field="id",
                code=ErrorCode.ALREADY_DONE,
            )
        if status in (_S.SENDING, _S.DELIVERED):
            assert message.message_class is not None
            raise DomainError(
                f"the reply to this {message.message_class.value} message was sent ({status.value}); "
                "a message can be reclassified only until its reply is sent",
                zh=f"该“{message.message_class.label}”留言的答复已发送（{status.label}）；"
                "留言仅在答复发送前可以重新分类",
                field="id",
                code=ErrorCode.NOT_ALLOWED_IN_STAGE,
            )
        reclassified, previous = status is not _S.NEW, message.message_class
        if reclassified:
            same_case = not (case_number and case_number.strip()) or (
                message.case_id is not None
                and (await _case_by_number(uow, case_number or "")).id == message.case_id
            )
            if message.message_class is message_class and same_case:
                await uow.commit()
                return message  # so classified already: a repeat
            # Misclassified: what was routed for the old class goes, and so does a settled reply.
            await work.finish_active(
                uow,
                WorkItem.owner_type == MESSAGE,
                WorkItem.owner_id == message.id,
                WorkItem.kind.in_({WorkItemKind.DRAFT_REPLY, WorkItemKind.SEND_REPLY}),
                status=WorkItemStatus.CANCELLED,
                summary=lambda kind: f"{kind.label}: 留言已重新分类",
            )
            message.reply_content, message.reply_settled_by = None, None
        case = None
        if case_number is not None and case_number.strip():
            case = await _case_by_number(uow, case_number)
            message.case_id = case.id
        elif message.case_id is not None:
            case = await uow.session.get(Case, message.case_id)
        if message_class is MessageClass.CASE_SPECIFIC and case is None:
            others = [c for c in MessageClass if c is not MessageClass.CASE_SPECIFIC]
            raise DomainError(
                "a CASE_SPECIFIC message needs its case: give caseNumber, or classify it "
                f"{', '.join(c.value for c in others)}",
                zh=f"“{MessageClass.CASE_SPECIFIC.label}”类留言须指明案件：请填写案号（如“{EXAMPLE}”），"
                f"或将其分类为{'、'.join(f'“{c.label}”' for c in others)}",
                field="caseNumber",
                code=ErrorCode.REQUIRED,
            )
        message.message_class = message_class
        message.status = _S.DRAFTING.value
        await _finish_items(uow, message, {WorkItemKind.CLASSIFY_MESSAGE}, message_class.value)
        if message_class in WINDOW_ANSWERS:  # Arts. 12–13: the window answers these itself
            await _send_item(uow, message, "答复")
            route = "由窗口答复"
        else:
            item = await _draft_item(uow, message, case)
            route = (
                "由承办人拟定答复内容"
                if item.assignee_id
                else "由执行实施团队拟定答复内容"
                if item.team_id
                else "由事务中心干警拟定答复内容"
            )
        uow.audit(
            "RECLASSIFY_ONLINE_MESSAGE" if reclassified else "CLASSIFY_ONLINE_MESSAGE",
            MESSAGE,
            message.id,
            (f"重新分类：{previous.label} → {message_class.label}" if reclassified and previous
             else f"分类为“{message_class.label}”")
            + f"（建议分类：{message.suggested_class.label}）；{route}"
            + (f"；涉及{case.number}" if case else ""),
        )
        await uow.commit()
    return message


# --- settle the reply's content -----------------------------------------------------------


async def _require_drafter(uow: UnitOfWork, viewer: Viewer, message: OnlineMessage) -> None:
    """Who settles a substantive or case-specific reply: the holder of its DRAFT_REPLY item, the
    case's handler or team, or — when the item went to the centre — the centre officers."""
    if not viewer.read_only:
        if message.reply_settled_by == viewer.staff_id:
            return
        case = await uow.session.get(Case, message.case_id) if message.case_id else None
        if case is not None and (
            case.handler_id == viewer.staff_id
            or (case.team_id is not None and case.team_id in viewer.team_ids)
        ):
            return
        item = await uow.session.scalar(
            sa.select(WorkItem)
            .where(
                WorkItem.owner_type == MESSAGE,
                WorkItem.owner_id == message.id,
                WorkItem.kind == WorkItemKind.DRAFT_REPLY,
            )
            .order_by(WorkItem.id.desc())
            .limit(1)
        )
        if item is not None and (
            viewer.staff_id in (item.assignee_id, item.completed_by)
            or (item.team_id is not None and item.team_id in viewer.team_ids)
            or (item.candidate_role is not None and item.candidate_role in viewer.roles)
        ):
            return
    assert message.message_class is not None
    raise Forbidden(
        f"the reply to a {message.message_class.value} message is settled by the case's handler or "
        "team (the centre officers when there is no case); the consultation clerk sends it",
        zh=f"“{message.message_class.label}”留言的答复内容由案件承办人或执行实施团队确定（未涉及案件的"
        "由事务中心干警确定），再由咨询公开岗发送",
    )


async def settle_reply(ctx: AppContext, viewer: Viewer, message_id: int, content: str) -> OnlineMessage:
    text = _text(content, "content", "the reply's content", "答复内容", 4000) or ""
    async with UnitOfWork(ctx, viewer) as uow:
        message = await _load(uow, message_id, lock=True)
        status = _status(message)
        if status is _S.NEW:
            raise DomainError(
                "classify the message first: who settles the reply depends on its class",
                zh="请先对留言分类：答复内容由谁确定取决于留言的类别",
                field="id",
                code=ErrorCode.NOT_ALLOWED_IN_STAGE,
            )
        if status in (_S.SENDING, _S.DELIVERED):
            raise DomainError(
                f"the reply was sent on {message.sent_at:%Y-%m-%d}; it can no longer change",
                zh=f"答复已于{message.sent_at:%Y-%m-%d}发送，不能再修改",
                field="id",
                code=ErrorCode.NOT_ALLOWED_IN_STAGE,
            )
        window_answers = message.message_class in WINDOW_ANSWERS
        if window_answers:
            await _require_clerk(
                uow,
                viewer,
                message,
                "settling the reply to a procedural or legal question",
                "程序性事项或法律咨询答复内容的确定",
            )
        else:
            await _require_drafter(uow, viewer, message)
        message.reply_content, message.reply_settled_by = text, viewer.staff_id
        message.status = _S.READY.value
        if not window_answers:
            await _finish_items(uow, message, {WorkItemKind.DRAFT_REPLY}, "SETTLED")
            if status is _S.DRAFTING:  # back to the window to send (a revision finds it there)
                await _send_item(uow, message, "发送答复")
        uow.audit(
            "SETTLE_REPLY",
            MESSAGE,
            message.id,
            ("答复内容已修改" if status is _S.READY else "答复内容已确定")
            + f"（{len(text)}字）",
        )
        await uow.commit()
    return message


@work.completes(WorkItemKind.CLASSIFY_MESSAGE)
async def _classify_by_item(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    raise DomainError(
        f"classify the message with classifyOnlineMessage ({_CLASSES}); completing the work item "
        "alone would leave it unclassified",
        zh=f"请通过留言分类操作将留言分类为{_CLASSES_ZH}之一；仅办结待办事项不会完成分类",
        field="id",
        code=ErrorCode.NOT_ALLOWED,
    )


@work.completes(WorkItemKind.DRAFT_REPLY)
async def _draft_by_item(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    raise DomainError(
        "settle the reply's content with settleReplyContent; completing the work item alone sends "
        "nothing back to the window",
        zh="请通过确定答复内容操作填写答复；仅办结待办事项不会将答复交回窗口",
        field="id",
        code=ErrorCode.NOT_ALLOWED,
    )


# --- send (the consultation clerk) ---------------------------------------------------------


async def _send(uow: UnitOfWork, message: OnlineMessage) -> None:
    status = _status(message)
    if status is _S.NEW:
        raise DomainError(
            "the message is not classified yet: classify it, settle the reply's content, then send",
            zh="留言尚未分类：请先分类、确定答复内容，再发送答复",
            field="id",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if status is _S.DRAFTING:
        if message.message_class in WINDOW_ANSWERS:
            who, zh_who = "settle it with settleReplyContent", "请先确定答复内容，再发送"
        else:
            who = "the case's handler (or team, or the centre officers) settles it with settleReplyContent"
            zh_who = "须由案件承办人（或执行实施团队、事务中心干警）确定答复内容后，方可发送"
        raise DomainError(
            f"the reply's content is not settled yet: {who} before it is sent",
            zh=f"答复内容尚未确定：{zh_who}",
            field="id",
            code=ErrorCode.NOT_ALLOWED_IN_STAGE,
        )
    if status in (_S.SENDING, _S.DELIVERED):
        raise DomainError(
            f"the reply was already sent ({status.value})",
            zh=f"答复已发送（{status.label}），无需重复发送",
            field="id",
            code=ErrorCode.ALREADY_DONE,
        )
    message.status = _S.SENDING.value
    message.sent_by = uow.actor.staff_id if uow.actor else None
    message.sent_at, message.delivery_error = uow.now, None
    deadline = await _deadline(uow, message, lock=True)
    met = deadline_service.close_deadline(uow, deadline, uow.today) if deadline else None
    await _finish_items(uow, message, {WorkItemKind.SEND_REPLY}, "SENT")
    uow.enqueue("deliver_reply", message.id)
    uow.audit(
        "SEND_REPLY",
        MESSAGE,
        message.id,
        f"经{message.channel.label}发送答复" + (f"；答复期限{met.label}" if met else ""),
    )


async def send_reply(ctx: AppContext, viewer: Viewer, message_id: int) -> OnlineMessage:
    async with UnitOfWork(ctx, viewer) as uow:
        message = await _load(uow, message_id, lock=True)
        await _require_clerk(uow, viewer, message, "sending a reply", "答复的发送")
        await _send(uow, message)
        await uow.commit()
    return message


@work.completes(WorkItemKind.SEND_REPLY)
async def _send_by_item(uow: UnitOfWork, item: WorkItem, done: work.Completion) -> None:
    message = await _load(uow, item.owner_id, lock=True)
    await _send(uow, message)


# --- delivery (the deliver_reply actor) -------------------------------------------------------


async def _back_to_clerk(uow: UnitOfWork, message: OnlineMessage, why: str) -> None:
    """The channel will not take the reply: the window decides what to do (check, send again)."""
    message.status = _S.READY.value
    await _send_item(uow, message, f"发送失败（{why}），请核实后重新发送")
    uow.audit("REPLY_RETURNED", MESSAGE, message.id, f"停止送达：{why}；退回窗口处理")


async def deliver(ctx: AppContext, message_id: int) -> bool:
    """Deliver a sent reply through the channel port. Idempotent: a delivered (or unsent) message is
    left alone. A failure is recorded and raises DeliveryPending while retrying can help."""
    async with UnitOfWork(ctx) as uow:
        message = await uow.session.get(OnlineMessage, message_id)
        if message is None or _status(message) is not _S.SENDING:
            return False
        channel, external_id, content = message.channel, message.external_id, message.reply_content or ""
    try:
        receipt = await channel_for(ctx).deliver(channel.value, external_id, content)
    except ChannelUnavailable as error:
        async with UnitOfWork(ctx) as uow:
            message = await _load(uow, message_id, lock=True)
            if _status(message) is not _S.SENDING:
                return False
            message.delivery_attempts += 1
            attempt = message.delivery_attempts
            message.delivery_error = f"{type(error).__name__}: {error}"[:300]
            uow.audit("REPLY_DELIVERY_FAILED", MESSAGE, message.id, f"第{attempt}次送达失败：{error}")
            if not error.retryable:
                await _back_to_clerk(uow, message, "渠道拒收")
            await uow.commit()
        log.warning(
            "reply to online message %s not delivered (attempt %s)%s",
            message_id,
            attempt,
            "; will retry" if error.retryable else "; returned to the window",
        )
        if error.retryable:
            raise DeliveryPending(
                f"online message {message_id}: reply not delivered (attempt {attempt})"
            ) from None
        return False
    async with UnitOfWork(ctx) as uow:
        message = await _load(uow, message_id, lock=True)
        if _status(message) is not _S.SENDING:
            return _status(message) is _S.DELIVERED
        message.delivery_attempts += 1
        message.status, message.delivered_at, message.delivery_error = _S.DELIVERED.value, uow.now, None
        uow.audit(
            "DELIVER_REPLY",
            MESSAGE,
            message.id,
            f"经{channel.label}送达（第{message.delivery_attempts}次尝试）；回执{receipt}"[:500],
        )
        await uow.commit()
    return True


async def give_up_delivery(ctx: AppContext, message_id: int) -> bool:
    """The retries ran out: hand the reply back to the window rather than drop it."""
    async with UnitOfWork(ctx) as uow:
        message = await _load(uow, message_id, lock=True)
        if _status(message) is not _S.SENDING:
            return False
        await _back_to_clerk(uow, message, "多次重试未送达")
        await uow.commit()
    log.warning("reply to online message %s: retries exhausted; returned to the window", message_id)
    return True


async def reconcile(ctx: AppContext) -> list[int]:
    """Replies sent but never tried (their wake-up call was lost): wake them again."""
    async with ctx.sessionmaker() as session:
        rows = (
            await session.scalars(
                sa.select(OnlineMessage.id)
                .where(
                    OnlineMessage.status == _S.SENDING.value,
                    OnlineMessage.delivery_error.is_(None),
                    OnlineMessage.sent_at <= ctx.clock.now() - RECONCILE_AFTER,
                )
                .order_by(OnlineMessage.id)
                .limit(500)
            )
        ).all()
    return list(rows)


# --- who reads messages -----------------------------------------------------------------------


def readable_condition(viewer: Viewer) -> sa.ColumnElement[bool] | None:
    """The messages a viewer may read (None: all). The consultation post, the centre head and the
    supervisors read all; others those of cases they handle or their team holds, and those whose
    reply they were asked to settle. Machine accounts read none."""
    if viewer.roles & READER_ROLES:
        return None
    if not viewer.roles or viewer.roles <= MACHINE_ROLES:
        return sa.false()
    teams = list(viewer.team_ids) or [-1]
    roles = [r.value for r in viewer.roles] or ["-"]
    cases = sa.select(Case.id).where(sa.or_(Case.handler_id == viewer.staff_id, Case.team_id.in_(teams)))
    drafts = sa.select(WorkItem.owner_id).where(
        WorkItem.owner_type == MESSAGE,
        WorkItem.kind == WorkItemKind.DRAFT_REPLY,
        sa.or_(
            WorkItem.assignee_id == viewer.staff_id,
            WorkItem.completed_by == viewer.staff_id,
            WorkItem.team_id.in_(teams),
            WorkItem.candidate_role.in_(roles),
        ),
    )
    return sa.or_(OnlineMessage.case_id.in_(cases), OnlineMessage.id.in_(drafts))


def sees_phone(viewer: Viewer, case: Case | None) -> bool:
    """The sender's phone in full: the consultation clerks and the case's handler."""
    return viewer.has(Role.CONSULTATION_CLERK) or (case is not None and case.handler_id == viewer.staff_id)


async def record_disclosure(ctx: AppContext, viewer: Viewer, message_ids: list[int]) -> None:
    """A sender's phone was shown in full: one audit event per message, viewer and day."""
    from .disclosures import audit_disclosures

    await audit_disclosures(
        ctx, viewer, MESSAGE, message_ids, f"{viewer.username}查看了留言人完整手机号码"
    )


async def message_labels(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    rows = (
        await session.execute(
            sa.select(OnlineMessage.id, OnlineMessage.channel, OnlineMessage.external_id).where(
                OnlineMessage.id.in_(ids)
            )
        )
    ).all()
    return {r[0]: f"{r[1].label}留言{r[2]}" for r in rows}


deadline_service.OWNER_LABELS[MESSAGE] = message_labels
work.OWNERS[MESSAGE] = OnlineMessage
