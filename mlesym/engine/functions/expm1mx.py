"""e^w - 1 - w, computed by its series near w = 0, where the three terms cancel."""

from __future__ import annotations

import sympy as sp
from sympy import Function

from ..symbols import _powered
from . import Named


class expm1mx(Function):  # noqa: N801
    """e^w - 1 - w, computed by its series near w = 0, where the three terms cancel."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return sp.exp(self.args[0]) - 1

    def _latex(self, printer, exp=None):
        w = self.args[0]
        body = printer._print(w)
        if isinstance(w, sp.Add):
            body = rf"\left({body}\right)"
        text = rf"\left(e^{{{printer._print(w)}}} - 1 - {body}\right)"
        return _powered(text, exp)


FUNCTIONS = (
    Named(
        expm1mx,
        elementary=lambda w: sp.exp(w) - 1 - w,
        arrays={"array": "_expm1mx({0})"},
        helpers={"array": ("_expm1mx",)},
        examples=((1e-4,), (-2.0,), (3.0,)),
    ),
)
