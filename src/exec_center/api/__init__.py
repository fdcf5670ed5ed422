"""The GraphQL API: Strawberry types, queries, mutations and permissions, by area."""
