"""log(e^u K_1(u)), the log of the exponentially scaled modified Bessel function K_1."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logk1e(Function):  # noqa: N801
    """log(e^u K_1(u)) for u > 0: the hyperbolic family's normalizer, finite where K_1(u)
    underflows (u > 705) and free of the cancellation of log K_1(u) + u."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        u = self.args[0]
        return 1 - sp.besselk(0, u) / sp.besselk(1, u) - 1 / u

    def _latex(self, printer, exp=None):
        u = printer._print(self.args[0])
        text = rf"\log\left(e^{{{u}}} K_{{1}}\left({u}\right)\right)"
        return _powered(text, exp)


FUNCTIONS = (
    Named(
        logk1e,
        elementary=lambda u: sp.log(sp.besselk(1, u)) + u,
        arrays={
            "numpy": "_logk1e({0})",
            "torch": "torch.log(torch.special.scaled_modified_bessel_k1({0}))",
            "jax": "_logk1e({0})",
        },
        helpers={"numpy": ("_logk1e",), "jax": ("_logk1e",)},
        examples=((1e-9,), (0.5,), (1.0,), (30.0,), (2e3,), (1e6,)),
    ),
)
