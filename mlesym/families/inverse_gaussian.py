"""Inverse Gaussian with fixed shape lambda: the loss (y - mu)^2 / (mu^2 y)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import POSITIVE, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import INVERSE_SQUARED, LOG
from ..engine.links import POSITIVE as MEAN
from ..engine.references import References

lamda = sp.Symbol("lamda", positive=True)  # SymPy prints "lamda" as the Greek letter


def density(y: sp.Expr, mu: sp.Expr, lamda: sp.Expr = lamda) -> sp.Expr:
    """sqrt(lambda / (2 pi y^3)) exp(-lambda (y / mu - 1)^2 / (2 y)), the exponent written
    as (y / mu - 1)^2 / y rather than (y - mu)^2 / (mu^2 y) so that it never overflows."""
    return sp.Mul(
        sp.Pow(lamda / (2 * sp.pi * y**3), sp.Rational(1, 2), evaluate=False),
        sp.exp(-lamda * (y / mu - 1) ** 2 / (2 * y)),
        evaluate=False,
    )


def _logpdf(target, mu, lamda=1.0):
    from scipy import stats

    return stats.invgauss.logpdf(target, mu / lamda, scale=lamda)


FAMILY = Family(
    name="inverse_gaussian",
    title="Inverse Gaussian",
    summary="Positive responses with variance growing as the cube of the mean.",
    target="scalar",
    support=POSITIVE,
    predicted="mu",
    params=(Param("lamda", lamda, "shape"),),
    density=density,
    statement=lambda mu: rf"\operatorname{{IG}}\left({mu}, \lambda\right)",
    canonical_link="inverse_squared",
    notes=(
        (
            "Numerical range",
            r"With the inverse-squared link the residual $y_i \sqrt{\eta} - 1$ is formed from "
            r"a rounded product: where $y_i \sqrt{\eta}$ is within a few rounding errors of 1 "
            r"the loss, itself tiny there, carries an absolute error of about "
            r"$4 \varepsilon\, |y_i \sqrt{\eta} - 1| / y_i$ ($\varepsilon$ the machine "
            r"epsilon); elsewhere it is exact to $10^{-12}$",
        ),
    ),
    links=(MEAN, LOG, INVERSE_SQUARED),
    conventions={
        "identity": Convention("IG NLL", "inverse Gaussian negative log-likelihood"),
        "log": Convention("IG NLL", "inverse Gaussian negative log-likelihood"),
        "inverse_squared": Convention("IG NLL", "inverse Gaussian negative log-likelihood"),
    },
    references=References(
        logpdf=_logpdf,
        loss={
            "identity": lambda mu, target: (target - mu) ** 2 / (mu**2 * target),
            "log": lambda eta, target: (target - np.exp(eta)) ** 2 / (np.exp(2 * eta) * target),
            "inverse_squared": lambda eta, target: (target * np.sqrt(eta) - 1) ** 2 / target,
        },
        torch={},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
