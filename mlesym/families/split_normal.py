"""Split normal with expectile level tau: maximum likelihood is the expectile loss.

The expectile loss |tau - 1(r < 0)| r^2 weighs positive residuals by tau and negative ones by
1 - tau; its minimizer is the tau-expectile (Newey and Powell, 1987), and at tau = 1/2 the
density is the standard normal and the loss is half the squared error.
"""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import References

tau = sp.Symbol("tau", positive=True)


def expectile(r: sp.Expr, tau: sp.Expr = tau) -> sp.Expr:
    """tau r^2 for r >= 0, (1 - tau) r^2 below: the asymmetric square."""
    return sp.Piecewise((tau * r**2, r >= 0), ((1 - tau) * r**2, True))


def normalizer(tau: sp.Expr = tau) -> sp.Expr:
    """Z(tau) = integral of exp(-expectile(r)) over the real line (see the note)."""
    return sp.sqrt(sp.pi) / 2 * (1 / sp.sqrt(tau) + 1 / sp.sqrt(1 - tau))


def density(y: sp.Expr, mu: sp.Expr, tau: sp.Expr = tau) -> sp.Expr:
    """exp(-|tau - 1(y < mu)| (y - mu)^2) / Z(tau)"""
    return sp.Mul(
        sp.Pow(normalizer(tau), -1, evaluate=False), sp.exp(-expectile(y - mu, tau)), evaluate=False
    )


def _expectile(input, target, tau=0.5):
    r = target - input
    return np.where(r >= 0, tau, 1 - tau) * r**2


def _logpdf(target, mu, tau=0.5):
    """No SciPy distribution: the two half-normals written out (scales 1/sqrt(2 tau) and
    1/sqrt(2 (1 - tau))); tests also check Z against numeric quadrature."""
    z = np.sqrt(np.pi) / 2 * (1 / np.sqrt(tau) + 1 / np.sqrt(1 - tau))
    return -_expectile(mu, target, tau) - np.log(z)


def _expectile_of(targets, tau=0.5):
    """The tau-expectile: the root of sum_i w_i (y_i - c) with w_i = tau above c, 1 - tau below."""
    from scipy import optimize

    def score(c):
        r = targets - c
        return np.sum(np.where(r >= 0, tau, 1 - tau) * r)

    return optimize.brentq(score, np.min(targets), np.max(targets), xtol=1e-15)


FAMILY = Family(
    name="split_normal",
    title="Split normal",
    summary="Expectile regression: the expectile loss, whose minimizer is the tau-expectile.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(Param("tau", tau, "expectile level, in (0, 1)", default=0.5, domain="unit"),),
    density=density,
    statement=lambda mu: rf"\operatorname{{SplitNormal}}_{{\tau}}\left({mu}\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("expectile", "expectile loss")},
    notes=(
        (
            "The normalizer",
            r"Each side is half a normal density: "
            r"$\int_0^\infty e^{-\tau r^2}\,dr = \frac{1}{2}\sqrt{\pi / \tau}$ and "
            r"$\int_{-\infty}^0 e^{-(1 - \tau) r^2}\,dr = \frac{1}{2}\sqrt{\pi / (1 - \tau)}$, "
            r"so $Z(\tau) = \frac{\sqrt{\pi}}{2}\left(\tau^{-1/2} + (1 - \tau)^{-1/2}\right)$, "
            r"free of $\mu$: the expectile loss is the negative log-likelihood up to "
            r"$\log Z(\tau)$. At $\tau = 1/2$, $Z = \sqrt{2\pi}$ and the density is "
            r"$\mathcal{N}(\mu, 1)$.",
        ),
    ),
    mle_name="the tau-expectile",
    mle_note=(
        r"the stationarity condition $\sum_i |\tau - \mathbb{1}(y_i < c)|\,(y_i - c) = 0$ is "
        r"piecewise linear in $c$ and has one root, the $\tau$-expectile of the $y_i$ (the mean "
        r"at $\tau = 1/2$), found numerically"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": _expectile},
        torch={},
        constant_mle=_expectile_of,
    ),
)
