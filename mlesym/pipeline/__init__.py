"""From a family to its verified Derivation: the textbook chain of steps, and the cached,
verified derivation every consumer shares.

Kept empty: importing a subpackage must not import its modules (cold start)."""
