"""Online messages in GraphQL (Arts. 12–13): what the channel gateway ingests, what the
consultation clerk classifies and sends, what a handler settles the reply's content of."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import sqlalchemy as sa
import strawberry

from ..db.models import Case, Deadline, OnlineMessage
from ..domain import windows as window_rules
from ..domain.access import case_visible, deadline_visible
from ..domain.errors import Forbidden
from ..domain.masking import mask_phone
from ..domain.organisation import MACHINE_ROLES
from ..domain.organisation import Channel as ChannelEnum
from ..services import messages as service
from . import loaders
from .common import Connection, UserError, check_first, connection, decode_id_cursor, run_mutation
from .context import Info, RequestContext
from .deadlines import DeadlineType
from .history import HistoryEntry, history_connection
from .ids import pk_of, to_global_id
from .organisation import Channel, Node

if TYPE_CHECKING:
    from .cases import CaseType

MessageClass = strawberry.enum(
    window_rules.MessageClass, description="What an online message asks about (Arts. 12–13)."
)
OnlineMessageStatus = strawberry.enum(
    service.MessageStatus, name="OnlineMessageStatus", description="Where an online message stands."
)


async def _cases(ctx: RequestContext, keys: list[int]) -> list[Case | None]:
    from .cases import case_by_id

    return await case_by_id(ctx, keys)


async def _deadlines(ctx: RequestContext, keys: list[int]) -> list[Deadline | None]:
    rows = (await ctx.session.scalars(sa.select(Deadline).where(Deadline.id.in_(keys)))).all()
    return loaders._by_id(keys, rows)


async def _disclose(ctx: RequestContext, keys: list[int]) -> list[int]:
    """One audit event per message whose sender's phone this request showed in full."""
    await service.record_disclosure(ctx.app, ctx.viewer, keys)
    return keys


