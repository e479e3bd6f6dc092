"""Helpers every kind of test shares: a GraphQL client, a webhook receiver, profile lookups."""
