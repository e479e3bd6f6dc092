"""The GraphQL schema. The SDL snapshot in graphql/schema.graphql is checked by a test."""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult, Info
from strawberry.types.graphql import OperationType

import app
from app.adapters.neo4j_db import QUERY_COUNTER
from app.entrypoints.gql.apikeys import ApiKeyMutation, ApiKeyQuery
from app.entrypoints.gql.browse import BrowseQuery
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.destinations import DestinationMutation, DestinationQuery
from app.entrypoints.gql.identity import IdentityMutation, IdentityQuery
from app.entrypoints.gql.ingestion import IngestionMutation, IngestionQuery
from app.entrypoints.gql.journeys import JourneyMutation, JourneyQuery
from app.entrypoints.gql.privacy import PrivacyMutation, PrivacyQuery
from app.entrypoints.gql.redecisions import RedecisionQuery
from app.entrypoints.gql.review import ReviewMutation, ReviewQuery
from app.entrypoints.gql.segments import SegmentMutation, SegmentQuery
from app.entrypoints.gql.sending import SendingMutation
from app.entrypoints.gql.subscriptions import Subscription
from app.entrypoints.gql.traits import TraitMutation, TraitQuery
from app.entrypoints.gql.viewer import ViewerQuery
from app.entrypoints.health import check_readiness
from app.errors import CdpError

ERRORS_LOG = logging.getLogger("app.graphql")
#: graphql-core's hint after an unknown name: "Cannot query field 'x' ... Did you mean 'y'?"
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


@strawberry.type(description="Whether the platform and its backing services answer.")
class Health:
    status: str = strawberry.field(
        description="'ok' when every dependency answers, else 'degraded'"
    )
    neo4j: bool
    valkey: bool
    version: str


@strawberry.type
class Query(
    IdentityQuery,
    ReviewQuery,
    BrowseQuery,
    SegmentQuery,
    JourneyQuery,
    DestinationQuery,
    IngestionQuery,
    RedecisionQuery,
    TraitQuery,
    PrivacyQuery,
    ViewerQuery,
    ApiKeyQuery,
):
    """Every query group is a base class: one root type, fields grouped by module."""

    @strawberry.field(description="Liveness of the API and its dependencies; needs no credentials.")
    async def health(self, info: Info[Context, Any]) -> Health:
        readiness = await check_readiness(info.context.container)
        return Health(
            status="ok" if readiness.ready else "degraded",
            neo4j=readiness.neo4j,
            valkey=readiness.valkey,
            version=app.__version__,
        )


@strawberry.type
class Mutation(
    IdentityMutation,
    ReviewMutation,
    SendingMutation,
    SegmentMutation,
    JourneyMutation,
    DestinationMutation,
    IngestionMutation,
    TraitMutation,
    PrivacyMutation,
    ApiKeyMutation,
):
    """Every mutation group is a base class, as for Query."""


def _should_mask(error: GraphQLError) -> bool:
    """Show our own errors and GraphQL's (a variable of the wrong type is one: its message is
    kept, without the value, by `without_values`); mask the rest."""
    original = error.original_error
    return original is not None and not isinstance(original, CdpError | GraphQLError)


#: Where graphql-core quotes a value of the request after naming the problem: "Int cannot
#: represent non-integer value: <value>", "..., found: <value>.", "... Found: <value>.",
#: "..., but encountered error '<message>'; found: <value>.". The value may be personal.
_VALUE_TAIL = re.compile(
    r"(?P<keep>cannot represent [^:]*?value): .*\Z|"
    r"(?:, but encountered error .*?;)? ?,? ?[Ff]ound: .*\Z",
    re.DOTALL,
)
#: A string token of a syntax error: 'Expected Name, found String "<value>".'
_STRING_TOKEN = re.compile(r' ?"(?:[^"\\]|\\.)*"')
#: What graphql-core puts in single quotes that is safe to repeat: names, types, variables,
#: directives, paths and single characters. Anything else (a key of a JSON variable: an
#: e-mail address) is not repeated.
_QUOTED = re.compile(r"'([^']*)'")
_SAFE_QUOTED = re.compile(r"@?[$A-Za-z0-9_.\[\]!]{0,100}|[^\sA-Za-z0-9]|\\.")


