"""The shared mathematical vocabulary: data, indices, the model output and named functions.

Everything a derivation talks about is built from these objects, so that the verifier,
the printer and the exporter agree on what each one means.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy import Function, IndexedBase, Symbol

from .supports import POSITIVE_REALS, Domain

n = Symbol("n", integer=True, positive=True)  # number of samples
i = Symbol("i", integer=True, positive=True)  # sample index
K = Symbol("K", integer=True, positive=True)  # number of classes
k = Symbol("k", integer=True, positive=True)  # class index
j = Symbol("j", integer=True, positive=True)  # second class index (inside a softmax)

y = IndexedBase("y", real=True)  # targets: y[i], or y[i, k] for one-hot vectors
x = IndexedBase("x")  # inputs: x[i]


def _powered(text: str, exp: str | None) -> str:
    """``text`` raised to the printer's exponent, if it passed one."""
    return text if exp is None else rf"\left({text}\right)^{{{exp}}}"


class Output(Function):
    """The model's output f_theta(x_i), or its k-th component f_theta(x_i)_k.

    Theta enters a derivation only through this function: an expression is free of theta
    exactly when it contains no ``Output``.
    """

    nargs = (1, 2)
    is_real = True

    def _latex(self, printer, exp=None):
        text = rf"f_{{\theta}}({printer._print(self.args[0])})"
        if len(self.args) == 2:
            text = rf"{text}_{{{printer._print(self.args[1])}}}"
        return _powered(text, exp)


class Head(Output):
    """A further model output that predicts a nuisance parameter, e.g. the variance v_theta(x_i).

    A subclass of Output, so theta-dependence checks see it. Concrete heads are made by
    ``head``; ``argument`` is the name of the input an exported function takes for it.
    """

    nargs = 1
    symbol = "h"
    argument = "head"
    domain = "real"

    def _latex(self, printer, exp=None):
        return _powered(rf"{self.symbol}_{{\theta}}({printer._print(self.args[0])})", exp)

    def __reduce_ex__(self, protocol):  # a concrete head's class is made at run time
        cls = type(self)
        return _rebuilt_head, (cls.argument, cls.symbol, cls.domain, self.args)


@cache
def head(argument: str, symbol: str, domain: Domain) -> type[Head]:
    """The Head class for one learned parameter (the same class for the same arguments)."""
    attributes = {"argument": argument, "symbol": symbol, "domain": domain}
    if domain == POSITIVE_REALS:
        attributes["is_positive"] = True
    return type(f"Head_{argument}", (Head,), attributes)


def _rebuilt_head(argument: str, symbol: str, domain: Domain, args: tuple) -> Head:
    return head(argument, symbol, domain)(*args)


class Density(Function):
    """p_theta(y_i | x_i), the model's density of one sample, before it is written out."""

    nargs = 1

    def _latex(self, printer, exp=None):
        index = printer._print(self.args[0])
        return _powered(rf"p_{{\theta}}(y_{{{index}}} \mid x_{{{index}}})", exp)


class Determinant(sp.Symbol):
    """det(Sigma) of a fixed covariance; exports compute its log from Sigma's Cholesky factor."""

    def _latex(self, printer, exp=None):
        return r"\lvert \Sigma \rvert" if exp is None else rf"\lvert \Sigma \rvert^{{{exp}}}"


PRECISION = IndexedBase("Lambda", real=True)  # Lambda = Sigma^(-1), a fixed precision matrix
DETERMINANT = Determinant("det_Sigma", positive=True)


def depends_on_theta(expr: sp.Basic) -> bool:
    """True when the expression involves the model output f_theta."""
    return expr.has(Output)


def depends_on_sample(expr: sp.Basic) -> bool:
    """True when the expression involves any sample's data or model output."""
    return expr.has(Output) or any(a.base == y for a in expr.atoms(sp.Indexed))
