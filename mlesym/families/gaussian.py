"""Gaussian with fixed sigma: maximum likelihood is least squares (SSE, MSE)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..family import REAL, Convention, Family, Param, References
from ..links import IDENTITY

sigma = sp.Symbol("sigma", positive=True)


def density(y: sp.Expr, mu: sp.Expr, sigma: sp.Expr = sigma) -> sp.Expr:
    """(2 pi sigma^2)^(-1/2) exp(-(y - mu)^2 / (2 sigma^2))"""
    normalizer = sp.Pow(2 * sp.pi * sigma**2, sp.Rational(-1, 2), evaluate=False)
    return sp.Mul(normalizer, sp.exp(-((y - mu) ** 2) / (2 * sigma**2)), evaluate=False)


def _logpdf(target, mu, sigma=1.0):
    from scipy import stats

    return stats.norm.logpdf(target, loc=mu, scale=sigma)


def _torch_mse(input, target, reduction):
    import torch.nn.functional as F

    return F.mse_loss(input, target, reduction=reduction)


FAMILY = Family(
    name="gaussian",
    title=r"Gaussian (fixed $\sigma$)",
    summary="Regression with Gaussian noise of known scale: least squares.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("sigma", sigma, "standard deviation of the noise"),),
    density=density,
    statement=lambda mean: rf"\mathcal{{N}}\left({mean}, \sigma^{{2}}\right)",
    links=(IDENTITY,),
    conventions={
        "identity": Convention("MSE", "mean squared error", "SSE", "mse_loss"),
    },
    sample_target=lambda rng, K: rng.gauss(0.0, 2.0),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: (input - target) ** 2},
        torch={"identity": _torch_mse},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
