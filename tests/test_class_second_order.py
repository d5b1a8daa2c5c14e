"""Second order over K classes: the gradient (..., K) and Hessian (..., K, K) exports of the
vector families, and their diagonal for multiclass boosting.

References: PyTorch's autograd through ``torch.nn.functional.log_softmax`` and
``torch.distributions.Dirichlet`` (not through mlesym's losses), scikit-learn's
``HalfMultinomialLoss`` (its gradient and Hessian diagonal), mpmath's softmax at 50 digits
at logits of 1e4, and central differences of the exported gradient.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import mlesym
from conftest import require_backend, require_torch
from mlesym.errors import NotSupportedError

K = 4


def _data(name: str, link: str, seed: int = 0, n: int = 7):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, size=(n, K))
    if name == "categorical":
        target = np.eye(K)[rng.integers(0, K, n)]
    elif name == "multinomial":
        target = rng.integers(0, 5, size=(n, K)).astype(float)
    else:
        target = rng.dirichlet(np.ones(K), size=n)
    if link == "identity" and name != "dirichlet":  # probabilities
        z = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    elif link == "identity":  # concentrations
        z = np.exp(z / 2)
    return z, target


def _torch_nll(name, link, z, t):
    """The NLL written with PyTorch's own functions (up to terms free of z)."""
    import torch

    if name == "dirichlet":
        alpha = torch.exp(z) if link == "log" else z
        return -torch.distributions.Dirichlet(alpha).log_prob(t)
    log_p = torch.log_softmax(z, -1) if link == "softmax" else torch.log(z)
    return -(t * log_p).sum(-1)


CASES = [
    ("categorical", "softmax"),
    ("categorical", "identity"),
    ("multinomial", "softmax"),
    ("multinomial", "identity"),
    ("dirichlet", "log"),
    ("dirichlet", "identity"),
]


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize(("name", "link"), CASES)
def test_gradient_and_hessian_match_autograd(name, link, backend):
    torch = require_torch()
    require_backend(backend)
    z, t = _data(name, link)
    zt = torch.tensor(z, requires_grad=True)
    tt = torch.tensor(t)
    gradient = torch.autograd.grad(_torch_nll(name, link, zt, tt).sum(), zt, create_graph=True)[0]
    hessian = torch.stack(
        [torch.autograd.grad(gradient[:, c].sum(), zt, retain_graph=True)[0] for c in range(K)],
        dim=1,
    )
    fn = mlesym.gradient_function(name, link=link, backend=backend, full=True)
    grad, hess = (np.asarray(a) for a in fn(z, t))
    assert grad.shape == (7, K) and hess.shape == (7, K, K)
    np.testing.assert_allclose(grad, gradient.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hess, hessian.detach().numpy(), rtol=1e-8, atol=1e-10)
    _, diagonal = mlesym.gradient_function(
        name, link=link, backend=backend, full=True, hessian="diagonal"
    )(z, t)
    np.testing.assert_allclose(
        np.asarray(diagonal), np.diagonal(hess, axis1=-2, axis2=-1), rtol=1e-13, atol=1e-14
    )


@pytest.mark.parametrize(("name", "link"), CASES)
def test_the_hessian_is_the_central_difference_of_the_exported_gradient(name, link):
    z, t = _data(name, link, seed=1)
    fn = mlesym.gradient_function(name, link=link)
    _, hess = fn(z, t)
    step = 1e-6 * (1 + np.abs(z))
    for c in range(K):
        up, down = z.copy(), z.copy()
        up[:, c] += step[:, c]
        down[:, c] -= step[:, c]
        column = (fn(up, t)[0] - fn(down, t)[0]) / (2 * step[:, c : c + 1])
        np.testing.assert_allclose(hess[:, :, c], column, rtol=1e-5, atol=1e-6)


