"""SymPy's own functions that mlesym knows: what users may type, what the verifier evaluates
in mpmath, and how each backend spells them on arrays."""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import log1p

from . import Named


def exp_estimate(x):
    """e**x, or only its size when x is far beyond any cap (2**(x / log 2))."""
    if abs(mpmath.re(x)) > 10**7:
        return mpmath.ldexp(mpmath.mpf(1), int(mpmath.re(x) / mpmath.log(2)))
    return mpmath.exp(x)


def _gamma_estimate(x):
    """gamma(x) by way of its logarithm, so that its size is known before it is computed."""
    if x.imag == 0 and x.real > 0:
        return mpmath.exp(mpmath.loggamma(x.real))
    return mpmath.gamma(x)


def _heaviside(u, *half):
    """H(u), with SymPy's value 1/2 at 0."""
    return mpmath.mpf(u > 0) if u != 0 else mpmath.mpf(1) / 2


def _elementwise(name: str) -> dict[str, str]:
    return {"array": f"{{xp}}.{name}({{0}})"}


FUNCTIONS = (
    Named(sp.log, "log", mpmath=mpmath.log, arrays=_elementwise("log"), examples=((0.5,), (3e7,))),
    Named(
        sp.exp,
        "exp",
        mpmath=mpmath.exp,
        estimate=exp_estimate,
        arrays=_elementwise("exp"),
        examples=((-3.0,), (2.5,)),
    ),
    Named(
        sp.Abs,
        "abs",
        mpmath=abs,
        estimate=abs,
        arrays=_elementwise("abs"),
        examples=((-2.0,), (0.75,)),
    ),
    Named(None, "sqrt", build=sp.sqrt, estimate=mpmath.sqrt, examples=((2.0,), (1e-8,))),
    Named(sp.sin, "sin", mpmath=mpmath.sin, arrays=_elementwise("sin"), examples=((1.3,),)),
    Named(sp.cos, "cos", mpmath=mpmath.cos, arrays=_elementwise("cos"), examples=((1.3,),)),
    Named(sp.tan, "tan", mpmath=mpmath.tan, arrays=_elementwise("tan"), examples=((1.3,), (-0.4,))),
    Named(
        sp.sinh,
        "sinh",
        mpmath=mpmath.sinh,
        estimate=lambda x: exp_estimate(abs(x)) / 2,
        arrays=_elementwise("sinh"),
        examples=((-2.0,), (0.3,)),
    ),
    Named(
        sp.cosh,
        "cosh",
        mpmath=mpmath.cosh,
        estimate=lambda x: exp_estimate(abs(x)) / 2,
        arrays=_elementwise("cosh"),
        examples=((-2.0,), (0.3,)),
    ),
    Named(sp.tanh, "tanh", mpmath=mpmath.tanh, arrays=_elementwise("tanh"), examples=((0.7,),)),
    Named(sp.atan, "atan", mpmath=mpmath.atan, arrays=_elementwise("arctan"), examples=((3.0,),)),
    Named(sp.atanh, mpmath=mpmath.atanh, arrays=_elementwise("arctanh"), examples=((0.4,),)),
    Named(
        sp.erf,
        "erf",
        mpmath=mpmath.erf,
        arrays={
            "numpy": "_erf({0})",
            "torch": "torch.special.erf({0})",
            "jax": "jax.scipy.special.erf({0})",
        },
        helpers={"numpy": ("_erf",)},
        examples=((0.3,), (-1.7,)),
    ),
    Named(
        sp.gamma,
        "gamma",
        mpmath=mpmath.gamma,
        estimate=_gamma_estimate,
        arrays={
            "numpy": "_gamma({0})",
            "torch": "_gamma({0})",
            "jax": "jax.scipy.special.gamma({0})",
        },
        helpers={"numpy": ("_gamma",), "torch": ("_gamma",)},
        examples=((4.5,), (0.25,), (-1.5,), (-0.5,)),
    ),
    Named(
        sp.loggamma,
        "lgamma",
        mpmath=mpmath.loggamma,
        arrays={
            "numpy": "_gammaln({0})",
            "torch": "torch.lgamma({0})",
            "jax": "jax.scipy.special.gammaln({0})",
        },
        helpers={"numpy": ("_gammaln",)},
        examples=((4.5,), (0.25,), (1e6,)),
    ),
    Named(
        log1p,
        "log1p",
        elementary=lambda a: sp.log(1 + a),
        estimate=mpmath.log1p,
        arrays=_elementwise("log1p"),
        examples=((1e-9,), (2.0,)),
    ),
    Named(sp.sign, mpmath=mpmath.sign, arrays=_elementwise("sign"), examples=((-2.0,), (3.0,))),
    Named(
        sp.Max,
        "max",
        arity=2,
        estimate=lambda a, b: max(a, b),
        arrays={
            "numpy": "numpy.maximum({0}, {1})",
            "torch": "torch.maximum({0}, torch.as_tensor({1}))",
            "array": "{xp}.maximum({0}, {1})",
        },
        examples=((1.0, 2.0), (-1.0, -3.0)),
    ),
    Named(
        sp.Min,
        "min",
        arity=2,
        estimate=lambda a, b: min(a, b),
        arrays={
            "torch": "torch.minimum({0}, torch.as_tensor({1}))",
            "array": "{xp}.minimum({0}, {1})",
        },
        examples=((1.0, 2.0), (-1.0, -3.0)),
    ),
    Named(
        sp.besseli,  # order 0 only: the printer refuses other orders
        mpmath=mpmath.besseli,
        arrays={
            "numpy": "numpy.i0({1})",
            "torch": "torch.special.i0({1})",
            "jax": "jax.scipy.special.i0({1})",
        },
        examples=((0, 2.5), (0, -0.5)),
    ),
    Named(
        sp.besselk,  # no array form: a normalizer at fixed values, a number (pseudo-Huber)
        "besselk",
        arity=2,
        mpmath=mpmath.besselk,
        examples=((1, 2.5), (0, 0.3)),
        constant_only=True,
    ),
    Named(
        None,
        "logsumexp",
        arity=-2,
        build=lambda *terms: sp.log(sp.Add(*map(sp.exp, terms))),
        estimate=lambda *terms: max(terms) + mpmath.log(len(terms)),
        examples=((1.0, 2.0), (-3.0, 50.0)),
    ),
    Named(
        None,
        "logaddexp",
        arity=2,
        build=lambda a, b: sp.log(sp.exp(a) + sp.exp(b)),
        estimate=lambda a, b: max(a, b) + mpmath.log(2),
        examples=((1.0, 2.0), (-3.0, 50.0)),
    ),
    Named(sp.asinh, mpmath=mpmath.asinh, arrays=_elementwise("arcsinh"), examples=((-2.5,),)),
    Named(sp.Heaviside, mpmath=_heaviside),
    Named(
        sp.digamma,
        "digamma",
        mpmath=mpmath.digamma,
        arrays={
            "numpy": "_digamma({0})",
            "torch": "torch.special.digamma({0})",
            "jax": "jax.scipy.special.digamma({0})",
        },
        helpers={"numpy": ("_digamma",)},
        examples=((4.5,), (0.25,), (-1.5,), (300.0,)),
    ),
    Named(
        sp.erfc,
        "erfc",
        mpmath=mpmath.erfc,
        arrays={
            "numpy": "_erfc({0})",
            "torch": "torch.special.erfc({0})",
            "jax": "jax.scipy.special.erfc({0})",
        },
        helpers={"numpy": ("_erfc",)},
        examples=((0.3,), (-1.7,), (6.0,)),
    ),
    Named(
        None,
        "expm1",
        build=lambda x: sp.exp(x) - 1,
        estimate=lambda x: exp_estimate(x) - 1,
        examples=((0.5,), (-2.0,)),
    ),
    Named(sp.polygamma, mpmath=mpmath.polygamma),
    Named(sp.cot, mpmath=mpmath.cot),  # the cauchit link's constant model, in documents
    Named(sp.erfinv, mpmath=mpmath.erfinv),  # the probit link's constant model, in documents
    Named(sp.erfcinv, mpmath=lambda x: mpmath.erfinv(1 - x)),
    Named(sp.factorial, mpmath=mpmath.factorial),
    Named(sp.binomial, mpmath=mpmath.binomial),
    Named(sp.beta, mpmath=mpmath.beta),
)
