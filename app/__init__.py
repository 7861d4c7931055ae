"""The running service: settings, database, upstream clients and the ASGI app."""
