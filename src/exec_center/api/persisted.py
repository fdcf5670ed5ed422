"""Persisted (trusted) operations: the catalogue in `schema/operations`, asked for by hash.

Every catalogue file is one operation, known by the sha256 (lower-case hex) of the file's text,
exactly as it is stored, and also by the sha256 of the text GraphQL Code Generator's client preset
sends for it (`persistedDocuments`, see `client_preset_text`). The files are read and parsed once
per process and validated once per schema at start, so that a request for one of them skips both
steps: by hash (Apollo's APQ
`extensions.persistedQuery.sha256Hash`, or the GraphQL-over-HTTP draft's `documentId`
"sha256:<hex>"), or by sending its exact text. Nothing a client sends is ever added to the
catalogue (no automatic registration): only the shipped files are trusted. With
`EXEC_CENTER_TRUSTED_DOCUMENTS_ONLY` the endpoint runs nothing else.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListTypeNode,
    ListValueNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    TypeNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    parse,
    print_schema,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.schema import validate_document

log = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parents[1]  # src/exec_center (or site-packages/exec_center)
# Where the catalogue is looked for: shipped inside the package (a wheel built with the catalogue
# as package data), else the source tree's `schema/operations` (a checkout, an editable install).
CATALOGUE_DIRS = (_PACKAGE / "operations", _PACKAGE.parents[1] / "schema" / "operations")

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
DOCUMENT_ID_PREFIX = "sha256:"

# What a client reads in `errors[].extensions.code`.
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # Apollo's APQ code; also for an unknown documentId
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"  # trusted documents only: not a catalogue operation
# Apollo Server answers an unknown hash 200 with this, so that no cache keeps the miss.
NO_CACHE = {"Cache-Control": "private, no-cache, must-revalidate"}


def sha256_hex(text: str) -> str:
    """The key of a document: sha256 of its UTF-8 text, lower-case hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(eq=False)
class PersistedOperation:
    """One catalogue file (`form` "file"), or the text the client preset makes of it ("client
    preset"): its text, hash and document, parsed once."""

    name: str
    text: str
    sha256: str
    document: DocumentNode
    operation_type: OperationType
    form: str = "file"
    # Validation errors by (schema fingerprint, rules): filled at start, read on each request.
    _validated: dict[tuple[str, tuple[type[ASTValidationRule], ...]], list[GraphQLError]] = field(
        default_factory=dict, repr=False
    )

    @property
    def document_id(self) -> str:
        return DOCUMENT_ID_PREFIX + self.sha256

    def validation_errors(
        self, fingerprint: str, schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...]
    ) -> list[GraphQLError]:
        """Strawberry's validation of the document with these rules, run once and kept."""
        key = (fingerprint, rules)
        errors = self._validated.get(key)
        if errors is None:
            errors = self._validated[key] = validate_document(schema, self.document, rules)
        return errors


