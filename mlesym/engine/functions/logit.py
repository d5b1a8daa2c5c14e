"""logit(p) = log(p / (1 - p)), the log-odds of a probability: the inverse of the sigmoid."""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logit(Function):  # noqa: N801
    """log(p / (1 - p)) for p in (0, 1)."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        p = self.args[0]
        return 1 / (p * (1 - p))

    def _latex(self, printer, exp=None):
        return _powered(rf"\operatorname{{logit}}\left({printer._print(self.args[0])}\right)", exp)


FUNCTIONS = (
    Named(
        logit,
        "logit",
        elementary=lambda p: sp.log(p / (1 - p)),
        estimate=lambda p: mpmath.log(p / (1 - p)),
        arrays={  # log p - log1p(-p): each term accurate near 0 and near 1
            "numpy": "(numpy.log({0}) - numpy.log1p(-({0})))",
            "torch": "torch.logit({0})",
            "jax": "jax.scipy.special.logit({0})",
        },
        examples=((0.3,), (1e-6,), (0.999,)),
        operator="logit",
    ),
)
