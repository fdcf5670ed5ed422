"""Opaque global IDs ("Type:pk", base64url) for `node(id:)` and every object's `id`."""

from __future__ import annotations

import base64
import binascii

import strawberry

from ..domain.errors import DomainError, ErrorCode


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    raw = f"{type_name}:{pk}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def from_global_id(global_id: str) -> tuple[str, int]:
    """`(type_name, pk)`; a malformed id raises a client error that says so."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            f"{global_id!r} is not an id issued by this API", field="id", code=ErrorCode.NOT_FOUND
        ) from None


def pk_of(global_id: str, expected: str, field: str = "id") -> int:
    """The primary key behind an id that must name a `expected`; a userError otherwise."""
    try:
        type_name, pk = from_global_id(global_id)
    except DomainError as error:
        error.field = field
        raise
    if type_name != expected:
        raise DomainError(
            f"{field} must be the id of a {expected}, not of a {type_name}",
            field=field,
            code=ErrorCode.NOT_FOUND,
        )
    return pk