class Catalogue:
    """The trusted operations, by hash and by text. Read once per process (`load_catalogue`)."""

    def __init__(self, operations: Iterable[PersistedOperation], directory: Path | None) -> None:
        self.directory = directory
        self.by_hash: dict[str, PersistedOperation] = {op.sha256: op for op in operations}
        self.by_text: dict[str, PersistedOperation] = {op.text: op for op in self.by_hash.values()}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many catalogue files (each is known by two hashes)."""
        return len({op.name for op in self.by_hash.values()})

    def __iter__(self) -> Iterator[PersistedOperation]:
        return iter(self.by_hash.values())

    def get(self, sha256: str) -> PersistedOperation | None:
        return self.by_hash.get(sha256)

    def for_document_id(self, document_id: str) -> PersistedOperation | None:
        """The operation of a documentId "sha256:<hex>" (the draft's SHA256 hex identifier)."""
        if not document_id.startswith(DOCUMENT_ID_PREFIX):
            return None
        return self.by_hash.get(document_id[len(DOCUMENT_ID_PREFIX) :])

    def for_text(self, text: str | None) -> PersistedOperation | None:
        """The operation whose file is exactly this text (one dict look-up, no parsing)."""
        return self.by_text.get(text) if text is not None else None

    def validate(self, schema: GraphQLSchema, rules: tuple[type[ASTValidationRule], ...]) -> str:
        """Validate every operation against `schema` with `rules`, once: the results are kept for
        every schema printed the same (the app builds a new, identical schema per process or per
        test). Returns the schema's fingerprint to pass to `validation_errors`."""
        fingerprint = schema_fingerprint(schema)
        with self._lock:
            for op in self:
                errors = op.validation_errors(fingerprint, schema, rules)
                if errors:
                    log.error("catalogue operation %s does not validate: %s", op.name, errors[0].message)
        return fingerprint


def schema_fingerprint(schema: GraphQLSchema) -> str:
    return sha256_hex(print_schema(schema))


def catalogue_dir() -> Path | None:
    return next((path for path in CATALOGUE_DIRS if path.is_dir()), None)


@cache
def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Read and parse every `*.graphql` of the catalogue (once per process and directory)."""
    directory = directory or catalogue_dir()
    if directory is None:
        log.warning("no operations catalogue found (looked in %s): no persisted operations",
                    ", ".join(str(path) for path in CATALOGUE_DIRS))
        return Catalogue((), None)
    operations = []
    for path in sorted(directory.glob("*.graphql")):
        text = path.read_bytes().decode("utf-8")  # as stored: no newline translation
        document = parse(text)
        definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(definitions) != 1:
            raise ValueError(f"{path.name}: a catalogue file holds exactly one operation")
        forms = [("file", text, document)]
        try:
            printed = client_preset_text(document)
        except ValueError as error:  # a block string: no client-preset form (none in the catalogue)
            log.debug("%s: no client-preset form: %s", path.name, error)
        else:
            if printed != text:
                forms.append(("client preset", printed, parse(printed)))
        for form, form_text, form_document in forms:
            operations.append(
                PersistedOperation(
                    name=path.stem,
                    text=form_text,
                    sha256=sha256_hex(form_text),
                    document=form_document,
                    operation_type=definitions[0].operation,
                    form=form,
                )
            )
    return Catalogue(operations, directory)


# --- the text GraphQL Code Generator's client preset sends --------------------------------------
#
# With `persistedDocuments: {hashAlgorithm: "sha256"}` the client preset
# (@graphql-codegen/client-preset) identifies an operation as "sha256:" + the sha256 hex of
# `printExecutableGraphQLDocument(document)` (@graphql-tools/documents 1.0.x): the operation and its
# fragments sorted (definitions by kind then name; selections fields first, then fragment spreads,
# then inline fragments, each by name - except a mutation's root selections, which keep their
# order; variable definitions, and the arguments of directives, by name; compared by code unit),
# printed by graphql-js 16's `print`, every run of white space made one space. This is the same
# for the catalogue's files: tests compare it with graphql-js for every file.

_JS_WHITE_SPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_JS_MAX_LINE_LENGTH = 80


def client_preset_text(document: DocumentNode) -> str:
    """The text the client preset sends for (and hashes of) this document; ValueError for a
    document holding a block string, whose printing is not reproduced here."""
    def key(definition: object) -> tuple[str, bool, str]:
        name = getattr(getattr(definition, "name", None), "value", None)
        return (definition.kind, name is None, name or "")  # type: ignore[attr-defined]  # unnamed last

    definitions = sorted(document.definitions, key=key)
    return _JS_WHITE_SPACE.sub(" ", "\n\n".join(_print_definition(d) for d in definitions)).strip(" ")


def _wrap(start: str, text: str | None, end: str = "") -> str:
    return f"{start}{text}{end}" if text else ""


def _join(parts: Iterable[str | None], separator: str) -> str:
    return separator.join(part for part in parts if part)


def _print_string(value: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for char in value:
        code = ord(char)
        if char in escapes:
            out.append(escapes[char])
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _print_value(node: ValueNode) -> str:
    if isinstance(node, VariableNode):
        return "$" + node.name.value
    if isinstance(node, (IntValueNode, FloatValueNode, EnumValueNode)):
        return node.value
    if isinstance(node, StringValueNode):
        if node.block:
            raise ValueError("block strings are not reproduced")
        return _print_string(node.value)
    if isinstance(node, BooleanValueNode):
        return "true" if node.value else "false"
    if isinstance(node, NullValueNode):
        return "null"
    if isinstance(node, ListValueNode):
        return "[" + ", ".join(_print_value(value) for value in node.values) + "]"
    if isinstance(node, ObjectValueNode):  # graphql-js 16: no spaces inside the braces
        return "{" + ", ".join(f"{f.name.value}: {_print_value(f.value)}" for f in node.fields) + "}"
    raise ValueError(f"unexpected value {node.kind}")


def _print_type(node: TypeNode) -> str:
    if isinstance(node, NonNullTypeNode):
        return _print_type(node.type) + "!"
    if isinstance(node, ListTypeNode):
        return "[" + _print_type(node.type) + "]"
    return node.name.value  # type: ignore[attr-defined]


def _print_directives(directives: Iterable[DirectiveNode] | None, *, sort: bool, order: bool = True) -> str:
    """`sort`: the directives by name; `order`: their arguments by name (as the preset does)."""
    nodes = sorted(directives or (), key=lambda d: d.name.value) if sort else list(directives or ())

    def arguments(directive: DirectiveNode) -> list[ArgumentNode]:
        found = list(directive.arguments or ())
        return sorted(found, key=lambda a: a.name.value) if order else found

    def printed(directive: DirectiveNode) -> str:
        found = ", ".join(f"{a.name.value}: {_print_value(a.value)}" for a in arguments(directive))
        return "@" + directive.name.value + _wrap("(", found, ")")

    return " ".join(printed(d) for d in nodes)


def _print_variables(definitions: Iterable[VariableDefinitionNode] | None) -> str:
    return ", ".join(
        f"${v.variable.name.value}: {_print_type(v.type)}"
        + _wrap(" = ", v.default_value and _print_value(v.default_value))
        + _wrap(" ", _print_directives(v.directives, sort=False))
        for v in sorted(definitions or (), key=lambda v: v.variable.name.value)
    )


def _selection_key(node: SelectionNode) -> str:
    if isinstance(node, FieldNode):
        return "0" + node.name.value
    if isinstance(node, FragmentSpreadNode):
        return "1" + node.name.value
    assert isinstance(node, InlineFragmentNode)
    # The preset sorts the fragment's own selections and prints them as written below that.
    condition = node.type_condition.name.value if node.type_condition else ""
    printed = " ".join(_print_selection(s, order=False) for s in _sorted(node.selection_set.selections))
    return "2" + condition + _JS_WHITE_SPACE.sub(" ", printed).strip(" ")


def _sorted(selections: Iterable[SelectionNode]) -> list[SelectionNode]:
    return sorted(selections, key=_selection_key)


def _print_selection_set(node: SelectionSetNode, *, order: bool, keep: bool = False) -> str:
    """`order`: the preset's ordering below; `keep`: a mutation's root selections (or an inline
    fragment's among them), which keep their order."""
    selections = _sorted(node.selections) if order and not keep else list(node.selections)
    return "{\n" + "\n".join(_print_selection(s, order=order, keep=keep) for s in selections) + "\n}"


def _print_selection(node: SelectionNode, *, order: bool, keep: bool = False) -> str:
    if isinstance(node, FieldNode):
        prefix = _wrap("", node.alias and node.alias.value, ": ") + node.name.value
        arguments = [f"{a.name.value}: {_print_value(a.value)}" for a in node.arguments or ()]
        line = prefix + _wrap("(", ", ".join(arguments), ")")
        if len(line) > _JS_MAX_LINE_LENGTH:
            line = prefix + _wrap("(\n", "\n".join(arguments), "\n)")
        selection_set = node.selection_set and _print_selection_set(node.selection_set, order=order)
        return _join([line, _print_directives(node.directives, sort=False, order=order), selection_set], " ")
    if isinstance(node, FragmentSpreadNode):
        directives = _print_directives(node.directives, sort=order, order=order)
        return "..." + node.name.value + _wrap(" ", directives)
    assert isinstance(node, InlineFragmentNode)
    condition = node.type_condition and node.type_condition.name.value
    directives = _print_directives(node.directives, sort=order and not keep, order=order)
    selection_set = _print_selection_set(node.selection_set, order=order, keep=keep)
    return _join(["...", _wrap("on ", condition), directives, selection_set], " ")


def _print_definition(node: object) -> str:
    if isinstance(node, OperationDefinitionNode):
        # A mutation's root fields run in order: the client preset keeps them so.
        body = _print_selection_set(
            node.selection_set, order=True, keep=node.operation is OperationType.MUTATION
        )
        variables = _wrap("(", _print_variables(node.variable_definitions), ")")
        directives = _print_directives(node.directives, sort=False)
        if not node.name and not variables and not directives and node.operation is OperationType.QUERY:
            return body
        name_and_variables = _join([node.name and node.name.value, variables], "")
        return _join([node.operation.value, name_and_variables, directives, body], " ")
    if isinstance(node, FragmentDefinitionNode):
        variables = _wrap("(", _print_variables(node.variable_definitions), ")")
        directives = _wrap("", _print_directives(node.directives, sort=True), " ")
        return (
            f"fragment {node.name.value}{variables} on {node.type_condition.name.value} {directives}"
            + _print_selection_set(node.selection_set, order=True)
        )
    raise ValueError("not an executable document")


# --- execution: a catalogue operation is neither parsed nor validated again ----------------------


class CatalogueDocuments(SchemaExtension):
    """Strawberry's ParserCache and ValidationCache (same caches, same sizes), except for the text
    of a catalogue operation: its document parsed at start is used as it is, and its validation
    result kept at start. The schema's `catalogue` and `catalogue_fingerprint` say which.

    The view turns a hash into the catalogue's text (the very string), so the look-up is one dict
    access; a client that sends a catalogue file's exact text gets the same."""

    def __init__(self, *, parse_cache_size: int, validation_cache_size: int) -> None:
        self.parser = ParserCache(maxsize=parse_cache_size)
        self.validator = ValidationCache(maxsize=validation_cache_size)
        self.operation: PersistedOperation | None = None

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        catalogue: Catalogue | None = getattr(ctx.schema, "catalogue", None)
        self.operation = catalogue.for_text(ctx.query) if catalogue is not None else None
        if self.operation is not None:
            ctx.graphql_document = self.operation.document
            yield
            return
        self.parser.execution_context = ctx
        yield from self.parser.on_parse()

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if self.operation is not None and ctx.graphql_document is self.operation.document:
            ctx.pre_execution_errors = self.operation.validation_errors(
                ctx.schema.catalogue_fingerprint,  # type: ignore[attr-defined]
                ctx.schema._schema,
                ctx.validation_rules,
            )
            yield
            return
        self.validator.execution_context = ctx
        yield from self.validator.on_validate()


# --- the HTTP request: which document does it name? -----------------------------------------------


class PersistedOperationRefused(Exception):
    """A request the endpoint answers without running it: the status, message and code to send."""

    def __init__(
        self, status_code: int, message: str, code: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def _allowed_hint(catalogue: Catalogue) -> str:
    return (
        f"this server runs the {len(catalogue)} operations of its catalogue (schema/operations): "
        'send one by its hash, as `extensions: {"persistedQuery": {"version": 1, "sha256Hash": '
        '"<sha256 hex of the file>"}}` or `documentId: "sha256:<hex>"`, or send its exact text'
    )


def resolve_query(
    catalogue: Catalogue,
    *,
    query: str | None,
    document_id: object,
    extensions: Mapping[str, Any] | None,
    trusted_only: bool,
    allow_introspection: bool,
) -> str | None:
    """The document text to run for a request, or `PersistedOperationRefused`.

    - `documentId` "sha256:<hex>": the catalogue's text for it; unknown: 400.
    - `extensions.persistedQuery` (APQ) without `query`: the catalogue's text; unknown: 200 with
      PersistedQueryNotFound, which Apollo's link understands. With `query`: the hash must be the
      query's (else 400), and the query runs as sent (it is not registered).
    - `trusted_only`: any other text is refused 400 unless it is a catalogue file's exact text
      (or, with `allow_introspection`, an introspection query: GraphiQL in DEBUG).
    """
    if document_id is not None:
        if not isinstance(document_id, str):
            raise PersistedOperationRefused(400, "`documentId` must be a string such as \"sha256:<hex>\"",
                                            "BAD_REQUEST")
        if query is not None:
            raise PersistedOperationRefused(
                400, "send either `documentId` or `query`, not both", "BAD_REQUEST"
            )
        operation = catalogue.for_document_id(document_id)
        if operation is None:
            raise PersistedOperationRefused(
                400,
                f"unknown documentId {document_id[:80]!r}: {_allowed_hint(catalogue)}",
                NOT_FOUND,
            )
        return operation.text

    persisted = (extensions or {}).get("persistedQuery")
    if persisted is not None:
        sha256 = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
        if (
            not isinstance(persisted, Mapping)
            or persisted.get("version") != 1
            or not isinstance(sha256, str)
            or not _SHA256_HEX.fullmatch(sha256)
        ):
            raise PersistedOperationRefused(
                400,
                'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<64 lower-case hex>"}',
                "BAD_REQUEST",
            )
        operation = catalogue.get(sha256)
        if query is None:
            if operation is None:
                # Apollo's wording and code: its link then sends the text (which is not registered).
                raise PersistedOperationRefused(200, "PersistedQueryNotFound", NOT_FOUND, NO_CACHE)
            return operation.text
        if sha256_hex(query) != sha256:
            raise PersistedOperationRefused(400, "provided sha does not match query", "BAD_REQUEST")

    if trusted_only and query is not None and catalogue.for_text(query) is None:
        if not (allow_introspection and is_introspection(query)):
            raise PersistedOperationRefused(
                400, f"only trusted operations may run here: {_allowed_hint(catalogue)}", NOT_IN_LIST
            )
    return query


_INTROSPECTION_FIELDS = frozenset({"__schema", "__type", "__typename"})


def is_introspection(query: str) -> bool:
    """Does every operation of the document ask only `__schema`, `__type` or `__typename`?"""
    try:
        document = parse(query, max_tokens=5000)
    except GraphQLError:
        return False
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]

    def only_meta(selection_set: SelectionSetNode, seen: frozenset[str]) -> bool:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value not in _INTROSPECTION_FIELDS:
                    return False
            elif isinstance(selection, InlineFragmentNode):
                if not only_meta(selection.selection_set, seen):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in fragments:
                    return False
                if not only_meta(fragments[name].selection_set, seen | {name}):
                    return False
        return True

    return bool(operations) and all(
        op.operation is OperationType.QUERY and only_meta(op.selection_set, frozenset()) for op in operations
    )
