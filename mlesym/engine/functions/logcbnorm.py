"""The continuous Bernoulli's log-normalizer log(u / tanh(u / 2)) at logit u."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logcbnorm(Function):  # noqa: N801
    """log(u / tanh(u / 2)), the continuous Bernoulli's log-normalizer at logit u (log 2 at 0).

    Exporters compute it as log|u| + log1p(2 / expm1(|u|)), and by its series near 0.
    """

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        u = self.args[0]
        return 1 / u - 1 / sp.sinh(u)

    def _latex(self, printer, exp=None):
        u = printer._print(self.args[0])
        return _powered(rf"\log \frac{{{u}}}{{\tanh\left(\frac{{{u}}}{{2}}\right)}}", exp)


FUNCTIONS = (
    Named(
        logcbnorm,
        elementary=lambda u: sp.log(u / sp.tanh(u / 2)),
        arrays={"array": "_logcbnorm({0})"},
        helpers={"array": ("_logcbnorm",)},
        examples=((1e-3,), (3.0,), (-40.0,)),
    ),
)
