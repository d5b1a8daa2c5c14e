"""log(e^(-|u|) I_0(u)), the log of the exponentially scaled Bessel function of order 0."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logi0e(Function):  # noqa: N801
    """log(e^(-|u|) I_0(u)), the log of the exponentially scaled Bessel function: finite
    where I_0(u) overflows (u > 713), and free of the cancellation of log I_0(u) - u."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        u = self.args[0]
        return sp.besseli(1, u) / sp.besseli(0, u) - sp.sign(u)

    def _latex(self, printer, exp=None):
        u = printer._print(self.args[0])
        text = rf"\log\left(e^{{- \left|{u}\right|}} I_{{0}}\left({u}\right)\right)"
        return _powered(text, exp)


FUNCTIONS = (
    Named(
        logi0e,
        elementary=lambda u: sp.log(sp.besseli(0, u)) - sp.Abs(u),
        arrays={
            "numpy": "_logi0e({0})",
            "torch": "torch.log(torch.special.i0e({0}))",
            "jax": "jnp.log(jax.scipy.special.i0e({0}))",
        },
        helpers={"numpy": ("_logi0e",)},
        examples=((0.5,), (-3.0,), (800.0,)),
    ),
)
