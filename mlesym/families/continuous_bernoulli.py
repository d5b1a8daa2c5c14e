"""Continuous Bernoulli on [0, 1]: binary cross entropy plus the log-normalizer it needs."""

from __future__ import annotations

import sympy as sp

from ..engine.family import CLOSED_UNIT, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import LOGIT
from ..engine.references import References


def normalizer(lam: sp.Expr) -> sp.Expr:
    """C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda) (2 at lambda = 1/2)"""
    return sp.Mul(2, sp.atanh(1 - 2 * lam), sp.Pow(1 - 2 * lam, -1, evaluate=False), evaluate=False)


def density(y: sp.Expr, lam: sp.Expr) -> sp.Expr:
    """C(lambda) lambda^y (1 - lambda)^(1 - y), for y in [0, 1]"""
    return sp.Mul(
        normalizer(lam),
        sp.Pow(lam, y, evaluate=False),
        sp.Pow(1 - lam, 1 - y, evaluate=False),
        evaluate=False,
    )


def _log_normalizer(z):
    """log(z / tanh(z / 2)), written out independently of mlesym's exporter."""
    a = np.abs(z)
    with np.errstate(over="ignore", divide="ignore"):
        large = np.log(a) + np.log1p(2 / np.expm1(a))
    return np.where(a < 1e-3, np.log(2) + a**2 / 12 - a**4 / 1440, large)


def _bce_logits(z, target):
    return np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))


def _logpdf(target, lam):
    """No SciPy distribution: the log-density in closed form (the tests also integrate the
    density numerically and compare with torch.distributions.ContinuousBernoulli)."""
    z = np.log(lam) - np.log1p(-lam)
    return -_bce_logits(z, target) + _log_normalizer(z)


FAMILY = Family(
    name="continuous_bernoulli",
    title="Continuous Bernoulli",
    summary=(
        "Targets anywhere in $[0, 1]$ (pixel intensities in a VAE): binary cross entropy is "
        "not a log-likelihood for them until its normalizer is added."
    ),
    target="scalar",
    support=CLOSED_UNIT,
    predicted="lambda",
    params=(),
    density=density,
    statement=lambda lam: rf"\mathcal{{CB}}\left({lam}\right)",
    canonical_link="logit",
    links=(LOGIT,),
    conventions={
        "logit": Convention(
            "CB NLL", "continuous Bernoulli negative log-likelihood (BCE plus log-normalizer)"
        ),
    },
    notes=(
        (
            "Why BCE alone is not a likelihood here",
            "For $y \\in [0, 1]$, $\\lambda^{y} (1 - \\lambda)^{1 - y}$ integrates to "
            "$\\frac{1 - 2\\lambda}{2 \\operatorname{artanh}(1 - 2\\lambda)} \\ne 1$, and the "
            "missing factor depends on $\\lambda$. Minimizing BCE on such targets is not maximum "
            "likelihood; the term $-\\log C(\\lambda)$ makes it so (Loaiza-Ganem and Cunningham, "
            "2019). Only the logit link is offered: on probabilities, $C(\\lambda)$ is $0/0$ at "
            "$\\lambda = 1/2$.",
        ),
    ),
    mle_note=(
        "The stationarity condition $\\bar y = \\mathbb{E}[y] = \\frac{\\lambda}{2\\lambda - 1} + "
        "\\frac{1}{2 \\operatorname{artanh}(1 - 2\\lambda)}$ (the mean matches the sample mean) "
        "has no closed-form solution for $\\lambda$; it is solved numerically."
    ),
    mle_name="mean matching (numeric)",
    references=References(
        logpdf=_logpdf,
        # the derived loss keeps log 2 from splitting C = 2 artanh(.) / (.), a constant
        loss={"logit": lambda z, target: _bce_logits(z, target) - _log_normalizer(z) + np.log(2)},
        torch={},
        constant_mle=None,
    ),
)
