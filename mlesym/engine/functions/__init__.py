"""The vocabulary of named functions: each declared once, with every face it has.

A declaration (``Named``) says what a function is to each part of mlesym: the SymPy class
(its ``_latex`` is its LaTeX, its ``fdiff`` its derivative), the name a user may type in a
formula, its elementary meaning (what the verifier evaluates), its value in mpmath, and its
array spelling in each backend with the runtime helpers that spelling calls. The parser's
allow-list, the verifier's mpmath table and the exporters' call tables are all read from
here, so they cannot drift apart. A new function is one new file in this folder defining
``FUNCTIONS``; the registry discovers it, as ``mlesym/families/`` discovers families.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy as sp

DEFAULT = "array"  # the spelling key every backend falls back to, written with {xp}


@dataclass(frozen=True)
class Named:
    """One function and all its faces.

    ``arrays`` maps a backend's name (or ``DEFAULT``, written with ``{xp}`` for the backend's
    array namespace) to a call template over the printed arguments ``{0}``, ``{1}``, ...;
    ``helpers`` names, per backend, the runtime helpers that template calls. ``lowered``:
    the exporter rewrites the function into array operations of its own before printing
    (a sum over classes), so it needs no spelling. ``examples``: arguments where the
    function is defined, at which its array spellings are checked against mpmath.
    """

    function: Any  # the SymPy class; None for a typed name that builds other functions
    typed: str | None = None
    arity: int = 1  # arguments in a typed formula; -2: two or more
    build: Callable[..., sp.Expr] | None = None  # what a typed call builds, if not `function`
    elementary: Callable[..., sp.Expr] | None = None
    mpmath: Callable | None = None
    estimate: Callable | None = None  # a size-safe mpmath value, for the parser's caps
    arrays: Mapping[str, str] = field(default_factory=dict)
    helpers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lowered: bool = False
    examples: tuple[tuple[float, ...], ...] = ()
    operator: str | None = None  # the \operatorname{...} it prints as, which read-back reads
    constant_only: bool = False  # no array form: exported only where its arguments are numbers

    @property
    def name(self) -> str:
        """The SymPy class name, as the printers dispatch on it (``Max``, ``loggamma``)."""
        return self.typed if self.function is None else self.function.__name__

    def spelling(self, backends: tuple[str, ...], namespace: str) -> tuple[str, tuple[str, ...]]:
        """The call template and helpers for a backend: the first of ``backends`` (the
        backend, then the ones it derives from) with a spelling, else the default one.
        None when there is none."""
        for backend in (*backends, DEFAULT):
            if backend in self.arrays:
                template = self.arrays[backend].replace("{xp}", namespace)
                return template, tuple(self.helpers.get(backend, ()))
        return None, ()


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


@cache
def declarations() -> tuple[Named, ...]:
    """Every declared function, in the order of their files."""
    found: list[Named] = []
    for module in _modules():
        found.extend(importlib.import_module(f"{__name__}.{module}").FUNCTIONS)
    return tuple(found)


@cache
def by_name() -> Mapping[str, Named]:
    """Declarations by the printers' name of the function (``type(e).__name__``)."""
    return {named.name: named for named in declarations() if isinstance(named.function, type)}


@cache
def typed() -> Mapping[str, Named]:
    """What a user may type in a formula, by name: the parser's allow-list."""
    return {named.typed: named for named in declarations() if named.typed is not None}


@cache
def operators() -> Mapping[str, type]:
    r"""\operatorname names -> the function they print, for reading LaTeX back."""
    return {named.operator: named.function for named in declarations() if named.operator}


@cache
def mpmath_table() -> Mapping[type, Callable]:
    """SymPy class -> its mpmath value, for the verifier's evaluator."""
    return {
        named.function: named.mpmath
        for named in declarations()
        if named.mpmath is not None and isinstance(named.function, type)
    }


@cache
def evaluated() -> frozenset[type]:
    """Functions with both an elementary meaning and an mpmath value of their own, which
    numeric evaluation keeps: xlogy's value is 0 at x = 0 where x log y is 0 log 0."""
    return frozenset(
        named.function
        for named in declarations()
        if named.mpmath is not None and named.elementary is not None
    )


def kept_whole(expr: sp.Expr, *variables: sp.Basic) -> frozenset[type]:
    """The named functions in ``expr`` with a value of their own that involve none of
    ``variables``: ``elementary`` may keep them whole (the Tweedie's a(y, phi, p), whose
    meaning is a series, is a number at each target)."""
    return frozenset(
        type(e)
        for e in expr.atoms(sp.Function)
        if type(e) in evaluated() and not any(e.has(v) for v in variables)
    )


@cache
def _rewrites() -> Mapping[type, Callable[..., sp.Expr]]:
    return {
        named.function: named.elementary
        for named in declarations()
        if named.elementary is not None and isinstance(named.function, type)
    }


def elementary(expr: sp.Expr, keep: frozenset[type] = frozenset()) -> sp.Expr:
    """Rewrite the named functions (sigmoid, softplus, xlogy, ...) into exp, log and SymPy's
    own functions: what they mean, for the verifier. ``keep``: functions left as they are."""
    rewrites = {k: v for k, v in _rewrites().items() if k not in keep}
    while True:
        rewritten = expr.replace(
            lambda e: type(e) in rewrites, lambda e: rewrites[type(e)](*e.args)
        )
        if rewritten == expr:
            return expr
        expr = rewritten
