"""The schema: area types merged, with the safety extensions of a public GraphQL endpoint."""

from __future__ import annotations

import strawberry
from graphql import FieldNode, GraphQLError, ValidationContext, ValidationRule, specified_rules
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
)
from strawberry.extensions.max_aliases import create_validator as alias_limit
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from .admin import AdminMutation
from .cases import CaseMutation, CaseQuery
from .deadlines import (
    CalendarEntryType,
    DeadlineMutation,
    DeadlineQuery,
    DeadlineType,
    ExtensionType,
    NotificationType,
)
from .directory import DirectoryQuery
from .errors import ClientFacingErrors, log_errors
from .exports import ExportMutation, ExportQuery
from .guard import RequireSignIn
from .indicators import IndicatorQuery
from .live import LiveSubscription, OnlySubscriptionsOverWebSocket
from .measures import MeasureMutation
from .messages import MessageMutation, MessageQuery, OnlineMessageType
from .organisation import StaffType, TeamType, WindowType
from .parties import PartyMutation
from .persisted import Catalogue, CatalogueDocuments, load_catalogue
from .session import SessionMutation, SessionQuery, SignOutMutation
from .supervision import SupervisionMutation, SupervisionQuery
from .text_input import RefuseControlCharacters
from .typed_input import SCALAR_MAP, read_typed_input_on
from .windows_api import WindowMutation, WindowQuery
from .worklist import WorkItemType, WorklistMutation, WorklistQuery

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
# Parsed and validated documents kept (Strawberry keeps them in one LRU per size, for the
# process); the catalogue's operations are kept apart, parsed and validated at start.
PARSER_CACHE_SIZE = 256
VALIDATION_CACHE_SIZE = 256


class OneSignInPerRequest(ValidationRule):
    """At most one `signIn` in a request: aliases would otherwise try many passwords at once
    (issue 12: 30 aliases tested 30 passwords in one anonymous request)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.seen = 0

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        if node.name.value == "signIn":
            self.seen += 1
            if self.seen == 2:
                self.report_error(GraphQLError("at most one signIn per request", node))


LIMIT_RULES = [depth_limit(MAX_DEPTH, None, None), alias_limit(MAX_ALIASES), OneSignInPerRequest]

Query = merge_types(
    "Query",
    (
        SessionQuery,
        DirectoryQuery,
        WorklistQuery,
        CaseQuery,
        WindowQuery,
        MessageQuery,
        DeadlineQuery,
        IndicatorQuery,
        SupervisionQuery,
        ExportQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        SessionMutation,
        SignOutMutation,
        WorklistMutation,
        CaseMutation,
        MeasureMutation,
        PartyMutation,
        WindowMutation,
        MessageMutation,
        DeadlineMutation,
        AdminMutation,
        SupervisionMutation,
        ExportMutation,
    ),
)

# Amounts and dates that cannot be read are a userError on their field (api/typed_input.py).
read_typed_input_on(Query, Mutation)

# Live updates over graphql-transport-ws (api/live.py).
Subscription = merge_types("Subscription", (LiveSubscription,))


class CourtSchema(strawberry.Schema):
    # The trusted operations (schema/operations), validated against this schema at start.
    catalogue: Catalogue
    catalogue_fingerprint: str

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors)  # instead of a traceback at ERROR for every client mistake


def build_schema(*, debug: bool = False) -> CourtSchema:
    extensions = [
        # Factories, not instances: extensions keep per-request state.
        RequireSignIn,
        RefuseControlCharacters,  # NUL and the like: a client error, before any statement
        OnlySubscriptionsOverWebSocket,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        # The depth and alias limits as rule classes made once: the validation cache keys on the
        # rules, and QueryDepthLimiter/MaxAliasesLimiter would make new classes per request.
        lambda: AddValidationRules(LIMIT_RULES),
        # ParserCache and ValidationCache, but the catalogue's operations are neither parsed nor
        # validated again (api/persisted.py).
        lambda: CatalogueDocuments(
            parse_cache_size=PARSER_CACHE_SIZE, validation_cache_size=VALIDATION_CACHE_SIZE
        ),
        ClientFacingErrors,
    ]
    if not debug:
        extensions.append(DisableIntrospection)
    schema = CourtSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            StaffType,
            TeamType,
            WindowType,
            WorkItemType,
            DeadlineType,
            ExtensionType,
            NotificationType,
            CalendarEntryType,
            OnlineMessageType,
        ],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
    )
    schema.catalogue = load_catalogue()
    schema.catalogue_fingerprint = schema.catalogue.validate(schema._schema, validation_rules(debug=debug))
    return schema


def validation_rules(*, debug: bool) -> tuple[type[ValidationRule], ...]:
    """The rules a request is validated with, as the extensions above add them: graphql-core's,
    then the limits, then (without DEBUG) no introspection."""
    return (*specified_rules, *LIMIT_RULES, *(() if debug else (NoSchemaIntrospectionCustomRule,)))
