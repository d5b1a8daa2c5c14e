"""x log y and x log(1 + y), defined as 0 where x = 0 (so that 0 log 0 = 0), as SciPy and
PyTorch define them."""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function
from sympy.codegen.cfunctions import log1p

from ..symbols import _powered
from . import Named


class _XLog(Function):
    """x g(y) for g = log or log1p, defined as 0 where x = 0 (so that 0 log 0 = 0)."""

    nargs = 2
    inner: type[Function]  # the log-like function g
    name: str

    @classmethod
    def eval(cls, a, b):
        if a.is_zero:
            return sp.Integer(0)
        if a == 1:
            return cls.inner(b)
        return None

    def fdiff(self, argindex=1):
        a, b = self.args
        if argindex == 1:
            return self.inner(b)
        t = sp.Dummy("t")
        return a * self.inner(t).diff(t).xreplace({t: b})  # a g'(b)

    def _latex(self, printer, exp=None):
        a, b = (printer._print(arg) for arg in self.args)
        return _powered(rf"\operatorname{{{self.name}}}\left({a}, {b}\right)", exp)


class xlogy(_XLog):  # noqa: N801
    """x log y, 0 where x = 0, as SciPy and PyTorch define it."""

    inner = sp.log
    name = "xlogy"


class xlog1py(_XLog):  # noqa: N801
    """x log(1 + y), 0 where x = 0."""

    inner = log1p
    name = "xlog1py"


FUNCTIONS = (
    Named(
        xlogy,
        "xlogy",
        arity=2,
        operator="xlogy",
        elementary=lambda a, b: a * sp.log(b),
        mpmath=lambda a, b: 0 * b if a == 0 else a * mpmath.log(b),
        arrays={
            "numpy": "_xlogy({0}, {1})",
            "torch": "torch.xlogy({0}, {1})",
            "jax": "jax.scipy.special.xlogy({0}, {1})",
        },
        helpers={"numpy": ("_xlogy",)},
        examples=((0.5, 2.0), (3.0, 0.25)),
    ),
    Named(
        xlog1py,
        "xlog1py",
        arity=2,
        operator="xlog1py",
        elementary=lambda a, b: a * sp.log(1 + b),
        mpmath=lambda a, b: 0 * b if a == 0 else a * mpmath.log1p(b),
        arrays={
            "numpy": "_xlog1py({0}, {1})",
            "torch": "torch.special.xlog1py({0}, {1})",
            "jax": "jax.scipy.special.xlog1py({0}, {1})",
        },
        helpers={"numpy": ("_xlog1py",)},
        examples=((0.5, 2.0), (2.0, -0.5)),
    ),
)
