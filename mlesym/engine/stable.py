"""Numerically stable forms: rewrites that keep a loss finite and accurate in floating point.

Each rule replaces a textbook expression by an equal one built from functions that
exporters compute without overflow or cancellation (log1p, xlogy, logsumexp, log-gamma).
The derivation shows the result as a step, and the verifier checks that it is equal.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.codegen.cfunctions import log1p

from .functions.logcosh import logcosh
from .functions.logsumexp import logsumexp
from .functions.xexp import xexp
from .functions.xlog import xlog1py, xlogy
from .rules import Rule, reads_negated
from .symbols import y


def _stable(name: str, identity: str, apply: Callable[[sp.Expr], sp.Expr]) -> Rule:
    """A stable form: a Rule whose explanation is its identity, shown in the stable step."""
    return Rule(name, "Numerically stable form", identity, apply)


def _log_sum_exp(expr: sp.Expr) -> sp.Expr:
    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Sum) and isinstance(arg.function, sp.exp):
            (index, lower, upper), *rest = arg.limits
            if not rest:
                return logsumexp(arg.function.args[0], index, lower, upper)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def _log1p(expr: sp.Expr) -> sp.Expr:
    """log(1 + u) -> log1p(u); log(1 + e^u) -> softplus(u), which never overflows."""
    from .functions.logistic import softplus

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Add) and sp.Integer(1) in arg.args:
            rest = arg - 1
            if isinstance(rest, sp.exp) and not rest.has(y):
                return softplus(rest.args[0])
            return log1p(rest)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def _known_positive(f: sp.Expr) -> bool:
    """e^u, a positive number, the target of a positive support, or a power of one."""
    if isinstance(f, sp.Pow):
        return _known_positive(f.base) and bool(f.exp.is_real)
    return isinstance(f, sp.exp) or bool(f.is_positive) or _is_target(f)


def _split_log(base: sp.Expr) -> sp.Expr | None:
    """log(y e^u / f) -> log y + u - log f when every factor but one is known positive (the
    log is real, so the last one is positive too); None for anything else."""
    factors = sp.Mul.make_args(base)
    if base.is_number or len(factors) < 2 or sum(not _known_positive(f) for f in factors) > 1:
        return None
    return sp.Add(*(sp.expand_log(sp.log(f), force=True) for f in factors))


def _log_of_positive_products(expr: sp.Expr) -> sp.Expr:
    """log(y e^-eta) -> log y - eta and log1p((y e^-eta)^b) -> softplus(b (log y - eta)), for
    a positive target: the product overflows where its log does not."""
    from .functions.logistic import softplus

    def split(arg: sp.Expr) -> sp.Expr:
        parts = _split_log(arg) if isinstance(arg, sp.Mul) else None
        return sp.log(arg) if parts is None else parts

    def soften(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.Pow) and not arg.exp.is_Integer:
            parts = _split_log(arg.base) if isinstance(arg.base, sp.Mul) else None
            if parts is not None:
                return softplus(arg.exp * parts)
        return log1p(arg)

    return expr.replace(sp.log, split).replace(log1p, soften)


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
        if reads_negated(factor):
            coefficient, factor = -coefficient, -factor  # (y - 1) log u -> -(1 - y) log u
        function = xlogy if isinstance(log_factor, sp.log) else xlog1py
        return coefficient * function(factor, log_factor.args[0])

    return expr.replace(is_candidate, rewrite)


def _log_of_special_factors(expr: sp.Expr, log_of: Callable[[sp.Expr], sp.Expr | None]):
    """log(a * b^p * ...) -> log(rest) + p log_of(b) + ..., for the bases ``log_of`` knows."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(arg)
        logs = []
        for factor in factors:
            base, power = factor.as_base_exp()
            known = log_of(base)
            logs.append(None if known is None else power * known)
        if all(term is None for term in logs):
            return sp.log(arg)
        rest = sp.Mul(*(f for f, term in zip(factors, logs, strict=True) if term is None))
        return sp.log(rest) + sp.Add(*(term for term in logs if term is not None))

    return expr.replace(sp.log, rewrite)


def _log_gamma(base: sp.Expr) -> sp.Expr | None:
    """log y! = log Gamma(y + 1) and log Gamma(u), never forming the factorial or Gamma."""
    if isinstance(base, sp.factorial):
        return sp.loggamma(base.args[0] + 1)
    if isinstance(base, sp.gamma):
        return sp.loggamma(base.args[0])
    return None


def _log_binomial_coefficient(base: sp.Expr) -> sp.Expr | None:
    if isinstance(base, sp.binomial):
        top, bottom = base.args
        return sp.loggamma(top + 1) - sp.loggamma(bottom + 1) - sp.loggamma(top - bottom + 1)
    return None


