"""log sum_j exp(body_j), the log-partition of the softmax."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class logsumexp(Function):  # noqa: N801
    """log sum_{j=lower}^{upper} exp(body): args (body, j, lower, upper)."""

    nargs = 4
    is_real = True

    def _latex(self, printer, exp=None):
        body, index, lower, upper = (printer._print(arg) for arg in self.args)
        text = rf"\operatorname{{logsumexp}}_{{{index}={lower}}}^{{{upper}}}\left({body}\right)"
        return _powered(text, exp)


FUNCTIONS = (
    Named(
        logsumexp,
        elementary=lambda body, index, lower, upper: sp.log(
            sp.Sum(sp.exp(body), (index, lower, upper))
        ),
        lowered=True,  # the exporter computes it over the class axis (export.source.LogSumExp)
    ),
)
