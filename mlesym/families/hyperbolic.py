"""Symmetric hyperbolic noise: maximum likelihood is the pseudo-Huber (Charbonnier) loss.

The hyperbolic distribution (Barndorff-Nielsen, 1977) with alpha = delta, beta = 0 and scale
delta has the log-density -delta^2 (sqrt(1 + (r / delta)^2) - 1) - log Z(delta): quadratic
near r = 0, linear in the tails, like the Huber loss but smooth everywhere.
"""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param
from ..engine.functions.logk1e import logk1e
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References

delta = sp.Symbol("delta", positive=True)


def pseudo_huber(r: sp.Expr, delta: sp.Expr = delta) -> sp.Expr:
    """delta^2 (sqrt(1 + (r / delta)^2) - 1): r^2 / 2 near 0, delta |r| far out."""
    return delta**2 * (sp.sqrt(1 + (r / delta) ** 2) - 1)


def normalizer(delta: sp.Expr = delta) -> sp.Expr:
    """Z(delta) = 2 delta e^(delta^2) K_1(delta^2), the integral of exp(-pseudo_huber(r))."""
    return 2 * delta * sp.exp(delta**2) * sp.besselk(1, delta**2)


def density(y: sp.Expr, mu: sp.Expr, delta: sp.Expr = delta) -> sp.Expr:
    """exp(-pseudo_huber(y - mu)) / Z(delta)"""
    return sp.Mul(
        sp.Pow(normalizer(delta), -1, evaluate=False),
        sp.exp(-pseudo_huber(y - mu, delta)),
        evaluate=False,
    )


def stable_nll(y: sp.Expr, mu: sp.Expr, delta: sp.Expr = delta) -> sp.Expr:
    """pseudo_huber(y - mu) + log(2 delta) + log(e^u K_1(u)) at u = delta^2: K_1(delta^2)
    underflows past delta = 26.5 while its scaled log does not."""
    return pseudo_huber(y - mu, delta) + sp.log(2 * delta) + logk1e(delta**2)


def _pseudo_huber(input, target, delta=1.0):
    r = target - input
    return delta**2 * (np.sqrt(1 + (r / delta) ** 2) - 1)


def _logpdf(target, mu, delta=1.0):
    """SciPy's generalized hyperbolic with p = 1 (the hyperbolic), a = delta^2, b = 0 and
    scale delta."""
    from scipy import stats

    return stats.genhyperbolic.logpdf(target, 1.0, delta**2, 0.0, loc=mu, scale=delta)


FAMILY = Family(
    name="hyperbolic",
    title="Hyperbolic",
    summary=(
        "Smooth robust regression: the pseudo-Huber (Charbonnier) loss, quadratic near 0 and "
        "linear beyond $\\delta$, the NLL of a symmetric hyperbolic distribution."
    ),
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("delta", delta, "scale where the loss turns from quadratic to linear"),),
    density=density,
    stable_nll=stable_nll,
    stable_nll_note=(
        r"$\log Z(\delta) = \log(2\delta) + \log\left(e^{\delta^{2}} K_{1}(\delta^{2})\right)$, "
        r"the scaled Bessel function computed as one function: $K_{1}(\delta^{2})$ underflows "
        r"past $\delta = 26.5$, its scaled log does not"
    ),
    statement=lambda mu: rf"\operatorname{{Hyperbolic}}_{{\delta}}\left({mu}\right)",
    links=(IDENTITY,),
    conventions={
        "identity": Convention("pseudo-Huber", "pseudo-Huber (Charbonnier) loss", scale=delta**2)
    },
    notes=(
        (
            "The normalizer",
            r"With $r = \delta \sinh t$, $\sqrt{\delta^{2} + r^{2}} = \delta \cosh t$ and "
            r"$\int_{-\infty}^{\infty} e^{-\delta \sqrt{\delta^{2} + r^{2}}}\,dr = "
            r"2 \delta \int_0^\infty e^{-\delta^{2} \cosh t} \cosh t\,dt = "
            r"2 \delta K_{1}(\delta^{2})$, so "
            r"$Z(\delta) = 2 \delta e^{\delta^{2}} K_{1}(\delta^{2})$, free of $\mu$ (the same "
            r"integral in the other direction is how the exports evaluate $K_{1}$ without "
            r"SciPy). It is SciPy's `genhyperbolic` with $p = 1$, $a = \delta^{2}$, $b = 0$ and "
            r"scale $\delta$, the tests' reference.",
        ),
        (
            "Pseudo-Huber and Charbonnier",
            r"The pseudo-Huber loss $\delta^{2}(\sqrt{1 + (r/\delta)^{2}} - 1)$ is "
            r"$\delta \sqrt{\delta^{2} + r^{2}} - \delta^{2}$; the Charbonnier loss "
            r"$\sqrt{r^{2} + \varepsilon^{2}}$ is it divided by $\delta = \varepsilon$, plus "
            r"$\varepsilon$: the same minimizer.",
        ),
    ),
    mle_name="pseudo-Huber M-estimate",
    mle_note=(
        r"the stationarity condition $\sum_i (y_i - c) / \sqrt{1 + ((y_i - c)/\delta)^{2}} = 0$ "
        r"has no closed-form solution: the constant model's MLE is an M-estimate of location, "
        r"between the median and the mean, found numerically"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": _pseudo_huber},
        torch={},
        constant_mle=None,
    ),
)
