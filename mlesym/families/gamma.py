"""Gamma with fixed shape k and predicted mean mu: the gamma deviance, y / mu + log mu."""

from __future__ import annotations

import sympy as sp

from ..engine.family import POSITIVE, Convention, Family, Param, learned_itself
from ..engine.functions.expm1mx import expm1mx
from ..engine.functions.gammas import lgammatail
from ..engine.lazy import numpy as np
from ..engine.links import INVERSE, LOG
from ..engine.links import POSITIVE as MEAN
from ..engine.references import LearnedReferences, References

k = sp.Symbol("k", positive=True)


def density(y: sp.Expr, mu: sp.Expr, k: sp.Expr = k) -> sp.Expr:
    """k^k / Gamma(k) mu^(-k) y^(k-1) exp(-k y / mu)"""
    return sp.Mul(
        sp.Pow(k, k, evaluate=False),
        sp.Pow(sp.gamma(k), -1, evaluate=False),
        sp.Pow(mu, -k, evaluate=False),
        sp.Pow(y, k - 1, evaluate=False),
        sp.exp(-k * y / mu),
        evaluate=False,
    )


def stable_nll(y: sp.Expr, mu: sp.Expr, k: sp.Expr = k) -> sp.Expr:
    """-log p with w = log(y / mu): lgammatail(k) + log(2 pi / k) / 2 + k (e^w - 1 - w) + log y,
    so that log Gamma(k), k log k and k log(y / mu) never cancel at a large shape k."""
    w = sp.log(y) - sp.log(mu)
    return lgammatail(k) + (sp.log(2 * sp.pi) - sp.log(k)) / 2 + k * expm1mx(w) + sp.log(y)


def _logpdf(target, mu, k=2.0):
    from scipy import stats

    return stats.gamma.logpdf(target, a=k, scale=mu / k)


FAMILY = Family(
    name="gamma",
    title="Gamma",
    summary="Positive responses whose spread grows with their mean (fixed shape $k$).",
    target="scalar",
    support=POSITIVE,
    predicted="mu",
    params=(
        Param(
            "k",
            k,
            "shape",
            default=2.0,
            learned=(
                learned_itself(
                    "shape",
                    "k",
                    convention=Convention("Gamma NLL", "gamma negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=_logpdf,
                        # every term of the NLL involves mu or the learned k ((k - 1) log y too)
                        loss=lambda input, target, k: -_logpdf(target, np.exp(input), k),
                    ),
                    mle_name="mean; k numerically",
                    mle_note=(
                        r"with $k$ learned as well, the condition for $\mu$ still gives the "
                        r"sample mean, but the one for $k$, $\log k - \psi(k) = \log \bar y "
                        r"- \overline{\log y}$ (with $\psi$ the digamma function), has no "
                        r"closed-form solution"
                    ),
                ),
            ),
        ),
    ),
    density=density,
    stable_nll=stable_nll,
    stable_nll_note=(
        r"$\log\Gamma(k) - k \log k + k$ is Stirling's $-\frac{1}{2}\log k + \frac{1}{2}\log 2\pi$"
        r" plus its small remainder, and $k (u - 1 - \log u)$ with $u = y/\mu = e^{w}$ is "
        r"$k (e^{w} - 1 - w)$, computed by its series near $w = 0$: no two large terms cancel "
        r"at a large shape $k$"
    ),
    statement=lambda mu: rf"\operatorname{{Gamma}}\left(k, \tfrac{{k}}{{{mu}}}\right)",
    canonical_link="inverse",
    links=(LOG, MEAN, INVERSE),
    conventions={
        "log": Convention("Gamma NLL", "gamma negative log-likelihood"),
        "identity": Convention("Gamma NLL", "gamma negative log-likelihood"),
        "inverse": Convention("Gamma NLL", "gamma negative log-likelihood"),
    },
    references=References(
        logpdf=_logpdf,
        loss={
            "log": lambda input, target: target * np.exp(-input) + input,
            "identity": lambda input, target: target / input + np.log(input),
            "inverse": lambda eta, target: target * eta - np.log(eta),
        },
        torch={},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
