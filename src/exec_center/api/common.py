"""Shared GraphQL shapes: userErrors, Relay connections, scalars, pagination arguments."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from ..domain.errors import ERROR_CODE_MEANINGS, DomainError, ErrorCode
from .errors import ClientError

T = TypeVar("T")
MAX_PAGE = 100

UserErrorCode = strawberry.enum(
    ErrorCode,
    name="UserErrorCode",
    description="Why a mutation was refused; the README's error table says what a screen does with "
    "each.",
)
for _code, _meaning in ERROR_CODE_MEANINGS.items():  # each value's meaning in the schema
    UserErrorCode.__strawberry_definition__.values[list(ErrorCode).index(_code)].description = _meaning


@strawberry.type(
    description="A refusal a person can act on: which input field, what is wrong "
    "and what is allowed. A refused mutation changes nothing."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description="The input field at fault, as a path from the mutation's arguments "
        '(["input", "respondents", "0", "idNumber"]); null when the refusal is not about one field.'
    )
    message: str = strawberry.field(description="What is wrong and what is allowed, in zh-CN for the clerk.")
    message_en: str = strawberry.field(description="The same in English, for developers and logs.")
    code: UserErrorCode  # type: ignore[valid-type]
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="With TOO_MANY_ATTEMPTS and RATE_LIMITED: whole seconds to wait before "
        "trying again.",
    )

    @classmethod
    def of(cls, error: DomainError) -> UserError:
        return cls(
            field=["input", *error.field.split(".")] if error.field else None,
            message=error.zh,
            message_en=error.message,
            code=error.code,
            retry_after_seconds=error.retry_after,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    total_count: int
    page_info: PageInfo
    edges: list[Edge[T]]

    @classmethod
    def empty(cls) -> Connection[Any]:
        return cls(
            total_count=0,
            edges=[],
            page_info=PageInfo(
                has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
            ),
        )


def check_first(first: int | None, default: int = 50) -> int:
    """Relay `first`: 0..100."""
    if first is None:
        return default
    if first < 0 or first > MAX_PAGE:
        raise ClientError(f"first must be between 0 and {MAX_PAGE}; got {first}")
    return first


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int, *, check_values: bool = True) -> list[Any]:
    """The sort key a cursor carries; a cursor this API did not issue is refused."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        values = json.loads(raw)
    except ValueError:
        raise ClientError(
            "after is not a cursor issued by this API; use a pageInfo.endCursor or an edge's cursor"
        ) from None
    if not isinstance(values, list) or len(values) != arity or (
        check_values and not all(map(_cursor_value, values))
    ):
        raise ClientError("after is not a cursor issued for this list; use this list's pageInfo.endCursor")
    return values


def _cursor_value(value: Any) -> bool:
    """What this API puts in a cursor: a key the database holds (BIGINT), a short text (a date,
    a time, a code) or null - not a number beyond the database's or a boolean from a client."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return isinstance(value, str) and len(value) <= 64


def connection(
    rows: Sequence[T], *, first: int, total: int, key: Callable[[T], Sequence[Any]], has_previous: bool
) -> Connection[T]:
    """Build a page from `first + 1` fetched rows (the extra one says there is a next page)."""
    page = list(rows[:first])
    edges = [Edge(cursor=encode_cursor(key(node)), node=node) for node in page]
    return Connection(
        total_count=total,
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def run_mutation(
    payload: Callable[..., Any], action: Callable[[], Awaitable[Any]], build: Callable[[Any], dict[str, Any]]
) -> Any:
    """Run a service; a domain refusal becomes the payload's userErrors and changes nothing."""
    try:
        result = await action()
    except DomainError as error:
        return payload(user_errors=[UserError.of(error)])
    return payload(user_errors=[], **build(result))


def decode_id_cursor(cursor: str) -> int:
    """A cursor over a list ordered by id alone."""
    (value,) = decode_cursor(cursor, 1)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ClientError("after is not a cursor issued for this list; use this list's pageInfo.endCursor")
    return value
