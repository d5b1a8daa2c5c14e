"""Test-side numerics, written independently of mlesym's exporter.

Densities and per-sample expressions are evaluated with SymPy's own ``lambdify`` (or
exact substitution), at points drawn by these helpers, so a bug in mlesym's export or
verifier cannot hide itself.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from mlesym.engine.functions import elementary, mpmath_table
from mlesym.engine.functions.binary_links import log_cloglog
from mlesym.engine.functions.logcbnorm import logcbnorm
from mlesym.engine.functions.logk1e import logk1e
from mlesym.engine.functions.logsumexp import logsumexp
from mlesym.engine.symbols import DETERMINANT, PRECISION, K, Output, i, k, x, y
from mlesym.families import get

RNG_SEED = 12345
DIGITS = 800


def sample_outputs(domain, size: int, num_classes: int, vector: bool, rng) -> np.ndarray:
    """Raw model outputs in ``domain`` (a Domain or its name), drawn here, not by mlesym."""
    domain = str(domain)
    shape = (size, num_classes) if vector else (size,)
    if domain == "unit":
        return rng.uniform(0.02, 0.98, shape)
    if domain == "positive":
        return rng.uniform(0.1, 6.0, shape)
    if domain == "simplex":
        raw = rng.uniform(0.05, 1.0, shape)
        return raw / raw.sum(axis=-1, keepdims=True)
    return rng.normal(0.0, 2.0, shape)


def moderate(family, link, outputs: np.ndarray) -> np.ndarray:
    """Logits halved until p and 1 - p are both above 1e-3, for a probability on the real
    line. SciPy's pmfs take p itself, and 1 - p under the cloglog link is e^(-e^z), e^-148
    at z = 5, where p rounds to 1; within these bounds rounding p costs at most 2e-13 of
    log(1 - p). Extreme logits are checked against mpmath instead (test_backends)."""
    if family.predicted != "p" or str(link.output_domain) != "real":
        return outputs
    outputs = np.array(outputs, dtype=float)
    while True:
        p = link.reference(outputs)
        far = (p < 1e-3) | (p > 1 - 1e-3)
        if not far.any():
            return outputs
        outputs[far] /= 2


def sample_targets(family_name: str, size: int, num_classes: int, rng) -> np.ndarray:
    """Targets in the family's support; bounded counts stay at most 10, the least N sampled."""
    family = get(family_name)
    name = family.support.name
    if name == "real":
        return rng.normal(0.0, 2.0, size)
    if name == "binary":
        return rng.integers(0, 2, size).astype(float)
    if name == "count":
        return rng.poisson(3.0, size).astype(float)
    if name == "bounded-count":
        return rng.integers(0, 11, size).astype(float)
    if name == "positive":
        return rng.gamma(2.0, 1.0, size)
    if name == "nonnegative":  # exact zeros and a spread of positive values
        return np.where(rng.uniform(size=size) < 0.3, 0.0, rng.gamma(2.0, 1.0, size))
    if name in ("unit", "closed-unit"):
        return rng.beta(2.0, 3.0, size)
    if name == "circle":
        return rng.uniform(-np.pi, np.pi, size)
    if name == "counts":
        return rng.multinomial(8, np.full(num_classes, 1 / num_classes), size).astype(float)
    if name == "simplex":
        return rng.dirichlet(np.full(num_classes, 2.0), size)
    if name == "vector":
        return rng.normal(0.0, 2.0, (size, num_classes))
    return np.eye(num_classes)[rng.integers(0, num_classes, size)]


def sample_params(family_name: str, rng) -> dict[str, float]:
    def draw(p):
        if p.integer:
            return int(rng.integers(10, 21))
        if p.domain.bounds is not None:  # inside its interval: a Tweedie power in (1, 2)
            low, high = p.domain.bounds
            return float(rng.uniform(low + 0.1 * (high - low), high - 0.1 * (high - low)))
        return float(rng.uniform(0.1, 0.9) if p.domain.name == "unit" else rng.uniform(0.5, 2.5))

    return {p.name: draw(p) for p in get(family_name).params}


KEPT = frozenset({log_cloglog, logk1e})  # by their own evalf (logk1e: K_1 once per value)


