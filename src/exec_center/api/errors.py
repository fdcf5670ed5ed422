"""Errors the client may see, and the rule for masking everything else."""

from __future__ import annotations

from graphql import GraphQLError

from ..domain.errors import DomainError


class ClientError(Exception):
    """A request the client can correct (bad argument, sign in first); shown as it is."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.extensions = {"code": code}


class Unauthenticated(ClientError):
    def __init__(
        self, message: str = "sign in first: send `Authorization: Bearer <token>` from the signIn mutation"
    ) -> None:
        super().__init__(message, code="UNAUTHENTICATED")


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors. Validation errors, input that cannot be read (an unknown enum
    value, a malformed Decimal or Date: their original error is a GraphQLError, among them
    Strawberry's input-coercion errors) and client errors are for the client."""
    original = error.original_error
    if original is None:
        return False
    return not isinstance(original, (ClientError, DomainError, GraphQLError))
