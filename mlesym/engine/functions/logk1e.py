"""log(e^u K_1(u)), the log of the exponentially scaled modified Bessel function K_1."""

from __future__ import annotations

from functools import lru_cache

import mpmath
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

    def _eval_evalf(self, prec):
        u = self.args[0].evalf(prec)
        if not u.is_Number:
            return None
        return sp.Expr._from_mpmath(_mp_logk1e(u._to_mpmath(prec), prec), prec)

    def _latex(self, printer, exp=None):
        u = printer._print(self.args[0])
        text = rf"\log\left(e^{{{u}}} K_{{1}}\left({u}\right)\right)"
        return _powered(text, exp)


@lru_cache(maxsize=256)
def _mp_logk1e(u, prec: int):
    """log K_1(u) + u at ``prec`` bits, remembered: mpmath's K_1 of an integer order takes a
    limit (2 s at 2600 bits), and an NLL asks for the same normalizer at every sample."""
    with mpmath.workprec(prec):
        return mpmath.log(mpmath.besselk(1, u)) + u


FUNCTIONS = (
    Named(
        logk1e,
        elementary=lambda u: sp.log(sp.besselk(1, u)) + u,
        mpmath=lambda u: _mp_logk1e(u, mpmath.mp.prec),
        # torch.special.scaled_modified_bessel_k1 is good to 3e-8 only: torch integrates too
        arrays={"array": "_logk1e({0})"},
        helpers={"array": ("_logk1e",)},
        examples=((1e-9,), (0.5,), (1.0,), (30.0,), (2e3,), (1e6,)),
    ),
)
