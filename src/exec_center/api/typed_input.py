"""`Decimal` and `Date` read as clerks type them; what cannot be read is a userError on its field.

The scalars keep the names the contract gives (money is a `Decimal` sent as a string, dates are
`Date`s). Reading follows `domain.typed_input`. A string that cannot be read does not fail the
whole request (a top-level error a form cannot place): the scalar hands on an `UnreadableValue`,
and `ReadTypedInput` answers the mutation with a BAD_FORMAT userError naming the field, before
its resolver runs; on a query, with a BAD_USER_INPUT error naming the argument.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from ..domain.typed_input import Unreadable, exact_cents, read_amount, read_date
from .common import UserError
from .errors import ClientError


@dataclasses.dataclass(frozen=True)
class UnreadableValue:
    """What the client sent where an amount or a date belongs, and why it cannot be read."""

    refusal: Unreadable


def _parse_amount(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("an amount is a string (\"50000.00\") or a number")
    if isinstance(value, str):
        try:
            return read_amount(value)
        except Unreadable as refusal:
            return UnreadableValue(refusal)
    amount = Decimal(repr(value))  # a JSON number: its shortest decimal form
    if not amount.is_finite():
        raise ValueError("an amount is a finite number")
    return exact_cents(amount)


def _serialize_amount(value: Decimal) -> str:
    # Always two decimals and never an exponent: "50000.00", not "5E+4".
    return format(exact_cents(Decimal(value)), "f")


def _parse_date(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("a date is a string such as \"2026-12-01\"")
    try:
        return read_date(value)
    except Unreadable as refusal:
        return UnreadableValue(refusal)


Money = strawberry.scalar(
    name="Decimal",
    description="An amount of money in yuan, sent back as a string with exactly two decimals "
    '("50000.00"). Accepted as a number or as clerks type it: "50,000.00", "¥50000", "５００００", '
    '"5万", "3000元". Text that is not an amount is refused as the userError BAD_FORMAT on its field.',
    serialize=_serialize_amount,
    parse_value=_parse_amount,
)

Day = strawberry.scalar(
    name="Date",
    description='A calendar day, sent back as "2026-12-01". Accepted also as "2026/12/01", '
    '"2026.12.01" and "2026年12月1日", full-width digits too. Text that is not a date is refused as '
    "the userError BAD_FORMAT on its field.",
    serialize=dt.date.isoformat,
    parse_value=_parse_date,
)

SCALAR_MAP = {Decimal: Money, dt.date: Day}


def unreadable_values(value: Any, path: list[str]) -> Iterator[tuple[list[str], Unreadable]]:
    """Each unreadable value in the arguments, with its path in GraphQL names."""
    if isinstance(value, UnreadableValue):
        yield path, value.refusal
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unreadable_values(item, [*path, str(index)])
    elif get_object_definition(value) is not None:
        for field in get_object_definition(value).fields:  # type: ignore[union-attr]
            name = field.graphql_name or to_camel_case(field.python_name)
            yield from unreadable_values(getattr(value, field.python_name, None), [*path, name])


class ReadTypedInput(FieldExtension):
    """Before a root field runs: no argument holds an amount or a date that could not be read."""

    def __init__(self, payload: type | None) -> None:
        # The mutation's payload type (it has userErrors), or None for a query.
        self.payload = payload

    def _refusal(self, kwargs: dict[str, Any]) -> Any:
        found = [
            (path, refusal)
            for name, value in kwargs.items()
            for path, refusal in unreadable_values(value, [to_camel_case(name)])
        ]
        if not found:
            return None
        if self.payload is None:
            path, refusal = found[0]
            raise ClientError(f"argument {'.'.join(path)}: {refusal.message}")
        return self.payload(user_errors=[
            UserError(field=path, message=refusal.zh, message_en=refusal.message, code=refusal.code)
            for path, refusal in found
        ])

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        refused = self._refusal(kwargs)
        return refused if refused is not None else next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        refused = self._refusal(kwargs)
        return refused if refused is not None else await next_(source, info, **kwargs)


def _payload_of(field: Any) -> type | None:
    definition = get_object_definition(field.type)
    if definition is None or not any(f.python_name == "user_errors" for f in definition.fields):
        return None
    return field.type


def read_typed_input_on(query: type, mutation: type) -> None:
    """Install `ReadTypedInput` on every root field that takes arguments."""
    for root in (query, mutation):
        for field in get_object_definition(root, strict=True).fields:
            if field.arguments:
                field.extensions.append(ReadTypedInput(_payload_of(field) if root is mutation else None))


__all__ = ["SCALAR_MAP", "read_typed_input_on"]
