"""The strawberry GraphQL schema (named `gql` so nothing shadows graphql-core)."""
