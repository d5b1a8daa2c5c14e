"""x e^u for x >= 0, computed as e^(u + log x): finite wherever the product is, and 0 where
x = 0 (log 0 = -inf) even where e^u overflows."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class xexp(Function):  # noqa: N801
    """x e^u for x > 0, computed as e^(u + log x): finite wherever the product is."""

    nargs = 2

    @classmethod
    def eval(cls, a, u):
        if a.is_zero:  # no successes (or failures): 0 e^u is 0, even where e^u overflows
            return sp.S.Zero
        if a == 1:
            return sp.exp(u)
        return None

    def fdiff(self, argindex=1):
        a, u = self.args
        return sp.exp(u) if argindex == 1 else xexp(a, u)

    def _latex(self, printer, exp=None):
        a, u = (printer._print(arg) for arg in self.args)
        if isinstance(self.args[0], sp.Add):  # log(1 - y), not log 1 - y
            a = rf"\left({a}\right)"
        return _powered(rf"e^{{{u} + \log {a}}}", exp)


FUNCTIONS = (
    Named(
        xexp,
        elementary=lambda a, u: a * sp.exp(u),
        arrays={"numpy": "_xexp({0}, {1})", "array": "{xp}.exp({1} + {xp}.log({0}))"},
        helpers={"numpy": ("_xexp",)},
        examples=((2.0, 1.5), (0.5, -3.0), (1e-300, 700.0), (0.0, 800.0)),
    ),
)