@strawberry.type(
    name="OnlineMessage",
    description="A message left on the 12368 platform or in the Smart Execution app, and its reply. "
    "senderPhone is masked unless the viewer is a consultation clerk or the case's handler.",
)
class OnlineMessageType(Node):
    row: strawberry.Private[OnlineMessage]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return to_global_id("OnlineMessage", self.row.id)

    @strawberry.field
    def channel(self) -> Channel:  # type: ignore[valid-type]
        return self.row.channel

    @strawberry.field
    def channel_label(self) -> str:
        return self.row.channel.label

    @strawberry.field(description="The channel's own id of the message.")
    def external_id(self) -> str:
        return self.row.external_id

    @strawberry.field
    def sender_name(self) -> str:
        return self.row.sender_name

    @strawberry.field(description="Masked 138****8000 unless the viewer needs it.")
    async def sender_phone(self, info: Info) -> str | None:
        if self.row.sender_phone is None:
            return None
        if not await self._full(info):
            return mask_phone(self.row.sender_phone)
        await loaders.loader(info.context, "discloseMessagePhone", _disclose).load(self.row.id)
        return self.row.sender_phone

    @strawberry.field(description="Whether senderPhone is shown in full to this viewer.")
    async def unmasked(self, info: Info) -> bool:
        return await self._full(info)

    @strawberry.field
    def content(self) -> str:
        return self.row.content

    @strawberry.field
    def received_at(self) -> datetime:
        return self.row.received_at

    @strawberry.field(description="The class the content suggests; the clerk decides.")
    def suggested_class(self) -> MessageClass:  # type: ignore[valid-type]
        return self.row.suggested_class

    @strawberry.field
    def suggested_class_label(self) -> str:
        return self.row.suggested_class.label

    @strawberry.field(description="Null until the clerk classifies the message.")
    def message_class(self) -> MessageClass | None:  # type: ignore[valid-type]
        return self.row.message_class

    @strawberry.field
    def message_class_label(self) -> str | None:
        return self.row.message_class.label if self.row.message_class else None

    @strawberry.field(
        description="Procedural and legal questions are answered by the window; substantive and "
        "case-specific ones need the handler to settle the reply's content first."
    )
    def answered_by_window(self) -> bool | None:
        if self.row.message_class is None:
            return None
        return self.row.message_class in window_rules.WINDOW_ANSWERS

    @strawberry.field
    def status(self) -> OnlineMessageStatus:  # type: ignore[valid-type]
        return service.MessageStatus(self.row.status)

    @strawberry.field
    def status_label(self) -> str:
        return service.MessageStatus(self.row.status).label

    @strawberry.field(description="The settled reply; null until its content is settled.")
    def reply_content(self) -> str | None:
        return self.row.reply_content

    @strawberry.field
    def sent_at(self) -> datetime | None:
        return self.row.sent_at

    @strawberry.field
    def delivered_at(self) -> datetime | None:
        return self.row.delivered_at

    @strawberry.field(description="Attempts to deliver the reply through the channel, failed ones included.")
    def delivery_attempts(self) -> int:
        return self.row.delivery_attempts

    @strawberry.field(description="Why the last delivery attempt failed; null once delivered.")
    def delivery_error(self) -> str | None:
        return self.row.delivery_error

    async def _case(self, info: Info) -> Case | None:
        if self.row.case_id is None:
            return None
        return await loaders.loader(info.context, "case", _cases).load(self.row.case_id)

    async def _full(self, info: Info) -> bool:
        return service.sees_phone(info.context.viewer, await self._case(info))

    @strawberry.field(name="case", description="The case the message is about, if the viewer may see it.")
    async def case_(self, info: Info) -> Annotated[CaseType, strawberry.lazy("exec_center.api.cases")] | None:
        from .cases import CaseType

        case = await self._case(info)
        if case is None or not case_visible(
            info.context.viewer, team_id=case.team_id, handler_id=case.handler_id
        ):
            return None
        return CaseType(row=case)

    @strawberry.field(description="The ONLINE_REPLY deadline: 2 working days from receipt.")
    async def deadline(self, info: Info) -> DeadlineType | None:
        if self.row.deadline_id is None:
            return None
        row = await loaders.loader(info.context, "messageDeadline", _deadlines).load(self.row.deadline_id)
        if row is None or not deadline_visible(
            info.context.viewer, holder_id=row.holder_id, role=row.responsible_role, team_id=row.team_id
        ):
            return None
        return DeadlineType(row=row)

    @strawberry.field(description="What happened to the message, newest first.")
    async def history(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> Connection[HistoryEntry]:
        if not await _readable(info, self.row.id):
            return Connection.empty()
        return await history_connection(info, [service.MESSAGE], self.row.id, first, after)


async def _readable(info: Info, pk: int) -> bool:
    condition = service.readable_condition(info.context.viewer)
    if condition is None:
        return True
    found = await info.context.session.scalar(
        sa.select(OnlineMessage.id).where(OnlineMessage.id == pk, condition)
    )
    return found is not None


async def visible_message(info: Info, pk: int) -> OnlineMessageType | None:
    """For node(id:): the message if the viewer may read it."""
    row = await info.context.session.get(OnlineMessage, pk)
    if row is None or not await _readable(info, pk):
        return None
    return OnlineMessageType(row=row)


@strawberry.input
class OnlineMessageFilter:
    status: list[OnlineMessageStatus] | None = None  # type: ignore[valid-type]
    channel: list[Channel] | None = None  # type: ignore[valid-type]
    message_class: list[MessageClass] | None = None  # type: ignore[valid-type]


@strawberry.type
class MessageQuery:
    @strawberry.field(
        description="Online messages, newest first: all of them for the consultation clerks, the "
        "centre head, the bureau chief and the command centre; for others, those of the cases they "
        "handle or their team holds and those whose reply they are asked to settle."
    )
    async def online_messages(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: OnlineMessageFilter | None = None,
    ) -> Connection[OnlineMessageType]:
        viewer = info.context.viewer
        if viewer.roles and viewer.roles <= MACHINE_ROLES:
            raise Forbidden(
                "machine accounts ingest online messages; they do not read them",
                zh="系统对接账户只接收线上留言，不能查阅留言",
            )
        size = check_first(first)
        query = sa.select(OnlineMessage)
        condition = service.readable_condition(viewer)
        if condition is not None:
            query = query.where(condition)
        if filter is not None:
            if filter.status:
                query = query.where(
                    OnlineMessage.status.in_([service.MessageStatus(s).value for s in filter.status])
                )
            if filter.channel:
                query = query.where(OnlineMessage.channel.in_([ChannelEnum(c) for c in filter.channel]))
            if filter.message_class:
                query = query.where(
                    OnlineMessage.message_class.in_(
                        [window_rules.MessageClass(c) for c in filter.message_class]
                    )
                )
        session = info.context.session
        total = await session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        if after:
            query = query.where(OnlineMessage.id < decode_id_cursor(after))
        rows = (await session.scalars(query.order_by(OnlineMessage.id.desc()).limit(size + 1))).all()
        return connection(
            [OnlineMessageType(row=r) for r in rows],
            first=size,
            total=total or 0,
            key=lambda m: [m.row.id],
            has_previous=after is not None,
        )

    @strawberry.field(description="One online message by its id, if the viewer may read it.")
    async def online_message(self, info: Info, id: strawberry.ID) -> OnlineMessageType | None:
        info.context.viewer  # noqa: B018
        return await visible_message(info, pk_of(id, "OnlineMessage"))


# --- mutations --------------------------------------------------------------------------


@strawberry.input
class IngestOnlineMessageInput:
    channel: Channel = strawberry.field(  # type: ignore[valid-type]
        description="ONLINE_12368 or SMART_EXECUTION_APP."
    )
    external_id: str = strawberry.field(
        description="The channel's id of the message: seen twice, stored once."
    )
    sender_name: str
    content: str
    received_at: datetime | None = strawberry.field(
        default=None,
        description="When the message was left (ISO 8601; without an offset, court time). Default now. "
        "The 2-working-day reply deadline runs from this date.",
    )
    sender_phone: str | None = None
    case_number: str | None = strawberry.field(
        default=None,
        description="The case the sender cites, e.g. （2024）粤5322执保1号; linked if it exists.",
    )


@strawberry.type
class IngestOnlineMessagePayload:
    message: OnlineMessageType | None = None
    duplicate: bool | None = strawberry.field(
        default=None, description="True when the message was already stored: it is returned unchanged."
    )
    user_errors: list[UserError]


@strawberry.input
class ClassifyOnlineMessageInput:
    id: strawberry.ID
    message_class: MessageClass  # type: ignore[valid-type]
    case_number: str | None = strawberry.field(
        default=None, description="Link the message to this case (required for CASE_SPECIFIC without one)."
    )


@strawberry.input
class SettleReplyContentInput:
    id: strawberry.ID
    content: str


@strawberry.input
class SendOnlineReplyInput:
    id: strawberry.ID


@strawberry.type
class OnlineMessagePayload:
    message: OnlineMessageType | None = None
    user_errors: list[UserError]


def _message(message: OnlineMessage) -> dict:
    return {"message": OnlineMessageType(row=message)}


async def _classify(
    info: Info, input: ClassifyOnlineMessageInput, *, reclassify: bool
) -> OnlineMessagePayload:
    ctx = info.context
    return await run_mutation(
        OnlineMessagePayload,
        lambda: service.classify(
            ctx.app,
            ctx.viewer,
            pk_of(input.id, "OnlineMessage"),
            window_rules.MessageClass(input.message_class),
            input.case_number,
            reclassify=reclassify,
        ),
        _message,
    )


@strawberry.type
class MessageMutation:
    @strawberry.mutation(
        description="The channel gateway (INTEGRATION) hands in a message: stored once per channel "
        "and external id, with its 2-working-day reply deadline and a classification item at the "
        "channel's window."
    )
    async def ingest_online_message(
        self, info: Info, input: IngestOnlineMessageInput
    ) -> IngestOnlineMessagePayload:
        ctx = info.context
        data = service.IngestData(
            channel=ChannelEnum(input.channel),
            external_id=input.external_id,
            sender_name=input.sender_name,
            content=input.content,
            received_at=input.received_at,
            sender_phone=input.sender_phone,
            case_number=input.case_number,
        )
        return await run_mutation(
            IngestOnlineMessagePayload,
            lambda: service.ingest(ctx.app, ctx.viewer, data),
            lambda result: {"message": OnlineMessageType(row=result[0]), "duplicate": result[1]},
        )

    @strawberry.mutation(
        description="The consultation clerk classifies a message: PROCEDURAL and LEGAL_QUESTION are "
        "answered by the window; SUBSTANTIVE and CASE_SPECIFIC go to the case's handler (or team, "
        "or the centre officers) to settle the reply's content. Only NEW messages "
        "(reclassifyOnlineMessage corrects a class)."
    )
    async def classify_online_message(
        self, info: Info, input: ClassifyOnlineMessageInput
    ) -> OnlineMessagePayload:
        return await _classify(info, input, reclassify=False)

    @strawberry.mutation(
        description="The window corrects a misclassified message until its reply is sent: what was "
        "routed for the old class is cancelled, a reply already settled is discarded, and the "
        "message is routed as its new class. The same class again changes nothing."
    )
    async def reclassify_online_message(
        self, info: Info, input: ClassifyOnlineMessageInput
    ) -> OnlineMessagePayload:
        return await _classify(info, input, reclassify=True)

    @strawberry.mutation(
        description="Settle (or revise, until it is sent) the reply's content: the clerk for "
        "window-answered classes, the case's handler or team otherwise."
    )
    async def settle_reply_content(self, info: Info, input: SettleReplyContentInput) -> OnlineMessagePayload:
        ctx = info.context
        return await run_mutation(
            OnlineMessagePayload,
            lambda: service.settle_reply(
                ctx.app, ctx.viewer, pk_of(input.id, "OnlineMessage"), input.content
            ),
            _message,
        )

    @strawberry.mutation(
        description="The clerk sends the settled reply; it is delivered through the channel in the "
        "background (retried until it goes out). Refused (NOT_ALLOWED) while the content is not settled."
    )
    async def send_online_reply(self, info: Info, input: SendOnlineReplyInput) -> OnlineMessagePayload:
        ctx = info.context
        return await run_mutation(
            OnlineMessagePayload,
            lambda: service.send_reply(ctx.app, ctx.viewer, pk_of(input.id, "OnlineMessage")),
            _message,
        )
