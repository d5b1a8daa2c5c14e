"""Everything that runs SymPy on text a user typed: the parser, bounded workers' users, user
densities, verify and identify.

Kept empty: importing a subpackage must not import its modules (cold start)."""
