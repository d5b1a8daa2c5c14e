"""Multivariate Gaussian with fixed covariance: the Mahalanobis loss (summed squared error
when the covariance is the identity)."""

from __future__ import annotations

import random

import sympy as sp

from ..engine.family import VECTOR, Convention, Family
from ..engine.lazy import numpy as np
from ..engine.links import MEAN_VECTOR
from ..engine.references import References
from ..engine.symbols import DETERMINANT, PRECISION, K, j, k


def density(y_k: sp.Expr, mu_k: sp.Expr) -> sp.Expr:
    """(2 pi)^(-K/2) |Sigma|^(-1/2) exp(-(1/2) sum_k sum_j (y_k - mu_k) Lambda_kj (y_j - mu_j))"""
    r_k, r_j = y_k - mu_k, (y_k - mu_k).xreplace({k: j})
    quadratic = sp.Sum(sp.Sum(r_k * PRECISION[k, j] * r_j, (j, 1, K)), (k, 1, K))
    return sp.Mul(
        sp.Pow(2 * sp.pi, -K / 2, evaluate=False),
        sp.Pow(DETERMINANT, sp.Rational(-1, 2), evaluate=False),
        sp.exp(-quadratic / 2),
        evaluate=False,
    )


def constants(num: int, rng: random.Random | None) -> dict:
    """Lambda and |Sigma|: the identity by default; for the verifier, a random symmetric
    positive definite precision A A^T + I and its covariance's determinant."""
    if rng is None:
        a = np.zeros((num, num))
    else:
        a = np.array([[rng.uniform(-1, 1) for _ in range(num)] for _ in range(num)])
    precision = a @ a.T + np.eye(num)
    values = {
        PRECISION[r + 1, c + 1]: sp.Float(precision[r, c], 50)
        for r in range(num)
        for c in range(num)
    }
    values[DETERMINANT] = sp.Float(1 / np.linalg.det(precision), 50)
    return values


def _logpdf(target, mu):
    from scipy import stats

    return np.array(
        [stats.multivariate_normal.logpdf(t, mean=m) for t, m in zip(target, mu, strict=True)]
    )


FAMILY = Family(
    name="multivariate_gaussian",
    title="Multivariate Gaussian",
    summary=(
        "Vector regression with correlated Gaussian noise of fixed covariance $\\Sigma$: the "
        "squared Mahalanobis distance; with $\\Sigma = I$, the summed squared error."
    ),
    target="onehot",
    support=VECTOR,
    predicted="mu",
    params=(),
    density=density,
    statement=lambda mu: r"\mathcal{N}\left(f_{\theta}(x_{i}), \Sigma\right)",  # the vector
    canonical_link="identity",
    links=(MEAN_VECTOR,),
    conventions={
        "identity": Convention(
            "Mahalanobis", "squared Mahalanobis distance", "summed Mahalanobis distance"
        )
    },
    constants=constants,
    notes=(
        (
            "The covariance",
            "$\\Lambda = \\Sigma^{-1}$ is the precision matrix, fixed and symmetric positive "
            "definite. Exports take `covariance=` (a $K \\times K$ array; the identity when "
            "omitted) and compute the quadratic form and $\\log \\lvert \\Sigma \\rvert$ from "
            "its Cholesky factor, never forming $\\Sigma^{-1}$. With $\\Sigma = I$ the loss is "
            "$\\sum_k (y_{ik} - f_{\\theta}(x_i)_k)^2$, the summed squared error: "
            "`mse_loss(..., reduction='sum')` over the coordinates of each sample",
        ),
    ),
    mle_name="the mean vector",
    mle_note=(
        r"for a constant model the MLE of $\mu$ is the sample mean vector "
        r"$\frac{1}{n} \sum_i y_i$, whatever the fixed covariance (the gradient "
        r"$-\Lambda \sum_i (y_i - \mu)$ vanishes there). The gradient of the per-sample "
        r"loss with respect to the predicted mean is $-2 \Sigma^{-1} (y_i - f_{\theta}(x_i))$"
    ),
    references=References(
        logpdf=_logpdf,
        loss={"identity": lambda mu, target: ((target - mu) ** 2).sum(-1)},
        torch={},
        constant_mle=lambda targets: targets.mean(axis=0),
    ),
)
