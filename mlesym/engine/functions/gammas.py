"""Differences of log-gammas that cancel: the log rising factorial and the remainder of
Stirling's formula, computed without forming the large terms."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logrising(Function):  # noqa: N801
    """log Gamma(b + a) - log Gamma(b), the log of the rising factorial: args (b, a).

    Two large log-gammas cancel when b is large (a Student-t's nu, a negative binomial's r);
    exporters compute it by Stirling's series where b >= 10, without forming either.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        b, a = self.args
        return sp.digamma(b + a) - sp.digamma(b) if argindex == 1 else sp.digamma(b + a)

    def _latex(self, printer, exp=None):
        b, a = self.args
        top, bottom = printer._print(b + a), printer._print(b)
        text = rf"\log \frac{{\Gamma\left({top}\right)}}{{\Gamma\left({bottom}\right)}}"
        return _powered(text, exp)


class lgammatail(Function):  # noqa: N801
    """log Gamma(k) - (k - 1/2) log k + k - log(2 pi)/2: the remainder of Stirling's formula,
    about 1/(12 k), small where log Gamma(k) and k log k are huge and cancel."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        k = self.args[0]
        return sp.digamma(k) - sp.log(k) + 1 / (2 * k)

    def _latex(self, printer, exp=None):
        k = printer._print(self.args[0])
        text = (
            rf"\left(\log\Gamma\left({k}\right) - \left({k} - \frac{{1}}{{2}}\right) "
            rf"\log{{\left({k} \right)}} + {k} - \frac{{1}}{{2}} \log{{\left(2 \pi \right)}}\right)"
        )
        return _powered(text, exp)


FUNCTIONS = (
    Named(
        logrising,
        elementary=lambda b, a: sp.loggamma(b + a) - sp.loggamma(b),
        arrays={"array": "_logrising({0}, {1})"},
        helpers={"array": ("_logrising",)},
        examples=((12.5, 3.0), (2.5, 0.5), (1e7, 0.5)),
    ),
    Named(
        lgammatail,
        elementary=lambda k: (
            sp.loggamma(k) - (k - sp.S.Half) * sp.log(k) + k - sp.log(2 * sp.pi) / 2
        ),
        arrays={"array": "_lgammatail({0})"},
        helpers={"array": ("_lgammatail",)},
        examples=((0.5,), (30.0,), (1e6,)),
    ),
)
