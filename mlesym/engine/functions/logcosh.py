"""log cosh(u), computed as |u| + log1p(exp(-2|u|)) - log 2 so that it never overflows."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logcosh(Function):  # noqa: N801
    """log cosh(u), computed as |u| + log1p(exp(-2|u|)) - log 2 so that it never overflows."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return sp.tanh(self.args[0])

    def _latex(self, printer, exp=None):
        return _powered(rf"\log\cosh\left({printer._print(self.args[0])}\right)", exp)


FUNCTIONS = (
    Named(
        logcosh,
        elementary=lambda u: sp.log(sp.cosh(u)),
        arrays={"array": "_logcosh({0})"},
        helpers={"array": ("_logcosh",)},
        examples=((0.3,), (-25.0,), (400.0,)),
    ),
)
