"""The logistic function and its integral: sigmoid(z) = 1/(1 + e^(-z)) and softplus(z) =
log(1 + e^z), the two functions of every logit link."""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named
from .builtin import exp_estimate as _exp_estimate


class sigmoid(Function):  # noqa: N801  (named as the math is)
    """The logistic function 1 / (1 + e^(-z))."""

    nargs = 1
    is_real = True

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _latex(self, printer, exp=None):
        return _powered(rf"\sigma\left({printer._print(self.args[0])}\right)", exp)


class softplus(Function):  # noqa: N801
    """log(1 + e^z), written so that exporters can use a form that never overflows."""

    nargs = 1
    is_real = True

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _latex(self, printer, exp=None):
        argument = printer._print(self.args[0])
        return _powered(rf"\operatorname{{softplus}}\left({argument}\right)", exp)


FUNCTIONS = (
    Named(
        sigmoid,
        "sigmoid",
        elementary=lambda z: 1 / (1 + sp.exp(-z)),
        estimate=lambda z: 1 / (1 + _exp_estimate(-z)),
        arrays={
            "numpy": "_expit({0})",
            "torch": "torch.sigmoid({0})",
            "jax": "jax.nn.sigmoid({0})",
        },
        helpers={"numpy": ("_expit",)},
        examples=((-3.0,), (40.0,), (-700.0,)),
    ),
    Named(
        softplus,
        "softplus",
        operator="softplus",
        elementary=lambda z: sp.log(1 + sp.exp(z)),
        estimate=lambda z: max(z, 0) + mpmath.log1p(_exp_estimate(-abs(z))),
        arrays={
            "numpy": "numpy.logaddexp(0, {0})",
            "torch": "torch.nn.functional.softplus({0})",
            "jax": "jax.nn.softplus({0})",
        },
        examples=((-30.0,), (2.0,), (50.0,)),
    ),
    Named(  # log sigmoid(z) = -softplus(-z), as torch.nn.functional.logsigmoid
        None,
        "log_sigmoid",
        build=lambda z: -softplus(-z),
        estimate=lambda z: -(max(-z, 0) + mpmath.log1p(_exp_estimate(-abs(z)))),
        examples=((-30.0,), (2.0,), (50.0,)),
    ),
)
