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

from .symbols import logcosh, logsumexp, xexp, xlog1py, xlogy, y


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
    def log_gamma_of(factor: sp.Expr) -> sp.Expr | None:
        base, power = factor.as_base_exp()
        if isinstance(base, sp.factorial):
            return power * sp.loggamma(base.args[0] + 1)
        if isinstance(base, sp.gamma):
            return power * sp.loggamma(base.args[0])
        return None

    def rewrite(arg: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(arg)
        logs = [log_gamma_of(f) for f in factors]
        if all(term is None for term in logs):
            return sp.log(arg)
        rest = sp.Mul(*(f for f, term in zip(factors, logs, strict=True) if term is None))
        return sp.log(rest) + sp.Add(*(term for term in logs if term is not None))

    return expr.replace(sp.log, rewrite)


def _target_times_exp(expr: sp.Expr) -> sp.Expr:
    """y e^u -> e^(u + log y), for positive y: the product is finite where e^u alone is not."""

    def is_candidate(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Mul):
            return False
        targets = [f for f in e.args if isinstance(f, sp.Indexed) and f.base == y]
        return len(targets) == 1 and sum(isinstance(f, sp.exp) for f in e.args) == 1

    def rewrite(e: sp.Mul) -> sp.Expr:
        (target,) = [f for f in e.args if isinstance(f, sp.Indexed) and f.base == y]
        (power,) = [f for f in e.args if isinstance(f, sp.exp)]
        rest = sp.Mul(*(f for f in e.args if f is not target and f is not power))
        return rest * xexp(target, power.args[0])

    return expr.replace(is_candidate, rewrite)


RULES = (
    StableRule(
        "logsumexp",
        r"$\log \sum_j e^{z_j} = \operatorname{logsumexp}_j(z_j)$, computed shifted by its maximum",
        _log_sum_exp,
    ),
    StableRule("log1p", r"$\log(1 + u) = \operatorname{log1p}(u)$", _log1p),
    StableRule(
        "log-factorial",
        r"$\log y! = \log\Gamma(y + 1)$ and $\log \Gamma(u)$ computed directly, never forming "
        r"$y!$ or $\Gamma(u)$",
        _log_factorial,
    ),
    StableRule(
        "logcosh",
        r"$\log\cosh u = |u| + \operatorname{log1p}(e^{-2|u|}) - \log 2$, which never overflows",
        lambda expr: expr.replace(
            lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.cosh),
            lambda e: logcosh(e.args[0].args[0]),
        ),
    ),
    StableRule(
        "xlogy",
        r"$a \log b = \operatorname{xlogy}(a, b)$ and "
        r"$a \log(1 + b) = \operatorname{xlog1py}(a, b)$,"
        r" which are $0$ where $a = 0$ (so $0 \log 0 = 0$)",
        _xlogy,
    ),
)


POSITIVE_TARGET_RULES = (
    StableRule(
        "target-exp",
        r"$y\,e^{u} = e^{u + \log y}$ for $y > 0$, finite wherever the product is",
        _target_times_exp,
    ),
)


def stable_form(expr: sp.Expr, positive_target: bool = False) -> tuple[sp.Expr, list[StableRule]]:
    """The stable form of ``expr`` and the rules that changed it."""
    used = []
    for rule in RULES + (POSITIVE_TARGET_RULES if positive_target else ()):
        rewritten = rule.apply(expr)
        if rewritten != expr:
            used.append(rule)
            expr = rewritten
    return expr, used
