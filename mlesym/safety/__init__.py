"""The small safety modules: bounded worker processes and atomic, marked file writes.

Kept empty: importing a subpackage must not import its modules (cold start)."""
