"""Printers: the textbook LaTeX printer, the read-back check that every printed formula is
the verified one, MathML for HTML.

Kept empty: importing a subpackage must not import its modules (cold start)."""
