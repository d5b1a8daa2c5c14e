"""Log-normal with fixed sigma: maximum likelihood is squared error on log y."""

from __future__ import annotations

import sympy as sp

from ..engine.family import POSITIVE, Convention, Family, Learned, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import LearnedReferences, References

sigma = sp.Symbol("sigma", positive=True)


def density(y: sp.Expr, mu: sp.Expr, sigma: sp.Expr = sigma) -> sp.Expr:
    """(y sqrt(2 pi sigma^2))^(-1) exp(-(log y - mu)^2 / (2 sigma^2))"""
    return sp.Mul(
        sp.Pow(y, -1, evaluate=False),
        sp.Pow(2 * sp.pi * sigma**2, sp.Rational(-1, 2), evaluate=False),
        sp.exp(-((sp.log(y) - mu) ** 2) / (2 * sigma**2)),
        evaluate=False,
    )


def _logpdf(target, mu, sigma=1.0):
    from scipy import stats

    return stats.lognorm.logpdf(target, s=sigma, scale=np.exp(mu))


FAMILY = Family(
    name="lognormal",
    title="Log-normal",
    summary="Positive responses with multiplicative noise: squared error on the log scale.",
    target="scalar",
    support=POSITIVE,
    predicted="mu",
    params=(
        Param(
            "sigma",
            sigma,
            "standard deviation of log y",
            learned=(
                Learned(
                    "learned",
                    "var",
                    "v",
                    "positive",
                    sp.sqrt,
                    r"the model's second output is the variance of $\log y$, $v = \sigma^2$",
                    convention=Convention(
                        "Gaussian NLL on log y",
                        "Gaussian negative log-likelihood of log y",
                        None,
                        None,
                        scale=sp.Rational(1, 2),
                    ),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, v: _logpdf(target, mu, np.sqrt(v)),
                        loss=lambda input, target, v: (
                            0.5 * (np.log(v) + (np.log(target) - input) ** 2 / v)
                        ),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"\operatorname{{LogNormal}}\left({mu}, \sigma^{{2}}\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("log-MSE", "mean squared error of log y", "SSE of log y")},
    sample_target=lambda rng, K: rng.lognormvariate(0.0, 1.0),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: (np.log(target) - input) ** 2},
        torch={},
        constant_mle=lambda targets: np.mean(np.log(targets)),
    ),
)
