"""Independent checks of catalogue families whose references SciPy does not provide."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

from conftest import require_torch
from mlesym import loss_function
from mlesym.families.huber import huber, normalizer


def test_huber_normalizer_is_the_integral_of_exp_minus_huber():
    """Z(delta) as the document derives it: SymPy integrates the two pieces, quadrature agrees."""
    r = sp.Symbol("r", real=True)
    delta = sp.Symbol("delta", positive=True)
    pieces = 2 * sp.integrate(sp.exp(-(r**2) / 2), (r, 0, delta)) + 2 * sp.integrate(
        sp.exp(-delta * (r - delta / 2)), (r, delta, sp.oo)
    )
    assert sp.simplify(pieces - normalizer(delta)) == 0
    for value in (0.1, 1.0, 1.345, 3.0):
        f = sp.lambdify(r, sp.exp(-huber(r, sp.Float(value))), "math")
        pieces = [(-np.inf, -value), (-value, value), (value, np.inf)]  # split at the kinks
        total = sum(integrate.quad(f, a, b, epsabs=1e-13, limit=200)[0] for a, b in pieces)
        assert total == pytest.approx(float(normalizer(sp.Float(value))), rel=1e-10)


def test_huber_full_nll_integrates_to_one_over_the_target():
    nll = loss_function("huber", full=True, reduction="none")
    for mu, delta in ((0.0, 1.0), (2.5, 0.3)):

        def density(t, mu=mu, delta=delta):
            return np.exp(-nll(np.array([mu]), np.array([t]), delta=delta)[0])

        pieces = [(-np.inf, mu - delta), (mu - delta, mu + delta), (mu + delta, np.inf)]
        total = sum(integrate.quad(density, a, b, epsabs=1e-13, limit=200)[0] for a, b in pieces)
        assert total == pytest.approx(1.0, abs=1e-9)


def test_continuous_bernoulli_matches_torch_distributions():
    torch = require_torch()
    rng = np.random.default_rng(3)
    # |z| <= 15: beyond, torch clamps sigmoid(z) and its normalizer drifts (ours is checked
    # against 800-digit mpmath at extreme logits in test_backends)
    logits = np.concatenate([rng.normal(0, 3, 200), [0.0, 1e-9, -1e-5, 5e-4, 2e-3, 15.0, -15.0]])
    targets = rng.uniform(0, 1, logits.size)
    ours = loss_function("continuous_bernoulli", link="logit", full=True, reduction="none")
    theirs = -torch.distributions.ContinuousBernoulli(
        logits=torch.from_numpy(logits), lims=(0.499, 0.501)
    ).log_prob(torch.from_numpy(targets))
    np.testing.assert_allclose(ours(logits, targets), theirs.numpy(), rtol=1e-6)


def test_continuous_bernoulli_gradient_is_mean_minus_target():
    """d/dz of an exponential family's NLL in its natural parameter z is E[y] - y."""
    z, t = np.array([-3.0, -0.5, 0.7, 4.0]), np.array([0.1, 0.5, 0.9, 0.3])
    mean = 1 / (1 - np.exp(-z)) - 1 / z  # E[y] under CB(sigmoid(z)), from its mgf
    nll = loss_function("continuous_bernoulli", link="logit", full=True, reduction="none")
    h = 1e-6
    numeric = (nll(z + h, t) - nll(z - h, t)) / (2 * h)
    np.testing.assert_allclose(numeric, mean - t, rtol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_multivariate_gaussian_with_a_covariance_matches_scipy(backend):
    from scipy import stats
    from test_backends import to_backend, to_numpy

    rng = np.random.default_rng(11)
    a = rng.normal(0, 1, (4, 4))
    covariance = a @ a.T + 0.5 * np.eye(4)
    mu, target = rng.normal(0, 2, (50, 4)), rng.normal(0, 2, (50, 4))
    nll = loss_function("multivariate_gaussian", full=True, reduction="none", backend=backend)
    got = to_numpy(nll(to_backend(backend, mu), to_backend(backend, target), covariance=covariance))
    expected = [
        -stats.multivariate_normal.logpdf(t, mean=m, cov=covariance)
        for t, m in zip(target, mu, strict=True)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    loss = loss_function("multivariate_gaussian", reduction="none", backend=backend)
    residual = target - mu
    mahalanobis = np.einsum("nk,kj,nj->n", residual, np.linalg.inv(covariance), residual)
    got = to_numpy(
        loss(to_backend(backend, mu), to_backend(backend, target), covariance=covariance)
    )
    np.testing.assert_allclose(got, mahalanobis, rtol=1e-10)


def test_multivariate_gaussian_with_identity_covariance_is_summed_squared_error():
    rng = np.random.default_rng(12)
    mu, target = rng.normal(0, 2, (30, 3)), rng.normal(0, 2, (30, 3))
    loss = loss_function("multivariate_gaussian", reduction="sum")
    assert loss(mu, target) == pytest.approx(np.sum((target - mu) ** 2), rel=1e-12)
    assert loss(mu, target, covariance=np.eye(3)) == pytest.approx(loss(mu, target), rel=1e-12)


@pytest.mark.parametrize(
    ("covariance", "message"),
    [
        (np.eye(2), r"covariance must have shape \(3, 3\)"),
        (np.array([[1.0, 2.0, 0], [0, 1, 0], [0, 0, 1]]), "symmetric"),
        (np.diag([1.0, -1.0, 1.0]), "positive definite"),
    ],
)
def test_multivariate_gaussian_rejects_a_bad_covariance(covariance, message):
    loss = loss_function("multivariate_gaussian")
    with pytest.raises(ValueError, match=message):
        loss(np.zeros((2, 3)), np.zeros((2, 3)), covariance=covariance)


def _finite_difference(fn, z, target, h=1e-6, **kwargs):
    steps = np.eye(z.shape[-1]) * h
    return np.stack(
        [(fn(z + e, target, **kwargs) - fn(z - e, target, **kwargs)) / (2 * h) for e in steps],
        axis=-1,
    )


def test_multinomial_gradient_note_matches_finite_differences():
    """The document states d loss / d z_k = N softmax(z)_k - y_k."""
    from scipy import special

    rng = np.random.default_rng(21)
    z, counts = rng.normal(0, 1, (5, 4)), rng.integers(0, 6, (5, 4)).astype(float)
    loss = loss_function("multinomial", link="softmax", reduction="none")
    expected = counts.sum(-1, keepdims=True) * special.softmax(z, axis=-1) - counts
    np.testing.assert_allclose(_finite_difference(loss, z, counts), expected, rtol=1e-6)


def test_dirichlet_gradient_note_matches_finite_differences():
    """The document states d loss / d z_k = alpha_k (psi(alpha_k) - psi(sum alpha) - log y_k)."""
    from scipy import special

    rng = np.random.default_rng(22)
    z, target = rng.normal(0, 1, (5, 3)), rng.dirichlet(np.ones(3), 5)
    loss = loss_function("dirichlet", link="log", reduction="none")
    alpha = np.exp(z)
    digamma_total = special.digamma(alpha.sum(-1, keepdims=True))
    expected = alpha * (special.digamma(alpha) - digamma_total - np.log(target))
    np.testing.assert_allclose(_finite_difference(loss, z, target), expected, rtol=1e-6)


def test_multivariate_gaussian_gradient_note_matches_finite_differences():
    """The document states d loss / d mu = -2 Sigma^(-1) (y - mu)."""
    rng = np.random.default_rng(23)
    a = rng.normal(0, 1, (3, 3))
    covariance = a @ a.T + np.eye(3)
    mu, target = rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (4, 3))
    loss = loss_function("multivariate_gaussian", reduction="none")
    expected = -2 * (target - mu) @ np.linalg.inv(covariance)
    numeric = _finite_difference(loss, mu, target, covariance=covariance)
    np.testing.assert_allclose(numeric, expected, rtol=1e-6)
