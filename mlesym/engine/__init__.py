"""The mathematics: symbols and named functions, families' declaration types, links, rules,
stable forms, the Derivation type and its verifier, the analyses (gradient, constant-model
MLE). SymPy only; nothing here imports Jinja or NumPy at import time.

Kept empty: importing a subpackage must not import its modules (cold start)."""