def _log_gamma_of_small(expr: sp.Expr) -> sp.Expr:
    """log Gamma(v) = log Gamma(1 + v) - log v, for v = c sigma(u) (c > 0), e^u or
    sum_k e^(u_k), with log v written without forming v: log c - softplus(-u), u, logsumexp.

    1 - sigma(u) is sigma(-u) first. Finite for every u, where v itself underflows to 0.
    """
    from .functions.logistic import sigmoid, softplus
    from .symbols import depends_on_theta

    def reflect(e: sp.Expr) -> sp.Expr:  # 1 - sigma(u) -> sigma(-u)
        rest = 1 - e
        return sigmoid(-rest.args[0]) if isinstance(rest, sigmoid) else e

    def rewrite(arg: sp.Expr) -> sp.Expr:
        if not arg.has(sigmoid):
            return sp.loggamma(arg)
        arg = sp.factor_terms(arg).replace(
            lambda e: isinstance(e, sp.Add) and sp.Integer(1) in e.args, reflect
        )
        c, rest = arg.as_independent(sigmoid, as_Add=False)
        if isinstance(rest, sigmoid) and c.is_positive:
            u = rest.args[0]
            return sp.loggamma(1 + c * rest) - sp.log(c) + softplus(-u)
        return sp.loggamma(arg)

    def rewrite_exp(arg: sp.Expr) -> sp.Expr:
        if isinstance(arg, sp.exp) and depends_on_theta(arg):  # log e^u = u
            return sp.loggamma(1 + arg) - arg.args[0]
        if isinstance(arg, sp.Sum) and isinstance(arg.function, sp.exp) and len(arg.limits) == 1:
            (index, lower, upper), body = arg.limits[0], arg.function.args[0]
            if depends_on_theta(body):  # log sum_k e^(u_k) = logsumexp
                return sp.loggamma(1 + arg) - logsumexp(body, index, lower, upper)
        return sp.loggamma(arg)

    expr = expr.replace(sp.loggamma, rewrite)
    return expr.replace(sp.loggamma, rewrite_exp)


def _continuous_bernoulli_normalizer(expr: sp.Expr) -> sp.Expr:
    """log(2 atanh(1 - 2 sigma(u)) / (1 - 2 sigma(u))) -> logcbnorm(u) = log(u / tanh(u / 2)).

    1 - 2 sigma(u) = -tanh(u / 2), so atanh of it is -u / 2: the 0 / 0 at u = 0 disappears.
    """
    from .functions.logcbnorm import logcbnorm
    from .functions.logistic import sigmoid

    def rewrite(arg: sp.Expr) -> sp.Expr:
        for atanh in arg.atoms(sp.atanh):
            (u,) = {s.args[0] for s in atanh.args[0].atoms(sigmoid)} or {None}
            if u is None:
                continue
            half = sp.atanh(2 * sigmoid(u) - 1) / (2 * sigmoid(u) - 1)  # C(sigma(u)) / 2
            k = sp.cancel(arg / half)
            if k.is_positive and not k.has(sigmoid, sp.atanh):
                return sp.log(k / 2) + logcbnorm(u)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def _is_target(f: sp.Basic) -> bool:
    return isinstance(f, sp.Indexed) and f.base == y


def _is_count(f: sp.Basic) -> bool:
    """y, or c - y for a positive c free of y: the successes or failures of a bounded count."""
    if _is_target(f):
        return True
    if not isinstance(f, sp.Add) or len(f.args) != 2:
        return False
    bound, count = sorted(f.args, key=lambda a: a.could_extract_minus_sign())
    return _is_target(-count) and bool(bound.is_positive) and not bound.has(y)


def _times_exp(is_factor) -> Callable[[sp.Expr], sp.Expr]:
    """The rule a e^u -> e^(u + log a), for the one factor a of a product that ``is_factor``
    accepts (a >= 0 on the support): finite where e^u alone is not, and 0 where a = 0."""

    def is_candidate(e: sp.Basic) -> bool:
        if not isinstance(e, sp.Mul):
            return False
        return sum(map(is_factor, e.args)) == 1 and sum(isinstance(f, sp.exp) for f in e.args) == 1

    def rewrite(e: sp.Mul) -> sp.Expr:
        (factor,) = [f for f in e.args if is_factor(f)]
        (power,) = [f for f in e.args if isinstance(f, sp.exp)]
        rest = sp.Mul(*(f for f in e.args if f is not factor and f is not power))
        return rest * xexp(factor, power.args[0])

    return lambda expr: expr.replace(is_candidate, rewrite)


