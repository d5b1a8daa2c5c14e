"""Von Mises with fixed concentration kappa: angles, and the loss 1 - cos(y - mu)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import CIRCLE, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References

kappa = sp.Symbol("kappa", positive=True)


def density(y: sp.Expr, mu: sp.Expr, kappa: sp.Expr = kappa) -> sp.Expr:
    """exp(kappa cos(y - mu)) / (2 pi I_0(kappa))"""
    return sp.Mul(
        sp.Pow(2 * sp.pi * sp.besseli(0, kappa), -1, evaluate=False),
        sp.exp(kappa * sp.cos(y - mu)),
        evaluate=False,
    )


def _logpdf(target, mu, kappa=1.0):
    from scipy import stats

    return stats.vonmises.logpdf(target, kappa, loc=mu)


def _circular_mean(targets):
    return np.arctan2(np.mean(np.sin(targets)), np.mean(np.cos(targets)))


FAMILY = Family(
    name="von_mises",
    title="Von Mises",
    summary="Angles and directions (fixed concentration $\\kappa$): the cosine loss.",
    target="scalar",
    support=CIRCLE,
    predicted="mu",
    params=(Param("kappa", kappa, "concentration"),),
    density=density,
    statement=lambda mu: rf"\operatorname{{vonMises}}\left({mu}, \kappa\right)",
    links=(IDENTITY,),
    conventions={
        "identity": Convention("cosine loss", "cosine loss", None, None, offset=sp.Integer(1))
    },
    mle_note=(
        "The stationarity condition is $\\sum_i \\sin(y_i - c) = 0$: the constant model's "
        "MLE is the circular mean $\\hat\\mu = \\operatorname{atan2}(\\sum_i \\sin y_i, "
        "\\sum_i \\cos y_i)$ (up to a multiple of $2\\pi$), not the arithmetic mean of the angles."
    ),
    mle_name="circular mean",
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: 1 - np.cos(target - input)},
        torch={},
        constant_mle=_circular_mean,
    ),
)
