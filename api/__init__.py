"""The HTTP API for other systems (one-stop portals, counter clients, archives).

A face like the CLI: it reads the settings once, opens the catalog and object
store, and hands uploads to the same pipeline. Every endpoint but health,
readiness, metrics and the published schema needs an API key.
"""
