"""Tweedie with power 1 < p < 2: the compound Poisson-gamma, a point mass at y = 0 and a
density on y > 0. Its NLL with the log link is the Tweedie loss of XGBoost, LightGBM,
scikit-learn and statsmodels, -y mu^(1 - p) / (1 - p) + mu^(2 - p) / (2 - p), up to the
dispersion phi and the normalizer a(y, phi, p)."""

from __future__ import annotations

import sympy as sp

from ..engine.family import NONNEGATIVE, Convention, Family, Param
from ..engine.functions.tweedie import log_tweedie_a, tweedie_a
from ..engine.lazy import numpy as np
from ..engine.links import LOG
from ..engine.references import References

p = sp.Symbol("p", positive=True)
phi = sp.Symbol("phi", positive=True)


def _exponent(y: sp.Expr, mu: sp.Expr, p: sp.Expr, phi: sp.Expr) -> sp.Expr:
    """(y theta - kappa(theta)) / phi with theta = mu^(1 - p) / (1 - p) and
    kappa = mu^(2 - p) / (2 - p)."""
    return (y * mu ** (1 - p) / (1 - p) - mu ** (2 - p) / (2 - p)) / phi


def density(y: sp.Expr, mu: sp.Expr, p: sp.Expr = p, phi: sp.Expr = phi) -> sp.Expr:
    """a(y, phi, p) exp((y theta - kappa(theta)) / phi), the exponential-dispersion form."""
    return sp.Mul(tweedie_a(y, phi, p), sp.exp(_exponent(y, mu, p, phi)), evaluate=False)


def stable_nll(y: sp.Expr, mu: sp.Expr, p: sp.Expr = p, phi: sp.Expr = phi) -> sp.Expr:
    """-log a(y, phi, p) - (y theta - kappa) / phi, with log a summed as a log."""
    return -log_tweedie_a(y, phi, p) - _exponent(y, mu, p, phi)


def _logpdf(target, mu, p=1.5, phi=1.0):
    """statsmodels' Tweedie log-likelihood (eql=False), which takes a(y, phi, p) from SciPy's
    wright_bessel."""
    import statsmodels.api as sm

    family = sm.families.Tweedie(var_power=p, eql=False)
    return family.loglike_obs(np.asarray(target, float), np.asarray(mu, float), scale=phi)


def _tweedie(eta, target, p=1.5):
    """XGBoost's reg:tweedie and LightGBM's tweedie on the raw score eta."""
    return -target * np.exp((1 - p) * eta) / (1 - p) + np.exp((2 - p) * eta) / (2 - p)


FAMILY = Family(
    name="tweedie",
    title="Tweedie",
    summary=(
        "Nonnegative targets with exact zeros (claims, rainfall, sales): the Tweedie loss of "
        "XGBoost and LightGBM, power $1 < p < 2$, log link."
    ),
    target="scalar",
    support=NONNEGATIVE,
    predicted="mu",
    params=(
        Param("p", p, "power of the variance function, in (1, 2)", default=1.5, domain="power"),
        Param("phi", phi, "dispersion"),
    ),
    density=density,
    stable_nll=stable_nll,
    stable_nll_note=(
        r"$\log a_{p}(y, \phi)$ is summed as a log by the series of Dunn and Smyth (2005): for "
        r"$y > 0$, $a_{p}(y, \phi) = \frac{1}{y} \sum_{j \ge 1} \frac{z^{j}}{j!\,"
        r"\Gamma(-j\alpha)}$ with $\alpha = \frac{2 - p}{1 - p}$ and "
        r"$z = \frac{(p - 1)^{\alpha}}{(2 - p)\, \phi^{1 - \alpha}\, y^{\alpha}}$, its terms "
        r"log-concave in $j$ with the largest near $j = y^{2 - p} / (\phi (2 - p))$; the "
        r"exports sum $14 \sqrt{j} + 20$ terms either side of it, past which the terms are "
        r"below $e^{-92}$ of the largest (within $10^{-13}$ of SciPy's wright_bessel in the "
        r"tests); $a_{p}(0, \phi) = 1$"
    ),
    statement=lambda mu: rf"\operatorname{{Tweedie}}_{{p}}\left({mu}, \phi\right)",
    links=(LOG,),
    conventions={"log": Convention("Tweedie", "Tweedie loss")},
    notes=(
        (
            "The point mass at zero",
            r"A Tweedie variable with $1 < p < 2$ is a Poisson number $N$ of gamma variables "
            r"summed: $N \sim \operatorname{Poisson}(\lambda)$ with "
            r"$\lambda = \mu^{2 - p} / (\phi (2 - p))$, so $P(y = 0) = e^{-\lambda}$, which is the "
            r"formula above at $y = 0$ with $a_{p}(0, \phi) = 1$; on $y > 0$ it is a density, and "
            r"the two together sum to 1 (the tests add the mass at 0 to the integral).",
        ),
        (
            "Relation to the libraries",
            r"XGBoost's `reg:tweedie` (with `tweedie_variance_power` $= p$), LightGBM's "
            r"`tweedie`, scikit-learn's `HalfTweedieLoss` and statsmodels' `Tweedie` family "
            r"minimize $-y \mu^{1 - p} / (1 - p) + \mu^{2 - p} / (2 - p)$, the NLL times $\phi$ "
            r"without $\log a_{p}(y, \phi)$: the same minimizer for every $\phi$.",
        ),
    ),
    mle_name="the mean",
    references=References(
        logpdf=_logpdf,
        loss={"log": _tweedie},
        torch={},
        constant_mle=lambda targets: np.mean(targets),
    ),
)
