"""Gaussian with fixed sigma: maximum likelihood is least squares (SSE, MSE)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Learned, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY, LOG
from ..engine.references import LearnedReferences, References

sigma = sp.Symbol("sigma", positive=True)


def density(y: sp.Expr, mu: sp.Expr, sigma: sp.Expr = sigma) -> sp.Expr:
    """(2 pi sigma^2)^(-1/2) exp(-(y - mu)^2 / (2 sigma^2))"""
    normalizer = sp.Pow(2 * sp.pi * sigma**2, sp.Rational(-1, 2), evaluate=False)
    return sp.Mul(normalizer, sp.exp(-((y - mu) ** 2) / (2 * sigma**2)), evaluate=False)


def _logpdf(target, mu, sigma=1.0):
    from scipy import stats

    return stats.norm.logpdf(target, loc=mu, scale=sigma)


def _logpdf_var(target, mu, var):
    from scipy import stats

    return stats.norm.logpdf(target, loc=mu, scale=np.sqrt(var))


def _torch_mse(input, target, reduction):
    import torch.nn.functional as F

    return F.mse_loss(input, target, reduction=reduction)


FAMILY = Family(
    name="gaussian",
    title="Gaussian",
    summary="Regression with Gaussian noise; with a fixed scale, least squares.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(
        Param(
            "sigma",
            sigma,
            "standard deviation of the noise",
            learned=(
                Learned(
                    "learned",
                    "var",
                    "v",
                    "positive",
                    sp.sqrt,
                    r"the model's second output is the variance $v = \sigma^2$",
                    convention=Convention(
                        "Gaussian NLL",
                        "Gaussian negative log-likelihood",
                        None,
                        "gaussian_nll_loss",
                        scale=sp.Rational(1, 2),
                    ),
                    references=LearnedReferences(
                        logpdf=_logpdf_var,
                        loss=lambda input, target, var: (
                            0.5 * (np.log(var) + (input - target) ** 2 / var)
                        ),
                    ),
                ),
                Learned(
                    "learned-log",
                    "log_var",
                    "s",
                    "real",
                    lambda s: sp.exp(s / 2),
                    r"the model's second output is the log-variance $s = \log \sigma^2$",
                    convention=Convention(
                        "Gaussian NLL",
                        "Gaussian negative log-likelihood on the log-variance",
                        None,
                        None,
                        scale=sp.Rational(1, 2),
                    ),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, s: _logpdf_var(target, mu, np.exp(s)),
                        loss=lambda input, target, s: (
                            0.5 * (s + (input - target) ** 2 * np.exp(-s))
                        ),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mean: rf"\mathcal{{N}}\left({mean}, \sigma^{{2}}\right)",
    canonical_link="identity",
    links=(IDENTITY, LOG),
    conventions={
        "identity": Convention("MSE", "mean squared error", "SSE", "mse_loss"),
        "log": Convention("MSE", "mean squared error of the mean e^eta", "SSE"),
    },
    references=References(
        logpdf=_logpdf,
        loss={
            "identity": lambda input, target: (input - target) ** 2,
            "log": lambda eta, target: (np.exp(eta) - target) ** 2,
        },
        torch={"identity": _torch_mse},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
