"""Poisson counts: maximum likelihood is the Poisson NLL, exp(eta) - y eta with the log link."""

from __future__ import annotations

import sympy as sp

from ..engine.family import COUNT, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import LOG, POSITIVE, SOFTPLUS, SQRT
from ..engine.references import References


def density(y: sp.Expr, rate: sp.Expr) -> sp.Expr:
    """rate^y e^(-rate) / y!"""
    return sp.Mul(
        sp.Pow(rate, y, evaluate=False),
        sp.exp(-rate),
        sp.Pow(sp.factorial(y), -1, evaluate=False),
        evaluate=False,
    )


def _logpmf(target, rate):
    from scipy import stats

    return stats.poisson.logpmf(target, rate)


def _torch_poisson(log_input):
    def call(input, target, reduction, full=False):
        import torch.nn.functional as F

        return F.poisson_nll_loss(
            input, target, log_input=log_input, full=full, eps=0.0, reduction=reduction
        )

    return call


def _softplus_poisson(eta, target):
    """softplus(eta) - y log softplus(eta), with log softplus(eta) ~ eta below -30 (SciPy's
    log of the softplus underflows to log 0 past eta = -745)."""
    rate = np.logaddexp(0.0, eta)
    with np.errstate(divide="ignore"):
        log_rate = np.where(eta < -30, eta - np.exp(eta) / 2, np.log(rate))
    return rate - target * log_rate


FAMILY = Family(
    name="poisson",
    title="Poisson",
    summary="Count regression: the Poisson negative log-likelihood.",
    target="scalar",
    support=COUNT,
    predicted="rate",
    params=(),
    density=density,
    statement=lambda rate: rf"\operatorname{{Poisson}}\left({rate}\right)",
    canonical_link="log",
    links=(LOG, POSITIVE, SQRT, SOFTPLUS),
    conventions={
        "log": Convention(
            "Poisson NLL", "Poisson negative log-likelihood", None, "poisson_nll_loss"
        ),
        "identity": Convention(
            "Poisson NLL", "Poisson negative log-likelihood", None, "poisson_nll_loss"
        ),
        "sqrt": Convention("Poisson NLL", "Poisson negative log-likelihood"),
        "softplus": Convention("Poisson NLL", "Poisson negative log-likelihood"),
    },
    references=References(
        logpdf=_logpmf,
        loss={
            "log": lambda input, target: np.exp(input) - target * input,
            "identity": lambda input, target: input - target * np.log(input),
            "sqrt": lambda eta, target: eta**2 - 2 * target * np.log(eta),
            "softplus": _softplus_poisson,
        },
        torch={"log": _torch_poisson(True), "identity": _torch_poisson(False)},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