# y e^u for a positive target y; y e^u, (1 - y) e^u and (N - y) e^u for bounded counts (the
# cloglog link's (1 - y) e^z at y = 1, z = 800 is 0, not 0 inf)
_target_times_exp = _times_exp(_is_target)
_count_times_exp = _times_exp(_is_count)


def _log_ratio(expr: sp.Expr) -> sp.Expr:
    """log(a / (a + b)) -> -log1p(b / a), true wherever the log is real; when one of a, b is
    e^u and the other a constant c > 0, -softplus(u - log c) or -softplus(log c - u)."""
    from .functions.logistic import softplus

    def rewrite(arg: sp.Expr) -> sp.Expr:
        numerator, denominator = sp.fraction(arg)
        if isinstance(denominator, sp.Add) and numerator in denominator.args:
            other = denominator - numerator
            if isinstance(other, sp.exp) and numerator.is_positive and not other.has(y):
                return -softplus(other.args[0] - sp.log(numerator))
            if isinstance(numerator, sp.exp) and other.is_positive and not numerator.has(y):
                return -softplus(sp.log(other) - numerator.args[0])
            return -log1p(other / numerator)
        return sp.log(arg)

    return expr.replace(sp.log, rewrite)


def _log_gamma_difference(expr: sp.Expr) -> sp.Expr:
    """log Gamma(b + a) - log Gamma(b) -> logrising(b, a), for a a number or a function of
    the target alone: the pair cancels in floating point when b is large."""
    from .functions.gammas import logrising

    if not isinstance(expr, sp.Add):
        return expr
    signed = {1: [], -1: []}
    for term in expr.args:
        coefficient, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.loggamma) and coefficient in (1, -1):
            signed[int(coefficient)].append(rest)
    for plus in signed[1]:
        for minus in signed[-1]:
            for sign, low, high in ((-1, plus, minus), (1, minus, plus)):
                a = sp.expand(high.args[0] - low.args[0])
                if _shift(a):  # +- (log Gamma(low + a) - log Gamma(low))
                    rest = expr - plus + minus
                    return _log_gamma_difference(rest) + sign * logrising(low.args[0], a)
    return expr


def _shift(a: sp.Expr) -> bool:
    """A positive number, or an expression in the target alone that reads positive (y,
    y + 1; not -y): Stirling's series is then used where both b and b + a are large."""
    if a.is_number:
        return bool(a.is_positive)
    if a.could_extract_minus_sign():
        return False
    targets = {t: sp.Integer(0) for t in a.atoms(sp.Indexed) if t.base == y}
    return (
        bool(targets)
        and not sp.sympify(a.xreplace(targets)).free_symbols
        and not a.has(sp.Function)
    )


def _log_bessel(expr: sp.Expr) -> sp.Expr:
    """log I_0(u) -> |u| + logi0e(u), and then u - u cos v -> 2 u sin(v/2)^2: the von Mises
    normalizer without overflow, and its concentration without cancellation."""
    from .functions.logi0e import logi0e

    def log_of(base: sp.Expr) -> sp.Expr | None:
        if isinstance(base, sp.besseli) and base.args[0] == 0:
            u = base.args[1]
            return sp.Abs(u) + logi0e(u)
        return None

    expr = _log_of_special_factors(expr, log_of)
    if isinstance(expr, sp.Add):
        for term in expr.args:
            coefficient, rest = term.as_independent(sp.cos, as_Add=False)
            if isinstance(rest, sp.cos) and -coefficient in expr.args:
                (v,) = rest.args
                return expr - term + coefficient - 2 * coefficient * sp.sin(v / 2) ** 2
    return expr


