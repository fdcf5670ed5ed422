"""Opaque global IDs ("Type:pk", base64url) for `node(id:)` and every object's `id`."""

from __future__ import annotations

import base64
import binascii
import re

import strawberry

from ..domain.errors import DomainError, ErrorCode


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    raw = f"{type_name}:{pk}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


# A key the database can hold (BIGINT), written as this API writes it: no sign, no spaces.
_PK = re.compile(r"[1-9][0-9]{0,18}")
MAX_PK = 2**63 - 1


def from_global_id(global_id: str) -> tuple[str, int]:
    """`(type_name, pk)`; a malformed id raises a client error that says so."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        if not _PK.fullmatch(pk) or int(pk) > MAX_PK:
            raise ValueError(pk)
        return type_name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            f"{global_id[:60]!r} is not an id issued by this API",
            zh=f"“{global_id[:60]}”不是本系统签发的 ID",
            field="id",
            code=ErrorCode.NOT_FOUND,
        ) from None


def pk_of(global_id: str, expected: str, field: str = "id") -> int:
    """The primary key behind an id that must name a `expected`; a userError otherwise."""
    try:
        type_name, pk = from_global_id(global_id)
    except DomainError as error:
        raise error.at(field) from None
    if type_name != expected:
        raise DomainError(
            f"{field} must be the id of a {expected}, not of a {type_name}",
            zh=f"{field} 须为 {expected} 对象的 ID，而非 {type_name} 对象的 ID",
            field=field,
            code=ErrorCode.NOT_FOUND,
        )
    return pk
