"""Documents: the Jinja environment and the derivation, report and index templates, plots,
PDF compilation.

Kept empty: importing a subpackage must not import its modules (cold start)."""
