"""Laplace with fixed scale b: maximum likelihood is least absolute deviations (MAE)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Learned, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import LearnedReferences, References

b = sp.Symbol("b", positive=True)


def density(y: sp.Expr, mu: sp.Expr, b: sp.Expr = b) -> sp.Expr:
    """(2 b)^(-1) exp(-|y - mu| / b)"""
    normalizer = sp.Pow(2 * b, -1, evaluate=False)
    return sp.Mul(normalizer, sp.exp(-sp.Abs(y - mu) / b), evaluate=False)


def _logpdf(target, mu, b=1.0):
    from scipy import stats

    return stats.laplace.logpdf(target, loc=mu, scale=b)


def _torch_l1(input, target, reduction):
    import torch.nn.functional as F

    return F.l1_loss(input, target, reduction=reduction)


FAMILY = Family(
    name="laplace",
    title="Laplace",
    summary="Regression with Laplace noise; with a fixed scale, least absolute deviations.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(
        Param(
            "b",
            b,
            "scale of the noise",
            learned=(
                Learned(
                    "learned",
                    "scale",
                    "b",
                    "positive",
                    lambda v: v,
                    "the model's second output",
                    convention=Convention("Laplace NLL", "Laplace negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=_logpdf,
                        loss=lambda input, target, b: np.log(b) + np.abs(input - target) / b,
                    ),
                ),
                Learned(
                    "learned-log",
                    "log_scale",
                    "s",
                    "real",
                    sp.exp,
                    r"the model's second output is the log-scale $s = \log b$",
                    convention=Convention(
                        "Laplace NLL", "Laplace negative log-likelihood on the log-scale"
                    ),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, s: _logpdf(target, mu, np.exp(s)),
                        loss=lambda input, target, s: s + np.abs(input - target) * np.exp(-s),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda location: rf"\operatorname{{Laplace}}\left({location}, b\right)",
    links=(IDENTITY,),
    mle_name="the median",
    mle_note=(
        r"the stationarity condition $\sum_i \operatorname{sign}(c - y_i) = 0$ has no algebraic "
        r"solution: it holds at any median of the $y_i$, which is the MLE"
    ),
    conventions={
        "identity": Convention("MAE", "mean absolute error", "SAE", "l1_loss"),
    },
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: np.abs(input - target)},
        torch={"identity": _torch_l1},
        constant_mle=lambda targets: np.median(targets),
    ),
)
