"""The GraphQL schema. The SDL snapshot in graphql/schema.graphql is checked by a test."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

import app
from app.entrypoints.gql.context import Context
from app.entrypoints.gql.identity import IdentityMutation, IdentityQuery
from app.entrypoints.gql.ingestion import IngestionMutation, IngestionQuery
from app.entrypoints.gql.privacy import PrivacyMutation, PrivacyQuery
from app.entrypoints.gql.traits import TraitMutation, TraitQuery
from app.entrypoints.health import check_readiness
from app.errors import CdpError


@strawberry.type(description="Whether the platform and its backing services answer.")
class Health:
    status: str = strawberry.field(
        description="'ok' when every dependency answers, else 'degraded'"
    )
    neo4j: bool
    valkey: bool
    version: str


@strawberry.type
class Query(IdentityQuery, IngestionQuery, TraitQuery, PrivacyQuery):
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
class Mutation(IdentityMutation, IngestionMutation, TraitMutation, PrivacyMutation):
    """Every mutation group is a base class, as for Query."""


def _should_mask(error: GraphQLError) -> bool:
    """Show our own errors and GraphQL's (they name the problem, never data); mask the rest."""
    original = error.original_error
    return original is not None and not isinstance(original, CdpError | StrawberryGraphQLError)


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: QueryDepthLimiter(max_depth=12),
            lambda: MaxTokensLimiter(max_token_count=4000),
            lambda: MaskErrors(should_mask_error=_should_mask),
        ],
    )