def test_softmax_cross_entropy_matches_scikit_learn():
    """sklearn's half multinomial loss: gradient p - y, Hessian diagonal p (1 - p)."""
    from sklearn._loss.loss import HalfMultinomialLoss

    rng = np.random.default_rng(2)
    z, labels = rng.normal(0, 3, (50, K)), rng.integers(0, K, 50)
    weight = rng.uniform(0.2, 2, 50)
    grad, diagonal = mlesym.gradient_function("categorical", link="softmax", hessian="diagonal")(
        z, labels, sample_weight=weight
    )
    ref_grad, ref_hess = HalfMultinomialLoss(n_classes=K).gradient_hessian(
        labels.astype(float), np.ascontiguousarray(z), sample_weight=weight
    )
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(diagonal, ref_hess, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
def test_extreme_logits_keep_their_digits(backend):
    require_backend(backend)
    z = np.array([[1e4, -1e4, 0.0, 5.0], [800.0, 0.0, -800.0, 799.0], [-30.0, -30.0, 0, 30]])
    labels = np.array([1, 2, 3])
    grad, hess = (
        np.asarray(a)
        for a in mlesym.gradient_function("categorical", link="softmax", backend=backend)(z, labels)
    )
    with mpmath.workdps(50):
        for row, label, g, h in zip(z, labels, grad, hess, strict=True):
            e = [mpmath.exp(mpmath.mpf(v) - max(row)) for v in row]
            p = [v / sum(e) for v in e]
            for a in range(K):
                expected = p[a] - (a == label)
                assert abs(g[a] - float(expected)) <= 1e-15 * (1 + abs(float(expected)))
                for b in range(K):  # p_a (delta_ab - p_b), each term to 1e-15 relative
                    entry = p[a] * ((a == b) - p[b])
                    scale = max(abs(entry), p[a] * p[b])
                    assert abs(h[a, b] - entry) <= 1e-15 * scale + mpmath.mpf(1e-300)


def test_class_indices_weights_and_their_errors():
    z, t = _data("categorical", "softmax")
    labels = t.argmax(-1)
    fn = mlesym.gradient_function("categorical", link="softmax")
    weight = np.linspace(0, 2, 7)
    grad, hess = fn(z, labels, sample_weight=weight)
    plain_grad, plain_hess = fn(z, t)
    np.testing.assert_array_equal(grad, plain_grad * weight[:, None])
    np.testing.assert_array_equal(hess, plain_hess * weight[:, None, None])
    for bad, message in [
        ({"target": np.array([0, 1, 2, 3, 4, 0, 1])}, "class indices must lie in 0..3"),
        ({"target": t[:, :3]}, "target must have the shape of input"),
        ({"target": labels, "sample_weight": -weight}, "finite, nonnegative"),
        ({"target": labels, "sample_weight": weight[:3]}, "sample_weight must have shape"),
    ]:
        target = bad.pop("target")
        with pytest.raises(ValueError, match=message):
            fn(z, target, **bad)
    with pytest.raises(ValueError, match="class axis"):
        fn(np.float64(1.0), 0.0)


def test_fisher_is_the_exact_hessian_for_softmax_and_refused_for_the_dirichlet():
    z, t = _data("multinomial", "softmax")
    exact = mlesym.gradient_function("multinomial")(z, t)[1]
    fisher = mlesym.gradient_function("multinomial", hessian="fisher")(z, t)[1]
    np.testing.assert_array_equal(exact, fisher)
    with pytest.raises(NotSupportedError, match="free of the target"):
        mlesym.gradient_function("dirichlet", hessian="fisher")


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax"])
@pytest.mark.parametrize("given", [False, True])
def test_a_fixed_covariance_gives_the_precision_as_hessian(backend, given):
    """Against autograd through torch.distributions.MultivariateNormal: gradient
    Sigma^(-1) (z - y), Hessian Sigma^(-1) (the identity without a covariance)."""
    torch = require_torch()
    require_backend(backend)
    rng = np.random.default_rng(6)
    z, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    factor = rng.normal(size=(3, 3))
    covariance = factor @ factor.T + np.eye(3) if given else np.eye(3)
    zt = torch.tensor(z, requires_grad=True)
    nll = -torch.distributions.MultivariateNormal(zt, torch.tensor(covariance)).log_prob(
        torch.tensor(t)
    )
    gradient = torch.autograd.grad(nll.sum(), zt)[0].numpy()
    fn = mlesym.gradient_function("multivariate_gaussian", backend=backend, full=True)
    options = {"covariance": covariance} if given else {}
    grad, hess = (np.asarray(a) for a in fn(z, t, **options))
    np.testing.assert_allclose(grad, gradient, rtol=1e-12, atol=1e-13)
    precision = np.broadcast_to(np.linalg.inv(covariance), (5, 3, 3))
    np.testing.assert_allclose(hess, precision, rtol=1e-12, atol=1e-13)
    _, diagonal = mlesym.gradient_function(
        "multivariate_gaussian", backend=backend, full=True, hessian="diagonal"
    )(z, t, **options)
    np.testing.assert_allclose(
        np.asarray(diagonal), np.diagonal(precision, axis1=-2, axis2=-1), rtol=1e-12
    )


def test_the_source_says_the_verified_derivatives():
    text = mlesym.gradient_source("categorical", link="softmax")
    assert "d loss / d z_k = p(k) - y" in text
    assert "K = 2 and 3" in text


def test_the_softmax_constant_model_is_scikit_learns_intercept():
    """sklearn's fit_intercept_only: the centred log of the weighted class frequencies."""
    from sklearn._loss.loss import HalfMultinomialLoss

    rng = np.random.default_rng(4)
    labels, weight = rng.integers(0, K, 400), rng.uniform(0.5, 2, 400)
    found = mlesym.constant_model(
        "categorical", np.eye(K)[labels], sample_weight=weight, link="softmax"
    )
    expected = HalfMultinomialLoss(n_classes=K).fit_intercept_only(
        labels.astype(float), sample_weight=weight
    )
    np.testing.assert_allclose(found.raw, expected, rtol=1e-12, atol=1e-12)
    frequencies = np.bincount(labels, weights=weight) / weight.sum()
    np.testing.assert_allclose(found.parameter, frequencies, rtol=1e-12)
    in_probabilities = mlesym.constant_model(
        "categorical", np.eye(K)[labels], sample_weight=weight, link="identity"
    )
    np.testing.assert_allclose(in_probabilities.raw, frequencies, rtol=1e-12)


def test_the_multinomial_and_dirichlet_constant_models():
    """Multinomial: the pooled count fractions (hand); Dirichlet: SciPy's log density
    maximized by Nelder-Mead, and the weighted fit equals the repeated rows."""
    from scipy import optimize, stats

    rng = np.random.default_rng(5)
    counts = rng.integers(0, 6, (300, K)).astype(float)
    found = mlesym.constant_model("multinomial", counts)
    np.testing.assert_allclose(found.parameter, counts.sum(0) / counts.sum(), rtol=1e-12)
    shares = rng.dirichlet([2.0, 3.0, 5.0, 1.0], size=1000)
    found = mlesym.constant_model("dirichlet", shares)

    def nll(u):
        return -stats.dirichlet.logpdf(shares.T, np.exp(u)).mean()

    best = optimize.minimize(nll, np.zeros(K), method="Nelder-Mead", options={"xatol": 1e-10})
    np.testing.assert_allclose(found.parameter, np.exp(best.x), rtol=1e-6)
    np.testing.assert_allclose(found.raw, best.x, atol=1e-6)
    repeats = rng.integers(1, 4, 1000)
    weighted = mlesym.constant_model("dirichlet", shares, sample_weight=repeats, link="identity")
    repeated = mlesym.constant_model("dirichlet", np.repeat(shares, repeats, axis=0))
    np.testing.assert_allclose(weighted.raw, repeated.parameter, rtol=1e-10)


def test_constant_model_errors_for_vector_families():
    with pytest.raises(ValueError, match=r"targets shaped \(n, K\)"):
        mlesym.constant_model("categorical", np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="never occurs"):
        mlesym.constant_model("categorical", np.eye(3)[[0, 1, 0, 1]])
    with pytest.raises(ValueError, match="one weight per row"):
        mlesym.constant_model("categorical", np.eye(3), sample_weight=[1.0, 2.0])


@pytest.mark.parametrize(
    ("name", "link", "kind"),
    [
        ("categorical", "softmax", "proved"),
        ("categorical", "identity", "proved"),
        ("multinomial", "softmax", "proved"),
        ("multinomial", "identity", "proved"),
        ("dirichlet", "log", "refuted"),
        ("dirichlet", "identity", "undecided"),
        ("multivariate_gaussian", "identity", "proved"),
        ("multilabel", "logit", "proved"),  # diag(sigma (1 - sigma)) / K
        ("multilabel", "identity", "undecided"),  # diag(y/p^2 + (1 - y)/(1 - p)^2) / K
    ],
)
def test_convexity_over_the_classes(name, link, kind):
    """Softmax cross entropy: H = N (diag(p) - p p^T), a covariance (hand); -sum y log p
    in p: diag(y / p^2). The Dirichlet in log concentrations: checked below at its point."""
    assert mlesym.convexity(name, link=link).kind == kind


def test_the_dirichlet_refutation_point_is_a_saddle_of_scipys_density():
    """At the reported point, the Hessian of SciPy's Dirichlet NLL in z = log(alpha), by
    central differences, has a negative eigenvalue."""
    from scipy import stats

    point = mlesym.convexity("dirichlet", link="log").point
    z, target = np.array(point["outputs"]), np.array(point["target"])
    target = target / target.sum()

    def nll(u):
        return -stats.dirichlet.logpdf(target, np.exp(u))

    h = 1e-4
    eye = np.eye(3) * h
    hessian = np.array(
        [
            [
                (nll(z + a + b) - nll(z + a - b) - nll(z - a + b) + nll(z - a - b)) / (4 * h * h)
                for b in eye
            ]
            for a in eye
        ]
    )
    assert np.linalg.eigvalsh(hessian).min() < -0.1
