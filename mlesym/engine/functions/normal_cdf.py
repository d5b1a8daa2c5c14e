"""The standard normal cdf Phi(x) and its logarithm: the probit link's inverse and its log
likelihood, with the left tail kept (log Phi(-40) is about -804.6, not log 0)."""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


def _phi(x):
    return sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)


class ndtr(Function):  # noqa: N801
    """Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal cdf."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return _phi(self.args[0])

    def _latex(self, printer, exp=None):
        return _powered(rf"\Phi\left({printer._print(self.args[0])}\right)", exp)


class log_ndtr(Function):  # noqa: N801
    """log Phi(x), the log of the standard normal cdf."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return mills(self.args[0])

    def _latex(self, printer, exp=None):
        return _powered(rf"\log \Phi\left({printer._print(self.args[0])}\right)", exp)


class mills(Function):  # noqa: N801
    """phi(x) / Phi(x), the derivative of log Phi: the inverse Mills ratio at -x. Exporters
    compute it as sqrt(2 / pi) / erfcx(-x / sqrt 2), finite where phi and Phi both underflow
    (about 40 at x = -40, where phi / Phi computed as written is 0 / 0)."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -mills(x) * (x + mills(x))

    def _latex(self, printer, exp=None):
        x = printer._print(self.args[0])
        return _powered(
            rf"\frac{{e^{{- \frac{{\left({x}\right)^{{2}}}}{{2}}}}}}"
            rf"{{\sqrt{{2 \pi}} \Phi\left({x}\right)}}",
            exp,
        )


def _erfc_half(x):
    return sp.erfc(-x / sp.sqrt(2)) / 2


FUNCTIONS = (
    Named(
        ndtr,
        "ndtr",
        elementary=_erfc_half,
        mpmath=mpmath.ncdf,
        estimate=mpmath.ncdf,
        arrays={
            "numpy": "_ndtr({0})",
            "torch": "(0.5 * torch.special.erfc(-0.7071067811865476 * ({0})))",
            "jax": "jax.scipy.special.ndtr({0})",
        },
        helpers={"numpy": ("_ndtr",)},
        examples=((0.3,), (-5.0,), (2.0,), (-30.0,)),
    ),
    Named(
        log_ndtr,
        "log_ndtr",
        elementary=lambda x: sp.log(_erfc_half(x)),
        mpmath=lambda x: mpmath.log(mpmath.ncdf(x)),
        estimate=lambda x: mpmath.log(mpmath.ncdf(x)),
        arrays={
            "numpy": "_log_ndtr({0})",
            "torch": "torch.special.log_ndtr({0})",
            "jax": "jax.scipy.special.log_ndtr({0})",
        },
        helpers={"numpy": ("_log_ndtr",)},
        examples=((0.3,), (-5.0,), (2.0,), (-40.0,), (-1e4,)),
    ),
    Named(
        mills,
        elementary=lambda x: _phi(x) / _erfc_half(x),
        mpmath=lambda x: mpmath.npdf(x) / mpmath.ncdf(x),
        arrays={
            "numpy": "_mills({0})",
            "torch": "(0.7978845608028654 / torch.special.erfcx(-0.7071067811865476 * ({0})))",
            "jax": "(0.7978845608028654 / jax.scipy.special.erfcx(-0.7071067811865476 * ({0})))",
        },
        helpers={"numpy": ("_mills",)},
        examples=((0.3,), (-5.0,), (2.0,), (-40.0,), (-1e4,), (40.0,)),
    ),
)
