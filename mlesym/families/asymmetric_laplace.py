"""Asymmetric Laplace with quantile q: maximum likelihood is the pinball (quantile) loss."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References

q = sp.Symbol("q", positive=True)


def density(y: sp.Expr, mu: sp.Expr, q: sp.Expr = q) -> sp.Expr:
    """q (1 - q) exp(-rho_q(y - mu)), with rho_q(r) = max(q r, (q - 1) r)"""
    r = y - mu
    return sp.Mul(q * (1 - q), sp.exp(-sp.Max(q * r, (q - 1) * r)), evaluate=False)


def _logpdf(target, mu, q=0.5):
    from scipy import stats

    kappa, scale = np.sqrt(q / (1 - q)), 1 / np.sqrt(q * (1 - q))
    return stats.laplace_asymmetric.logpdf(target, kappa, loc=mu, scale=scale)


def _pinball(input, target, q=0.5):
    r = target - input
    return np.maximum(q * r, (q - 1) * r)


FAMILY = Family(
    name="asymmetric_laplace",
    title="Asymmetric Laplace",
    summary="Quantile regression: the pinball loss, whose minimizer is the q-quantile.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("q", q, "quantile level, in (0, 1)", default=0.5, domain="unit"),),
    density=density,
    statement=lambda mu: rf"\operatorname{{ALaplace}}_{{q}}\left({mu}\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("pinball", "pinball (quantile) loss")},
    mle_name="the q-quantile",
    mle_note=(
        r"the stationarity condition $\#\{y_i < c\} / n = q$ (at the kinks, in the sense of "
        r"subgradients) has no algebraic solution: it holds at the $q$-quantile of the $y_i$"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": _pinball},
        torch={},
        constant_mle=lambda targets: np.quantile(targets, 0.5),
    ),
)