RULES = (
    _stable(
        "log-ratio",
        r"$\log \frac{a}{a + b} = -\operatorname{log1p}(b / a)$; with $b = e^{u}$ and $a > 0$, "
        r"$-\operatorname{softplus}(u - \log a)$, which never overflows",
        _log_ratio,
    ),
    _stable(
        "logsumexp",
        r"$\log \sum_j e^{z_j} = \operatorname{logsumexp}_j(z_j)$, computed shifted by its maximum",
        _log_sum_exp,
    ),
    _stable(
        "log1p",
        r"$\log(1 + u) = \operatorname{log1p}(u)$; $\log(1 + e^{u}) = "
        r"\operatorname{softplus}(u)$, which never overflows",
        _log1p,
    ),
    _stable(
        "log-binomial",
        r"$\log \binom{N}{y} = \log\Gamma(N + 1) - \log\Gamma(y + 1) - \log\Gamma(N - y + 1)$",
        lambda expr: _log_of_special_factors(expr, _log_binomial_coefficient),
    ),
    _stable(
        "log-factorial",
        r"$\log y! = \log\Gamma(y + 1)$ and $\log \Gamma(u)$ computed directly, never forming "
        r"$y!$ or $\Gamma(u)$",
        lambda expr: _log_of_special_factors(expr, _log_gamma),
    ),
    _stable(
        "continuous-bernoulli-normalizer",
        r"$\frac{2 \operatorname{artanh}(1 - 2\sigma(u))}{1 - 2\sigma(u)} = "
        r"\frac{u}{\tanh(u/2)}$, since $1 - 2\sigma(u) = -\tanh(u/2)$; its log is computed "
        r"as $\log|u| + \operatorname{log1p}(2 / (e^{|u|} - 1))$, and $\log 2 + u^2/12$ near "
        r"$u = 0$",
        _continuous_bernoulli_normalizer,
    ),
    _stable(
        "log-gamma-small",
        r"$\log\Gamma(v) = \log\Gamma(1 + v) - \log v$ with $\log v$ computed directly "
        r"($\log c - \operatorname{softplus}(-u)$ for $v = c\,\sigma(u)$, $u$ for $v = e^{u}$, "
        r"$\operatorname{logsumexp}$ for $v = \sum_k e^{u_k}$), and $1 - \sigma(u) = "
        r"\sigma(-u)$: finite where $v$ underflows to $0$",
        _log_gamma_of_small,
    ),
    _stable(
        "log-gamma-difference",
        r"$\log\Gamma(b + a) - \log\Gamma(b) = \log \frac{\Gamma(b + a)}{\Gamma(b)}$, computed by "
        r"Stirling's series for $b \ge 10$, so that two large log-gammas never cancel",
        _log_gamma_difference,
    ),
    _stable(
        "log-bessel",
        r"$\log I_0(u) = |u| + \log(e^{-|u|} I_0(u))$, finite where $I_0(u)$ overflows, and "
        r"$u - u \cos v = 2 u \sin^2(v/2)$, which does not cancel",
        _log_bessel,
    ),
    _stable(
        "logcosh",
        r"$\log\cosh u = |u| + \operatorname{log1p}(e^{-2|u|}) - \log 2$, which never overflows",
        lambda expr: expr.replace(
            lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.cosh),
            lambda e: logcosh(e.args[0].args[0]),
        ),
    ),
    _stable(
        "xlogy",
        r"$a \log b = \operatorname{xlogy}(a, b)$ and "
        r"$a \log(1 + b) = \operatorname{xlog1py}(a, b)$,"
        r" which are $0$ where $a = 0$ (so $0 \log 0 = 0$)",
        _xlogy,
    ),
)


POSITIVE_TARGET_RULES = (
    _stable(
        "log-of-product",
        r"$\log(y\,a) = \log y + \log a$ and $\operatorname{log1p}((y\,a)^{c}) = "
        r"\operatorname{softplus}(c (\log y + \log a))$ for $y > 0$: the product overflows "
        r"where its log does not",
        _log_of_positive_products,
    ),
    _stable(
        "target-exp",
        r"$y\,e^{u} = e^{u + \log y}$ for $y > 0$, finite wherever the product is",
        _target_times_exp,
    ),
)

NONNEGATIVE_TARGET_RULES = (  # y >= 0 with exact zeros (Tweedie)
    _stable(
        "target-exp",
        r"$y\,e^{u} = e^{u + \log y}$ for $y \ge 0$: finite wherever the product is, and 0 at "
        r"$y = 0$, as $\log 0 = -\infty$",
        _target_times_exp,
    ),
)


BOUNDED_COUNT_RULES = (
    _stable(
        "failures-exp",
        r"$a\,e^{u} = e^{u + \log a}$ for a count $a$ of successes ($y$) or failures "
        r"($1 - y$, $N - y$): $0$ where $a = 0$, as $\log 0 = -\infty$, and finite "
        r"wherever the product is",
        _count_times_exp,
    ),
)


def stable_form(
    expr: sp.Expr,
    positive_target: bool = False,
    bounded_count: bool = False,
    nonnegative_target: bool = False,
) -> tuple[sp.Expr, list[Rule]]:
    """The stable form of ``expr`` and the rules that changed it: ``positive_target``,
    ``bounded_count`` (targets y <= 1 or N) and ``nonnegative_target`` (y >= 0, zeros
    included) allow the rules that need them."""
    used = []
    extra = (POSITIVE_TARGET_RULES if positive_target else ()) + (
        BOUNDED_COUNT_RULES if bounded_count else ()
    )
    if nonnegative_target and not positive_target:
        extra += NONNEGATIVE_TARGET_RULES
    for rule in RULES + extra:
        rewritten = rule.apply(expr)
        if rewritten != expr:
            used.append(rule)
            expr = rewritten
    return expr, used
