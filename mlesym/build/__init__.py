"""The derivation gallery in outputs/: building, caching, the index.

Kept empty: importing a subpackage must not import its modules (cold start)."""
