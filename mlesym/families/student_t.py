"""Student-t with fixed degrees of freedom nu and scale s: a heavy-tailed, robust loss."""

from __future__ import annotations

import sympy as sp

from ..engine.family import REAL, Convention, Family, Param, learned_itself
from ..engine.lazy import numpy as np
from ..engine.links import IDENTITY
from ..engine.references import LearnedReferences, References

nu = sp.Symbol("nu", positive=True)
s = sp.Symbol("s", positive=True)


def density(y: sp.Expr, mu: sp.Expr, nu: sp.Expr = nu, s: sp.Expr = s) -> sp.Expr:
    """Gamma((nu+1)/2) / (Gamma(nu/2) sqrt(nu pi s^2)) (1 + (y - mu)^2 / (nu s^2))^(-(nu+1)/2)"""
    return sp.Mul(
        sp.gamma((nu + 1) / 2),
        sp.Pow(sp.gamma(nu / 2), -1, evaluate=False),
        sp.Pow(nu * sp.pi * s**2, sp.Rational(-1, 2), evaluate=False),
        sp.Pow(1 + (y - mu) ** 2 / (nu * s**2), -(nu + 1) / 2, evaluate=False),
        evaluate=False,
    )


def _logpdf(target, mu, nu=3.0, s=1.0):
    from scipy import stats

    return stats.t.logpdf(target, df=nu, loc=mu, scale=s)


def _loss(input, target, nu=3.0, s=1.0):
    return np.log1p((target - input) ** 2 / (nu * s**2))


def _student_constant(nu):
    """log Gamma(nu/2) - log Gamma((nu + 1)/2) + log(pi nu)/2: the NLL's terms free of mu, s."""
    from scipy.special import gammaln

    return gammaln(nu / 2) - gammaln((nu + 1) / 2) + 0.5 * np.log(np.pi * nu)


FAMILY = Family(
    name="student_t",
    title="Student-t",
    summary="Regression with heavy-tailed noise: outliers cost only logarithmically.",
    target="scalar",
    support=REAL,
    predicted="mu",
    params=(
        Param(
            "nu",
            nu,
            "degrees of freedom",
            default=3.0,
            learned=(
                learned_itself(
                    "dof",
                    r"\nu",
                    convention=Convention("Student-t NLL", "Student-t negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, nu: _logpdf(target, mu, nu, 1.0),
                        # the NLL without its constants: log(pi) / 2 and log s (s = 1)
                        loss=lambda input, target, nu: (
                            -_logpdf(target, input, nu, 1.0) - 0.5 * np.log(np.pi)
                        ),
                    ),
                    mle_name="no closed form (a robust M-estimate, with the tails learned)",
                ),
            ),
        ),
        Param(
            "s",
            s,
            "scale of the noise",
            learned=(
                learned_itself(
                    "scale",
                    "s",
                    convention=Convention("Student-t NLL", "Student-t negative log-likelihood"),
                    references=LearnedReferences(
                        logpdf=lambda target, mu, s: _logpdf(target, mu, 3.0, s),
                        # the NLL without its constants in nu (= 3, the default)
                        loss=lambda input, target, s: (
                            -_logpdf(target, input, 3.0, s) - _student_constant(3.0)
                        ),
                    ),
                ),
            ),
        ),
    ),
    density=density,
    statement=lambda mu: rf"t_{{\nu}}\left({mu}, s^{{2}}\right)",
    links=(IDENTITY,),
    conventions={"identity": Convention("Student-t NLL", "Student-t negative log-likelihood")},
    mle_name="no closed form (a robust M-estimate)",
    mle_note=(
        r"the stationarity condition weights each residual by $1 / (\nu s^2 + r_i^2)$ and has "
        r"no closed-form solution; the MLE is a robust M-estimate of location, found numerically"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda input, target: _loss(input, target)},
        torch={},
        constant_mle=None,
    ),
)
