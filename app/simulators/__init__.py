"""Stand-ins for the upstream services: real HTTP apps that keep state and fail on demand.

They share only the enums (`app.enums`) and the seed data (`app.seed`) with the gateway, never
its resolvers or schema, so they stay honest stand-ins for someone else's service.
"""
