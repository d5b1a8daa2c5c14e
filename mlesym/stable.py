"""Numerically stable forms: rewrites that keep a loss finite and accurate in floating point.

Each rule replaces a textbook expression by an equal one built from functions that
exporters compute without overflow or cancellation (log1p, xlogy, logsumexp, log-gamma).
The derivation shows the result as a step, and the verifier checks that it is equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import log1p

from .symbols import logsumexp, xlog1py, xlogy, y


@dataclass(frozen=True)
class StableRule:
    name: str
    identity: str  # the identity, as inline LaTeX, for the document
    apply: Callable[[sp.Expr], sp.Expr]


def _log_sum_exp(expr: sp.Expr) -> sp.Expr:
    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Sum) and isinstance(arg.function, sp.exp):
            (index, lower, upper), *rest = arg.limits
            if not rest:
                return logsumexp(arg.function.args[0], index, lower, upper)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def _log1p(expr: sp.Expr) -> sp.Expr:
    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Add) and sp.Integer(1) in arg.args:
            return log1p(arg - 1)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def _involves_target(expr: sp.Expr) -> bool:
    return any(a.base == y for a in expr.atoms(sp.Indexed))


def _xlogy(expr: sp.Expr) -> sp.Expr:
    def is_candidate(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Mul):
            return False
        logs = [f for f in e.args if isinstance(f, sp.log | log1p)]
        rest = [f for f in e.args if not isinstance(f, sp.log | log1p)]
        return len(logs) == 1 and _involves_target(sp.Mul(*rest))

    def rewrite(e: sp.Mul) -> sp.Expr:
        (log_factor,) = [f for f in e.args if isinstance(f, sp.log | log1p)]
        coefficient, factor = sp.Mul(*(f for f in e.args if f is not log_factor)).as_coeff_Mul()
        if isinstance(factor, sp.Add) and factor.as_coeff_Add()[0].is_negative:
            coefficient, factor = -coefficient, -factor  # (y - 1) log u -> -(1 - y) log u
        function = xlogy if isinstance(log_factor, sp.log) else xlog1py
        return coefficient * function(factor, log_factor.args[0])

    return expr.replace(is_candidate, rewrite)


def _log_factorial(expr: sp.Expr) -> sp.Expr:
    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.factorial):
            return sp.loggamma(arg.args[0] + 1)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


RULES = (
    StableRule(
        "logsumexp",
        r"$\log \sum_j e^{z_j} = \operatorname{logsumexp}_j(z_j)$, computed shifted by its maximum",
        _log_sum_exp,
    ),
    StableRule("log1p", r"$\log(1 + u) = \operatorname{log1p}(u)$", _log1p),
    StableRule(
        "log-factorial", r"$\log y! = \log\Gamma(y + 1)$, never forming $y!$", _log_factorial
    ),
    StableRule(
        "xlogy",
        r"$a \log b = \operatorname{xlogy}(a, b)$ and "
        r"$a \log(1 + b) = \operatorname{xlog1py}(a, b)$,"
        r" which are $0$ where $a = 0$ (so $0 \log 0 = 0$)",
        _xlogy,
    ),
)


def stable_form(expr: sp.Expr) -> tuple[sp.Expr, list[StableRule]]:
    """The stable form of ``expr`` and the rules that changed it."""
    used = []
    for rule in RULES:
        rewritten = rule.apply(expr)
        if rewritten != expr:
            used.append(rule)
            expr = rewritten
    return expr, used
