"""The HTTP API (FastAPI). Every route but `/health` and the docs passes the chokepoint."""
