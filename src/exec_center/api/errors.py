"""Errors the client may see, and the rule for masking everything else."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from ..db.availability import is_unavailable
from ..domain.errors import DomainError

log = logging.getLogger("exec_center.api")

UNAVAILABLE_MESSAGE = "The service is busy or the database cannot be reached; try again shortly."
RETRY_AFTER_SECONDS = 2


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


def _with_code(error: GraphQLError, code: str, message: str | None = None) -> GraphQLError:
    return GraphQLError(
        message=error.message if message is None else message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None if message is not None else error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )


# A refusal raised while reading (not a mutation's userError) as a top-level error code.
_DOMAIN_CODES = {"FORBIDDEN": "FORBIDDEN", "NOT_FOUND": "NOT_FOUND"}


def client_code(error: GraphQLError) -> str:
    """The `extensions.code` of an error the client caused (validation, coercion, bad arguments)."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    original = error.original_error
    if isinstance(original, DomainError):  # raised by a query's resolver
        return _DOMAIN_CODES.get(original.code.value, "BAD_USER_INPUT")
    code = getattr(original, "extensions", None) and original.extensions.get("code")  # type: ignore[union-attr]
    if isinstance(code, str):
        return code
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.path is None and not error.message.startswith("Variable '$"):
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_USER_INPUT"


def with_client_code(error: GraphQLError) -> GraphQLError:
    """The error as it is if it has a code, else with the code of the client's mistake it is."""
    if isinstance((error.extensions or {}).get("code"), str):
        return error
    return _with_code(error, client_code(error))


# graphql-core appends "Did you mean 'claimWorkItem'?" to errors on unknown fields, arguments,
# types and enum values: with introspection off that would still spell the schema out.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The error without the names graphql-core suggests (issue 12: no schema by guessing)."""
    if "Did you mean" not in error.message:
        return error
    message = _SUGGESTION.sub("", error.message)
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=error.extensions,
    )


class ClientFacingErrors(MaskErrors):
    """Every error the client receives carries an `extensions.code`:

    - UNAVAILABLE: the database could not take the request (pool timeout, writer queue, refused
      connection); the response is HTTP 503 with Retry-After and nothing was changed;
    - INTERNAL_SERVER_ERROR: anything unexpected, masked (its traceback is in the log);
    - the client's own mistakes keep their message, with a code saying which kind.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="Unexpected error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed: list[GraphQLError] = []
        for error in errors:
            if is_unavailable(error.original_error):
                context = self.execution_context.context
                if context is not None:
                    context.unavailable = True
                processed.append(_with_code(error, "UNAVAILABLE", UNAVAILABLE_MESSAGE))
            elif should_mask(error):
                processed.append(_with_code(error, "INTERNAL_SERVER_ERROR", self.error_message))
            elif isinstance(error.original_error, DomainError):
                # A query's refusal: the clerk's text, the English beside it for developers.
                refusal = error.original_error
                processed.append(GraphQLError(
                    message=refusal.zh, nodes=error.nodes, source=error.source, positions=error.positions,
                    path=error.path, original_error=refusal,
                    extensions={**(error.extensions or {}), "code": client_code(error),
                                "messageEn": refusal.message, "userErrorCode": refusal.code.value,
                                # The argument refused (dotted path), as a userError's field says.
                                **({"field": refusal.field} if refusal.field else {})},
                ))
            else:
                processed.append(_with_code(error, client_code(error)))
        return processed


def log_errors(errors: list[GraphQLError]) -> None:
    """Unexpected faults with their traceback at ERROR; an overloaded or unreachable database as
    one WARNING line; the client's mistakes at DEBUG (they are the client's to read)."""
    for error in errors:
        original = error.original_error
        if is_unavailable(original):
            log.warning("database unavailable: %s: %s", type(original).__name__, str(original)[:200])
        elif should_mask(error):
            log.error("unexpected error in %s", ".".join(map(str, error.path or [])) or "request",
                      exc_info=original)
        else:
            # Not the message: coercion errors repeat the value sent (an ID number, a phone).
            where = ".".join(map(str, error.path or [])) or "-"
            log.debug("client error %s at %s", client_code(error), where)
