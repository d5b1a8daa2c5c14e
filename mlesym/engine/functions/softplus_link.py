"""log softplus(z) = log log(1 + e^z) and its first two derivatives: what a rate through the
softplus link, softplus(eta) > 0, needs in a log-likelihood.

Each is finite where the expression as written is not: at eta = -800, softplus(eta) is 0 in
floating point while its log is -800, and its derivative sigma(eta) / softplus(eta) is 0 / 0
while it is 1.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named
from .logistic import sigmoid


def _softplus(z: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(z))


def _ratio(z: sp.Expr) -> sp.Expr:
    return 1 / ((1 + sp.exp(-z)) * _softplus(z))


class log_softplus(Function):  # noqa: N801
    """log(log(1 + e^z)), the log of a rate through the softplus link."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return softplus_ratio(self.args[0])

    def _eval_evalf(self, prec):
        z = self.args[0].evalf(prec)
        if not z.is_Number:
            return None
        with mpmath.workprec(prec):
            return sp.Expr._from_mpmath(_mp_log_softplus(z._to_mpmath(prec)), prec)

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        return _powered(rf"\log \operatorname{{softplus}}\left({z}\right)", exp)


class softplus_ratio(Function):  # noqa: N801
    """sigma(z) / softplus(z), the derivative of log softplus(z): 1 as z -> -inf."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return softplus_curvature(self.args[0])

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        text = rf"\frac{{\sigma\left({z}\right)}}{{\operatorname{{softplus}}\left({z}\right)}}"
        return _powered(text, exp)


class softplus_curvature(Function):  # noqa: N801
    """The second derivative of log softplus(z): r (sigma(-z) - r) with r the first; about
    -e^z / 2 as z -> -inf, where that difference cancels. Never positive: softplus is the
    integral from -inf of the log-concave sigmoid, so it is log-concave (Prekopa)."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        z = self.args[0]
        r, c, s = softplus_ratio(z), softplus_curvature(z), sigmoid(z)
        return c * (1 - s - r) - r * (s * (1 - s) + c)

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        ratio = rf"\frac{{\sigma\left({z}\right)}}{{\operatorname{{softplus}}\left({z}\right)}}"
        return _powered(rf"{ratio} \left(\sigma\left(-{z}\right) - {ratio}\right)", exp)


def _mp_log_softplus(z):
    return mpmath.log(mpmath.log1p(mpmath.exp(z)))


def _mp_ratio(z):
    return 1 / ((1 + mpmath.exp(-z)) * mpmath.log1p(mpmath.exp(z)))


def _mp_curvature(z):
    """r (sigma(-z) - r), with the digits that its cancellation (about -z / log 10) costs."""
    with mpmath.extradps(int(max(0, -z) / 2.3) + 10):
        r = _mp_ratio(z)
        return +(r * (1 / (1 + mpmath.exp(z)) - r))


FUNCTIONS = (
    Named(
        log_softplus,
        elementary=lambda z: sp.log(_softplus(z)),
        mpmath=_mp_log_softplus,
        arrays={"array": "_log_softplus({0})"},
        helpers={"array": ("_log_softplus",)},
        examples=((-40.0,), (-31.0,), (-29.0,), (-3.0,), (0.0,), (0.5,), (40.0,), (1e6,)),
    ),
    Named(
        softplus_ratio,
        elementary=_ratio,
        mpmath=_mp_ratio,
        arrays={"array": "_softplus_ratio({0})"},
        helpers={"array": ("_softplus_ratio",)},
        examples=((-40.0,), (-31.0,), (-29.0,), (-3.0,), (0.0,), (3.0,), (40.0,), (1e6,)),
    ),
    Named(
        softplus_curvature,
        elementary=lambda z: _ratio(z) * (1 / (1 + sp.exp(z)) - _ratio(z)),
        mpmath=_mp_curvature,
        arrays={"array": "_softplus_curvature({0})"},
        helpers={"array": ("_softplus_curvature",)},
        examples=((-40.0,), (-31.0,), (-29.0,), (-3.0,), (-0.2,), (0.0,), (3.0,), (40.0,)),
    ),
)
