"""Laplace with fixed scale b: maximum likelihood is least absolute deviations (MAE)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..family import REAL, Convention, Family, Param, References
from ..links import IDENTITY

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
    title="Laplace (fixed $b$)",
    summary="Regression with Laplace noise of known scale: least absolute deviations.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("b", b, "scale of the noise"),),
    density=density,
    statement=lambda location: rf"\operatorname{{Laplace}}\left({location}, b\right)",
    links=(IDENTITY,),
    conventions={
        "identity": Convention("MAE", "mean absolute error", "SAE", "l1_loss"),
    },
    sample_target=lambda rng, K: rng.gauss(0.0, 2.0),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: np.abs(input - target)},
        torch={"identity": _torch_l1},
        constant_mle=lambda targets: np.median(targets),
    ),
)