def without_values(message: str) -> str:
    """GraphQL's own error message without the request's values it quotes: it still names
    the problem, the argument or variable and the expected type."""
    cut = _VALUE_TAIL.sub(lambda m: m.group("keep") or "", message).rstrip(" .,;")
    cut = _STRING_TOKEN.sub("", cut)
    cut = _QUOTED.sub(lambda m: m.group(0) if _SAFE_QUOTED.fullmatch(m.group(1)) else "'...'", cut)
    return cut if cut.endswith(("?", ".")) else cut + "."


class Neo4jQueryCount(SchemaExtension):
    """Counts the Neo4j queries a request sends (`extensions.neo4jQueries`, outside
    production): the proof that list fields batch instead of querying once per row."""

    def on_operation(self) -> Iterator[None]:
        self.counter = [0]
        QUERY_COUNTER.set(self.counter)
        yield

    def get_results(self) -> dict[str, Any]:
        return {"neo4jQueries": self.counter[0]}


class AuditPersonalReads(SchemaExtension):
    """Writes the request's decrypted reads to the audit log, once, when it ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            await context.flush_audit()


class TimedSchema(strawberry.Schema):
    """A schema whose queries and mutations must finish within a time limit, and whose
    errors are logged without anything a caller wrote."""

    time_limit: float = 10.0
    suggestions: bool = True

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """One line per error: where it happened and what kind it was. GraphQL's own message
        and source excerpt quote the request's literals (an e-mail in an argument), so they
        are left out; our own errors' messages name the problem, never a value."""
        for error in errors:
            original = error.original_error
            kind = "request" if original is None else type(original).__name__
            fields: dict[str, Any] = {
                "kind": kind,
                "path": [str(p) for p in error.path or ()],
                "locations": [(loc.line, loc.column) for loc in error.locations or ()],
            }
            if isinstance(original, CdpError):
                fields["reason"] = str(original)
                ERRORS_LOG.info("graphql request refused", extra=fields)
            elif original is None or isinstance(original, GraphQLError):
                ERRORS_LOG.info("graphql request refused", extra=fields)
            else:
                fields["trace"] = "".join(traceback.format_tb(original.__traceback__))
                ERRORS_LOG.error("graphql resolver failed", extra=fields)

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Queries and mutations; a subscription sent over HTTP (not streamed) would fail in
        its resolver as an unexpected error, so it is refused as an operation type: a 400
        over HTTP ("subscriptions are not allowed when using POST")."""
        allowed = kwargs.get("allowed_operation_types") or DEFAULT_ALLOWED_OPERATION_TYPES
        kwargs["allowed_operation_types"] = set(allowed) - {OperationType.SUBSCRIPTION}
        try:
            result = await asyncio.wait_for(super().execute(*args, **kwargs), self.time_limit)
        except TimeoutError:
            message = f"Request timed out: it took longer than {self.time_limit:g} s"
            return ExecutionResult(data=None, errors=[GraphQLError(message)])
        except CannotGetOperationTypeError as exc:
            if exc.operation_name is None:
                raise
            # strawberry's answer quotes the name as sent, whatever it holds.
            raise HTTPException(400, "operationName: no operation of that name") from None
        for error in result.errors or ():
            # GraphQL's own errors; ours (CdpError, permission refusals) stay as written.
            original = error.original_error
            if original is None or (
                isinstance(original, GraphQLError)
                and not isinstance(original, StrawberryGraphQLError)
            ):
                error.message = without_values(error.message)
            if not self.suggestions:
                error.message = _SUGGESTION.sub("", error.message)
        return result


#: Abuse limits: nesting, size, aliases (each alias of a field runs it again).
MAX_DEPTH = 12
MAX_TOKENS = 4000
MAX_ALIASES = 30


def guard_extensions(max_depth: int = MAX_DEPTH, introspection: bool = True) -> list[Any]:
    """The abuse limits and error masking every schema of the API runs with (this one and
    the trackers' at /v1/graphql); introspection refused when it is off."""
    extensions: list[Any] = [
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaskErrors(should_mask_error=_should_mask),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return extensions


def build_schema(
    *,
    count_queries: bool = False,
    time_limit: float = 10.0,
    max_depth: int = MAX_DEPTH,
    introspection: bool = True,
) -> strawberry.Schema:
    """`introspection=False` (production) also stops "Did you mean ...?" suggestions, which
    would hand out the schema one field name at a time."""
    extensions = [*guard_extensions(max_depth, introspection), AuditPersonalReads]
    if count_queries:
        extensions.append(Neo4jQueryCount)
    schema = TimedSchema(
        query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions
    )
    schema.time_limit = time_limit
    schema.suggestions = introspection
    return schema
