"""The saturated model of a vector family: each sample's parameter fitted to its own target.

For class probabilities (categorical, multinomial) it maximizes sum_k y_k log p_k subject to
sum_k p_k = 1: p_k = y_k / N with N = sum_k y_k (the Lagrange condition y_k / p_k = N),
solved by SymPy at K = 2 and 3 with p_K = 1 - p_1 - ... and checked against y_k / N. Its
NLL is -sum_k y_k log(y_k / N), written with xlogy (0 log 0 = 0), which is 0 for a one-hot
target. For a mean vector (the multivariate Gaussian with a fixed covariance) it is the
target itself, where the Mahalanobis term, the only one in the mean, vanishes. The
Dirichlet has none: its NLL has no least value in the concentrations.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from ..errors import NotSupportedError
from .class_second_order import written_out
from .derivation import Derivation
from .functions import elementary
from .functions.xlog import xlogy
from .symbols import PRECISION, K, Output, i, j, k, y

CHECK_POINTS = 20


def class_saturated(d: Derivation):
    from .deviance import Saturated

    family = d.family
    fitted = sp.Add(*(a for a in sp.Add.make_args(d.nll) if a.has(Output)))
    if d.nll.has(PRECISION):  # the mean vector: saturated at the target
        parameter = y[i, k]
        least = sp.Add(*(a for a in sp.Add.make_args(d.nll) if not a.has(Output)))
        return Saturated(parameter, least, 2 * fitted)
    if family.predicted != "p":
        raise NotSupportedError(
            f"{family.name}: no saturated model (its NLL has no least value in the "
            f"{family.predicted})"
        )
    _solved_by_sympy()
    total = sp.Sum(y[i, j], (j, 1, K))
    parameter = y[i, k] / total
    core = -(sp.Sum(xlogy(y[i, k], y[i, k]), (k, 1, K)) - xlogy(total, total))
    if family.support.one_hot:
        core = sp.S.Zero  # y_k log(y_k / N) is 0 log 0 or 1 log 1 for a one-hot target
    free = sp.Add(*(a for a in sp.Add.make_args(d.nll) if not a.has(Output)))
    result = Saturated(parameter, free + core, 2 * (fitted - core))
    _check(d, result)
    return result


def _solved_by_sympy() -> None:
    """The stationary point of sum_k y_k log p_k on the simplex, by SymPy at K = 2, 3."""
    for classes in (2, 3):
        p = sp.symbols(f"p1:{classes}", positive=True)
        t = sp.symbols(f"t1:{classes + 1}", positive=True)
        last = 1 - sum(p)
        objective = sum(tk * sp.log(pk) for tk, pk in zip(t, [*p, last], strict=True))
        (solution,) = sp.solve([sp.diff(objective, pk) for pk in p], p, dict=True)
        for k_, pk in enumerate(p):
            if sp.simplify(solution[pk] - t[k_] / sum(t)) != 0:
                raise AssertionError(f"the saturated probabilities are not y / N at K = {classes}")


def _check(d: Derivation, result) -> None:
    """At sampled targets (K = 3) and outputs: the deviance is 2 (NLL - NLL at y / N) from
    the written-out NLL, >= 0, and no point of the simplex has a smaller NLL than y / N."""
    rng = random.Random(20261203)
    classes = 3
    zs = sp.symbols(f"z1:{classes + 1}", real=True)
    ts = sp.symbols(f"t1:{classes + 1}", real=True)
    nll = sp.lambdify([*zs, *ts], elementary(written_out(d.nll, classes, zs, ts)), "mpmath")
    from .deviance import _mp_xlogy  # deviance imports this module where it needs it

    kept = sp.Function("kept_xlogy")
    deviance = written_out(result.deviance, classes, zs, ts).replace(xlogy, kept)
    deviance_at = sp.lambdify(
        [*zs, *ts], elementary(deviance), [{"kept_xlogy": _mp_xlogy}, "mpmath"]
    )
    softmax = d.link.output_domain.name == "real"
    with mpmath.workdps(30):
        for _ in range(CHECK_POINTS):
            target = [mpmath.mpf(float(v)) for v in d.family.draw_target(rng, classes)]
            total = sum(target)
            if total == 0:
                continue
            best = [v / total if v else mpmath.mpf(10) ** -25 for v in target]
            to_raw = (lambda q: [mpmath.log(v) for v in q]) if softmax else (lambda q: q)
            least = nll(*to_raw(best), *target)
            raw = [mpmath.mpf(rng.gauss(0, 2)) for _ in zs]
            if not softmax:
                e = [mpmath.exp(v) for v in raw]
                raw = [v / sum(e) for v in e]
            got, expected = deviance_at(*raw, *target), 2 * (nll(*raw, *target) - least)
            if not (abs(got - expected) <= 1e-15 * (1 + abs(expected)) and got >= -1e-20):
                raise NotSupportedError(f"{d.family.name}: the deviance does not check")
