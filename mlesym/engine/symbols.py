"""The shared mathematical vocabulary: data, indices, the model output and named functions.

Everything a derivation talks about is built from these objects, so that the verifier,
the printer and the exporter agree on what each one means.
"""

from __future__ import annotations

from functools import cache

import sympy as sp
from sympy import Function, IndexedBase, Symbol
from sympy.codegen.cfunctions import log1p

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
def head(argument: str, symbol: str, domain: str) -> type[Head]:
    """The Head class for one learned parameter (the same class for the same arguments)."""
    attributes = {"argument": argument, "symbol": symbol, "domain": domain}
    if domain == "positive":
        attributes["is_positive"] = True
    return type(f"Head_{argument}", (Head,), attributes)


def _rebuilt_head(argument: str, symbol: str, domain: str, args: tuple) -> Head:
    return head(argument, symbol, domain)(*args)


class Density(Function):
    """p_theta(y_i | x_i), the model's density of one sample, before it is written out."""

    nargs = 1

    def _latex(self, printer, exp=None):
        index = printer._print(self.args[0])
        return _powered(rf"p_{{\theta}}(y_{{{index}}} \mid x_{{{index}}})", exp)


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


class logsumexp(Function):  # noqa: N801
    """log sum_{j=lower}^{upper} exp(body): args (body, j, lower, upper)."""

    nargs = 4
    is_real = True

    def _latex(self, printer, exp=None):
        body, index, lower, upper = (printer._print(arg) for arg in self.args)
        text = rf"\operatorname{{logsumexp}}_{{{index}={lower}}}^{{{upper}}}\left({body}\right)"
        return _powered(text, exp)


class xexp(Function):  # noqa: N801
    """x e^u for x > 0, computed as e^(u + log x): finite wherever the product is."""

    nargs = 2

    def fdiff(self, argindex=1):
        a, u = self.args
        return sp.exp(u) if argindex == 1 else xexp(a, u)

    def _latex(self, printer, exp=None):
        a, u = (printer._print(arg) for arg in self.args)
        return _powered(rf"e^{{{u} + \log {a}}}", exp)


class logcosh(Function):  # noqa: N801
    """log cosh(u), computed as |u| + log1p(exp(-2|u|)) - log 2 so that it never overflows."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        return sp.tanh(self.args[0])

    def _latex(self, printer, exp=None):
        return _powered(rf"\log\cosh\left({printer._print(self.args[0])}\right)", exp)


class logcbnorm(Function):  # noqa: N801
    """log(u / tanh(u / 2)), the continuous Bernoulli's log-normalizer at logit u (log 2 at 0).

    Exporters compute it as log|u| + log1p(2 / expm1(|u|)), and by its series near 0.
    """

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        u = self.args[0]
        return 1 / u - 1 / sp.sinh(u)

    def _latex(self, printer, exp=None):
        u = printer._print(self.args[0])
        return _powered(rf"\log \frac{{{u}}}{{\tanh\left(\frac{{{u}}}{{2}}\right)}}", exp)


class logrising(Function):  # noqa: N801
    """log Gamma(b + a) - log Gamma(b), the log of the rising factorial: args (b, a).

    Two large log-gammas cancel when b is large (a Student-t's nu, a negative binomial's r);
    exporters compute it by Stirling's series where b >= 10, without forming either.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        b, a = self.args
        return sp.digamma(b + a) - sp.digamma(b) if argindex == 1 else sp.digamma(b + a)

    def _latex(self, printer, exp=None):
        b, a = self.args
        top, bottom = printer._print(b + a), printer._print(b)
        text = rf"\log \frac{{\Gamma\left({top}\right)}}{{\Gamma\left({bottom}\right)}}"
        return _powered(text, exp)


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


class lgammatail(Function):  # noqa: N801
    """log Gamma(k) - (k - 1/2) log k + k - log(2 pi)/2: the remainder of Stirling's formula,
    about 1/(12 k), small where log Gamma(k) and k log k are huge and cancel."""

    nargs = 1
    is_real = True

    def fdiff(self, argindex=1):
        k = self.args[0]
        return sp.digamma(k) - sp.log(k) + 1 / (2 * k)

    def _latex(self, printer, exp=None):
        k = printer._print(self.args[0])
        text = (
            rf"\left(\log\Gamma\left({k}\right) - \left({k} - \frac{{1}}{{2}}\right) "
            rf"\log{{\left({k} \right)}} + {k} - \frac{{1}}{{2}} \log{{\left(2 \pi \right)}}\right)"
        )
        return _powered(text, exp)


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


class Determinant(sp.Symbol):
    """det(Sigma) of a fixed covariance; exports compute its log from Sigma's Cholesky factor."""

    def _latex(self, printer, exp=None):
        return r"\lvert \Sigma \rvert" if exp is None else rf"\lvert \Sigma \rvert^{{{exp}}}"


PRECISION = IndexedBase("Lambda", real=True)  # Lambda = Sigma^(-1), a fixed precision matrix
DETERMINANT = Determinant("det_Sigma", positive=True)


def elementary(expr: sp.Expr) -> sp.Expr:
    """Rewrite the named functions (sigmoid, softplus, xlogy, ...) into exp and log."""
    expr = expr.replace(
        logsumexp,
        lambda body, index, lower, upper: sp.log(sp.Sum(sp.exp(body), (index, lower, upper))),
    )
    expr = expr.replace(logcosh, lambda u: sp.log(sp.cosh(u)))
    expr = expr.replace(logcbnorm, lambda u: sp.log(u / sp.tanh(u / 2)))
    expr = expr.replace(xexp, lambda a, u: a * sp.exp(u))
    expr = expr.replace(logrising, lambda b, a: sp.loggamma(b + a) - sp.loggamma(b))
    expr = expr.replace(
        lgammatail,
        lambda k: sp.loggamma(k) - (k - sp.S.Half) * sp.log(k) + k - sp.log(2 * sp.pi) / 2,
    )
    expr = expr.replace(expm1mx, lambda w: sp.exp(w) - 1 - w)
    expr = expr.replace(logi0e, lambda u: sp.log(sp.besseli(0, u)) - sp.Abs(u))
    expr = expr.replace(xlogy, lambda a, b: a * sp.log(b))
    expr = expr.replace(xlog1py, lambda a, b: a * sp.log(1 + b))
    expr = expr.replace(log1p, lambda a: sp.log(1 + a))
    expr = expr.replace(sigmoid, lambda z: 1 / (1 + sp.exp(-z)))
    return expr.replace(softplus, lambda z: sp.log(1 + sp.exp(z)))


def depends_on_theta(expr: sp.Basic) -> bool:
    """True when the expression involves the model output f_theta."""
    return expr.has(Output)


def depends_on_sample(expr: sp.Basic) -> bool:
    """True when the expression involves any sample's data or model output."""
    return expr.has(Output) or any(a.base == y for a in expr.atoms(sp.Indexed))
