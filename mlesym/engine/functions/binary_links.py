"""The inverses of the binary links other than the logit and the probit, in the forms their
log-likelihoods need: log(1 - exp(-e^z)) for the complementary log-log (and, at -z, the
log-log) link with its first two derivatives, and the Cauchy cdf for the cauchit link.

Each is finite where the expression as written is not: at z = -800, 1 - exp(-e^z) is 0
in floating point while its log is -800; the cauchit's 1/2 + atan(z)/pi cancels to 0 at
z = -1e17 while the probability is 3e-18.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


def _cloglog_probability(z: sp.Expr) -> sp.Expr:
    return 1 - sp.exp(-sp.exp(z))


class log_cloglog(Function):  # noqa: N801
    """log(1 - exp(-e^z)): the log of the probability under the complementary log-log link."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return cloglog_ratio(self.args[0])

    def _eval_evalf(self, prec):
        z = self.args[0].evalf(prec)
        if not z.is_Number:
            return None
        with mpmath.workprec(prec):
            return sp.Expr._from_mpmath(_mp_log_cloglog(z._to_mpmath(prec)), prec)

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        return _powered(rf"\log\left(1 - e^{{- e^{{{z}}}}}\right)", exp)


class cloglog_ratio(Function):  # noqa: N801
    """e^z / (e^(e^z) - 1), the derivative of log(1 - exp(-e^z)); 1 as z -> -inf."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return cloglog_curvature(self.args[0])

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        return _powered(rf"\frac{{e^{{{z}}}}}{{e^{{e^{{{z}}}}} - 1}}", exp)


class cloglog_curvature(Function):  # noqa: N801
    """The second derivative of log(1 - exp(-e^z)): r (1 - e^z - r) with r the first; about
    -e^z / 2 as z -> -inf, where that product cancels."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        z = self.args[0]
        r, c = cloglog_ratio(z), cloglog_curvature(z)
        return c * (1 - sp.exp(z) - r) - r * (sp.exp(z) + c)

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        ratio = rf"\frac{{e^{{{z}}}}}{{e^{{e^{{{z}}}}} - 1}}"
        return _powered(rf"{ratio} \left(1 - e^{{{z}}} - {ratio}\right)", exp)


def _ratio(z: sp.Expr) -> sp.Expr:
    return sp.exp(z) / (sp.exp(sp.exp(z)) - 1)


class cauchy_cdf(Function):  # noqa: N801
    """1/2 + atan(z) / pi, the standard Cauchy cdf: the inverse of the cauchit link."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return 1 / (sp.pi * (1 + self.args[0] ** 2))

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        body = (
            rf"\left(\frac{{1}}{{2}} + \frac{{\operatorname{{atan}}\left({z}\right)}}{{\pi}}\right)"
        )
        return _powered(body, exp)


class log_cauchy_cdf(Function):  # noqa: N801
    """log(1/2 + atan(z) / pi), the log of the probability under the cauchit link."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        z = self.args[0]
        return 1 / (sp.pi * (1 + z**2) * cauchy_cdf(z))

    def _latex(self, printer, exp=None):
        z = printer._print(self.args[0])
        body = rf"\frac{{1}}{{2}} + \frac{{\operatorname{{atan}}\left({z}\right)}}{{\pi}}"
        return _powered(rf"\log\left({body}\right)", exp)


def _mp_log_cloglog(z):
    """log(1 - exp(-e^z)) through expm1, which keeps e^z where it is below the precision."""
    return mpmath.log(-mpmath.expm1(-mpmath.exp(z)))


def _mp_ratio(z):
    w = mpmath.exp(z)
    return w / mpmath.expm1(w)


def _mp_curvature(z):
    """r (1 - e^z - r), with the digits that its cancellation (about -z / log 10) costs."""
    with mpmath.extradps(int(max(0, -z) / 2.3) + 10):
        w, r = mpmath.exp(z), _mp_ratio(z)
        return +(r * (1 - w - r))


FUNCTIONS = (
    Named(
        log_cloglog,
        elementary=lambda z: sp.log(_cloglog_probability(z)),
        mpmath=_mp_log_cloglog,
        arrays={"array": "_log_cloglog({0})"},
        helpers={"array": ("_log_cloglog",)},
        examples=((-40.0,), (-31.0,), (-29.0,), (-3.0,), (-0.37,), (0.5,), (3.0,), (4.0,)),
    ),
    Named(
        cloglog_ratio,
        elementary=_ratio,
        mpmath=_mp_ratio,
        arrays={"array": "_cloglog_ratio({0})"},
        helpers={"array": ("_cloglog_ratio",)},
        examples=((-40.0,), (-31.0,), (-29.0,), (-3.0,), (0.5,), (3.0,), (6.0,), (20.0,)),
    ),
    Named(
        cloglog_curvature,
        elementary=lambda z: _ratio(z) * (1 - sp.exp(z) - _ratio(z)),
        mpmath=_mp_curvature,
        arrays={"array": "_cloglog_curvature({0})"},
        helpers={"array": ("_cloglog_curvature",)},
        examples=((-40.0,), (-30.5,), (-3.5,), (-2.0,), (0.5,), (3.0,), (6.0,), (20.0,)),
    ),
    Named(
        cauchy_cdf,
        elementary=lambda z: sp.Rational(1, 2) + sp.atan(z) / sp.pi,
        mpmath=lambda z: mpmath.atan2(1, -z) / mpmath.pi,
        arrays={
            "torch": "(torch.atan2(torch.ones_like({0}), -({0})) / 3.141592653589793)",
            "array": "({xp}.arctan2(1.0, -({0})) / 3.141592653589793)",
        },
        examples=((-1e17,), (-3.0,), (0.0,), (2.0,), (1e300,)),
    ),
    Named(
        log_cauchy_cdf,
        elementary=lambda z: sp.log(sp.Rational(1, 2) + sp.atan(z) / sp.pi),
        mpmath=lambda z: mpmath.log(mpmath.atan2(1, -z) / mpmath.pi),
        arrays={"array": "_log_cauchy_cdf({0})"},
        helpers={"array": ("_log_cauchy_cdf",)},
        examples=((-1e17,), (-3.0,), (0.0,), (2.0,), (1e4,)),
    ),
)
