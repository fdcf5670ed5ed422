"""Unauthenticated requests can only sign in (and, with DEBUG, introspect)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from .errors import Unauthenticated

OPEN_FIELDS = frozenset({"signIn", "__typename", "__schema", "__type"})


def _root_fields(operation: OperationDefinitionNode) -> set[str]:
    names: set[str] = set()
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        else:  # a fragment at the root: treat as closed unless signed in
            names.add("…")
    return names


class RequireSignIn(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if getattr(context, "viewer_or_none", None) is None:
            operation = ctx.operation_name and next(
                (
                    d
                    for d in ctx.graphql_document.definitions
                    if isinstance(d, OperationDefinitionNode)
                    and d.name
                    and d.name.value == ctx.operation_name
                ),
                None,
            )
            operation = operation or next(
                d for d in ctx.graphql_document.definitions if isinstance(d, OperationDefinitionNode)
            )
            if not _root_fields(operation) <= OPEN_FIELDS:
                error = Unauthenticated()
                ctx.result = ExecutionResult(
                    data=None,
                    errors=[GraphQLError(str(error), extensions=error.extensions, original_error=error)],
                )
                response = getattr(context, "response", None)
                if response is not None:
                    response.status_code = 401
        yield
