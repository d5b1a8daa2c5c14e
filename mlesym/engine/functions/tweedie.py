"""The normalizer a(y, phi, p) of the Tweedie density with power 1 < p < 2, by the series of
Dunn and Smyth (2005), and its log: what the compound Poisson-gamma NLL keeps of y and phi.

For y > 0, a(y, phi, p) = (1/y) sum_{j >= 1} W_j with
W_j = z^j / (j! Gamma(-j alpha)), alpha = (2 - p) / (1 - p) < 0 and
z = (p - 1)^alpha / ((2 - p) phi^(1 - alpha) y^alpha): the Wright function
Phi(-alpha, 0; z), which is SciPy's wright_bessel(-alpha, 0, z). At y = 0 the density is
the point mass e^(-mu^(2 - p) / (phi (2 - p))), so a(0, phi, p) = 1. The terms are
log-concave in j with their largest near j = y^(2 - p) / (phi (2 - p)); the sum is taken
there and outwards until the terms fall below 1e-40 of the largest.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


def _mp_log_a(y, phi, p):
    """log a(y, phi, p) at mpmath's working precision: log W_j summed from the largest term
    outwards (log-sum-exp), less log y; 0 at y = 0."""
    y, phi, p = mpmath.mpf(y), mpmath.mpf(phi), mpmath.mpf(p)
    if not (1 < p < 2 and phi > 0 and y >= 0):
        raise ValueError("the Tweedie normalizer needs 1 < p < 2, phi > 0 and y >= 0")
    if y == 0:
        return mpmath.mpf(0)
    alpha = (2 - p) / (1 - p)
    log_z = alpha * mpmath.log(p - 1) - mpmath.log(2 - p) - (1 - alpha) * mpmath.log(phi)
    log_z -= alpha * mpmath.log(y)

    def log_w(j):
        return j * log_z - mpmath.loggamma(j + 1) - mpmath.loggamma(-j * alpha)

    peak = max(1, int(mpmath.nint(y ** (2 - p) / (phi * (2 - p)))))
    top = log_w(peak)
    floor = top - 92 - mpmath.mp.dps * 2.31  # e^-92: 1e-40, past the working digits too
    terms = [top]
    for step in (1, -1):
        j = peak + step
        while j >= 1:
            value = log_w(j)
            terms.append(value)
            if value < floor:
                break
            j += step
    largest = max(terms)
    return largest + mpmath.log(mpmath.fsum(mpmath.exp(t - largest) for t in terms)) - mpmath.log(y)


class tweedie_a(Function):  # noqa: N801
    """a(y, phi, p), the Tweedie density's normalizer (see the module)."""

    nargs = 3
    is_positive = True

    def _eval_evalf(self, prec):
        args = [a.evalf(prec) for a in self.args]
        if not all(a.is_Number for a in args):
            return None
        with mpmath.workprec(prec):
            value = mpmath.exp(_mp_log_a(*(a._to_mpmath(prec) for a in args)))
            return sp.Expr._from_mpmath(value, prec)

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        return _powered(rf"\operatorname{{a}}\left({args}\right)", exp)


class log_tweedie_a(Function):  # noqa: N801
    """log a(y, phi, p), summed as a log: a(y, phi, p) overflows for large y / phi."""

    nargs = 3
    is_real = True

    def _eval_evalf(self, prec):
        args = [a.evalf(prec) for a in self.args]
        if not all(a.is_Number for a in args):
            return None
        with mpmath.workprec(prec):
            return sp.Expr._from_mpmath(_mp_log_a(*(a._to_mpmath(prec) for a in args)), prec)

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        return _powered(rf"\log \operatorname{{a}}\left({args}\right)", exp)


def _series(y: sp.Expr, phi: sp.Expr, p: sp.Expr) -> sp.Expr:
    """a(y, phi, p) as the series itself: what it means, for the completeness checks (the
    verifier evaluates it by ``_mp_log_a``, from the largest term outwards)."""
    j = sp.Symbol("j", integer=True, positive=True)  # one bound name: two copies cancel
    alpha = (2 - p) / (1 - p)
    z = (p - 1) ** alpha / ((2 - p) * phi ** (1 - alpha) * y**alpha)
    series = sp.Sum(z**j / (sp.factorial(j) * sp.gamma(-j * alpha)), (j, 1, sp.oo)) / y
    return sp.Piecewise((1, sp.Eq(y, 0)), (series, True))


# what its LaTeX, \log \operatorname{a}(...), reads back as where a(...) has no value
log_tweedie_a.shown_as = staticmethod(lambda y, phi, p: sp.log(tweedie_a(y, phi, p)))

FUNCTIONS = (
    Named(
        tweedie_a,
        elementary=_series,
        mpmath=lambda y, phi, p: mpmath.exp(_mp_log_a(y, phi, p)),
        arrays={"array": "{xp}.exp(_log_tweedie_a({0}, {1}, {2}))"},
        helpers={"array": ("_log_tweedie_a",)},
        examples=((0.0, 1.0, 1.5), (0.7, 1.3, 1.2), (4.0, 0.5, 1.7)),
        operator="a",
    ),
    Named(
        log_tweedie_a,
        elementary=lambda y, phi, p: sp.log(_series(y, phi, p)),
        mpmath=_mp_log_a,
        arrays={"array": "_log_tweedie_a({0}, {1}, {2})"},
        helpers={"array": ("_log_tweedie_a",)},
        examples=((0.0, 1.0, 1.5), (0.7, 1.3, 1.2), (4.0, 0.5, 1.7), (300.0, 2.0, 1.5)),
    ),
)
