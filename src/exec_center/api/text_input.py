"""Text the client sends is refused at the edge when it holds control characters or lone surrogates.

NUL cannot be stored by PostgreSQL (it became an internal error) and a lone surrogate cannot be
encoded as UTF-8; no clerk types either. Tab, line feed and carriage return stay allowed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

ALLOWED_CONTROLS = frozenset("\t\n\r")


def bad_character(text: str) -> str | None:
    """The first character a text field may not hold, as U+XXXX; None when the text is clean."""
    for char in text:
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return f"U+{ord(char):04X}"
    return None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: str | None = None

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if self.found is None:
            self.found = bad_character(node.value)


class RefuseControlCharacters(SchemaExtension):
    """Before execution: every string in the variables and in the query's literals is clean."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        message = None
        for path, text in _strings(ctx.variables or {}, "$"):
            found = bad_character(text)
            if found:
                message = (f"variable {path[2:] or '$'} contains the control character {found}; "
                           "text fields may not hold control characters")
                break
        if message is None and ctx.graphql_document is not None:
            literals = _Literals()
            visit(ctx.graphql_document, literals)
            if literals.found:
                message = (f"a string in the query contains the control character {literals.found}; "
                           "text fields may not hold control characters")
        if message is not None:
            ctx.result = ExecutionResult(
                data=None, errors=[GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