def per_sample_value(
    expr: sp.Expr, target, output, params: dict[str, float], allow_infinite: bool = False
) -> float:
    """Evaluate an expression in y_i and f_theta(x_i) (or y_ik, f_theta(x_i)_k) with mpmath.

    Inputs enter as their exact binary values and the arithmetic carries 800 digits, enough that
    log(1 + 1e-300) keeps its value (float64 underflows below 1e-308 anyway); xlogy(0, .) is
    0 as defined. ``allow_infinite`` maps log(0) and its kin to +inf.
    """

    def exact(value) -> sp.Float:
        return sp.Float(float(value), DIGITS)  # the binary value exactly, at 800 digits

    values: dict[sp.Basic, sp.Expr] = {}
    concrete = expr.replace(
        logsumexp, lambda body, j, lo, hi: sp.log(sp.Sum(sp.exp(body), (j, lo, hi)))
    )
    if np.ndim(output) == 1:
        num_classes = len(output)
        concrete = concrete.xreplace({K: num_classes}).doit()
        concrete = concrete.xreplace(_identity_covariance(num_classes))
        for c in range(1, num_classes + 1):
            values[y[i, c]] = exact(target[c - 1])
            values[Output(x[i], c)] = exact(output[c - 1])
    else:
        values[y[i]] = exact(target)
        values[Output(x[i])] = exact(output)
    family_symbols = {s.name: s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    for name, value in params.items():
        if name in family_symbols:
            values[family_symbols[name]] = exact(value)
    concrete = concrete.replace(  # its removable singularity: log 2 at u = 0
        logcbnorm,
        lambda u: sp.Piecewise((sp.log(2), sp.Eq(u, 0)), (sp.log(u / sp.tanh(u / 2)), True)),
    )
    # log(1 - exp(-e^z)) by its own evalf (mpmath's expm1): at z = -1e4, 1 - exp(-e^z) needs
    # 4343 digits written out
    result = sp.N(elementary(concrete.xreplace(values), keep=KEPT), DIGITS)
    if result.has(sp.zoo, sp.oo, sp.nan) or not result.is_number:
        if allow_infinite:
            return float("inf")
        raise ValueError(f"not a finite number: {result}")
    return float(result)


def density_callable(family_name: str, exact: bool = False):
    """p(target | parameter, **nuisance) from the family's declared density, via lambdify;
    ``exact``: as mpmath's number (a Gumbel density of e^(-9e6) is 0 as a float)."""
    family = get(family_name)
    target, parameter = sp.Symbol("t", real=True), sp.Symbol("m", real=True)
    nuisance = [p.symbol for p in family.params]
    if family.target == "scalar":
        expr = family.density(target, parameter)
        named = {cls.__name__: value for cls, value in mpmath_table().items()}  # a(y, phi, p)
        fn = sp.lambdify([target, parameter, *nuisance], sp.sympify(expr), [named, "mpmath"])
        convert = (lambda v: v) if exact else float
        return lambda t, m, **kw: convert(fn(t, m, *(kw[p.name] for p in family.params)))

    def onehot(t, m, **kw):
        num = len(t)
        tv, mv = sp.IndexedBase("t"), sp.IndexedBase("m")
        expr = family.density(tv[k], mv[k]).xreplace({K: num}).doit()
        expr = expr.xreplace(_identity_covariance(num))
        subs = {tv[c]: _exact_or_integer(t[c - 1]) for c in range(1, num + 1)}
        subs.update({mv[c]: sp.Float(float(m[c - 1]), 30) for c in range(1, num + 1)})
        return float(sp.N(expr.xreplace(subs), 30))

    return onehot


def _exact_or_integer(value) -> sp.Expr:
    value = float(value)
    return sp.Integer(int(value)) if value.is_integer() else sp.Float(value, 30)


def _identity_covariance(num: int) -> dict:
    """A fixed covariance at its default, the identity: precision entries and determinant."""
    values = {PRECISION[r, c]: int(r == c) for r in range(1, num + 1) for c in range(1, num + 1)}
    return {**values, DETERMINANT: 1}


def fast_vector_density(family_name: str, num: int):
    """p(target | parameter) for a vector family at its default constants, via lambdify to
    math: fast enough for a two-dimensional quadrature."""
    family = get(family_name)
    tv, mv = sp.IndexedBase("t"), sp.IndexedBase("m")
    expr = family.density(tv[k], mv[k]).xreplace({K: num}).doit()
    expr = expr.xreplace(_identity_covariance(num))
    ts = [tv[c] for c in range(1, num + 1)]
    ms = [mv[c] for c in range(1, num + 1)]
    fn = sp.lambdify([ts, ms], expr, "math")
    return lambda t, m: float(fn(list(t), list(m)))
