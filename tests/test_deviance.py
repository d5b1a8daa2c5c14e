"""The deviance 2 (NLL - NLL of the saturated model), against statsmodels' families
(``family.deviance``) and scikit-learn's ``mean_*_deviance``, on every target of the support
(counts of 0, labels of 0 and 1, y = N), weighted, in every backend."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sklearn.metrics as metrics  # the test extra has both references: never skipped
import statsmodels.api as sm
from test_backends import to_backend, to_numpy

import mlesym
from conftest import require_jax, require_torch
from mlesym.errors import MlesymError

RNG = np.random.default_rng(20261203)
MU = RNG.uniform(0.2, 6.0, 300)


def _unit(family, y, mu, **weights):
    """statsmodels' deviance per unit of weight: sum_i w_i d_i / sum_i w_i."""
    total = np.sum(weights.get("freq_weights", np.ones_like(y)))
    return family.deviance(y, mu, **weights) / total


@pytest.mark.parametrize("link", ["log", "identity"])
def test_poisson_deviance_is_statsmodels_and_sklearns(link):
    y = RNG.poisson(MU).astype(float)
    y[:20] = 0.0
    raw = np.log(MU) if link == "log" else MU
    got = mlesym.deviance_function("poisson", link=link)(raw, y)
    assert got == pytest.approx(metrics.mean_poisson_deviance(y, MU), rel=1e-13)
    assert got == pytest.approx(_unit(sm.families.Poisson(), y, MU), rel=1e-13)


def test_gamma_and_inverse_gaussian_deviance_at_unit_dispersion():
    y = RNG.gamma(2.0, MU / 2.0)
    gamma = mlesym.deviance_function("gamma", link="log")(np.log(MU), y, k=1.0)
    assert gamma == pytest.approx(metrics.mean_gamma_deviance(y, MU), rel=1e-13)
    assert gamma == pytest.approx(_unit(sm.families.Gamma(), y, MU), rel=1e-13)
    y = RNG.wald(MU, 1.0)
    wald = mlesym.deviance_function("inverse_gaussian", link="log")(np.log(MU), y)
    assert wald == pytest.approx(metrics.mean_tweedie_deviance(y, MU, power=3), rel=1e-12)
    assert wald == pytest.approx(_unit(sm.families.InverseGaussian(), y, MU), rel=1e-12)


def test_the_gaussian_deviance_is_the_squared_error_over_sigma_squared():
    y = MU + RNG.normal(size=MU.shape)
    fn = mlesym.deviance_function("gaussian")
    assert fn(MU, y) == pytest.approx(metrics.mean_squared_error(y, MU), rel=1e-13)
    assert fn(MU, y) == pytest.approx(_unit(sm.families.Gaussian(), y, MU), rel=1e-13)
    assert fn(MU, y, sigma=2.0) == pytest.approx(metrics.mean_squared_error(y, MU) / 4, rel=1e-13)


def test_bernoulli_deviance_is_twice_the_log_loss_and_finite_at_extreme_logits():
    p = RNG.uniform(0.01, 0.99, 300)
    y = RNG.integers(0, 2, 300).astype(float)
    fn = mlesym.deviance_function("bernoulli", link="logit", reduction="none")
    got = fn(np.log(p / (1 - p)), y)
    np.testing.assert_allclose(got.mean(), 2 * metrics.log_loss(y, p), rtol=1e-13)
    np.testing.assert_allclose(got.sum(), sm.families.Binomial().deviance(y, p), rtol=1e-13)
    extreme = fn(np.array([-1e4, 1e4, -1e4, 1e4]), np.array([1.0, 0.0, 0.0, 1.0]))
    np.testing.assert_allclose(extreme, [2e4, 2e4, 0.0, 0.0], rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]"):
        fn(np.zeros(2), np.array([0.0, 2.0]))


def test_binomial_and_negative_binomial_deviance_are_statsmodels():
    n = 10
    p = RNG.uniform(0.05, 0.95, 300)
    y = RNG.binomial(n, p).astype(float)
    y[:5], y[5:10] = 0.0, float(n)
    got = mlesym.deviance_function("binomial", link="logit", reduction="sum")(
        np.log(p / (1 - p)), y, N=n
    )
    expected = sm.families.Binomial().deviance(y / n, p, var_weights=np.full_like(y, n))
    assert got == pytest.approx(expected, rel=1e-12)
    r = 2.5
    y = RNG.negative_binomial(r, r / (r + MU)).astype(float)
    got = mlesym.deviance_function("negative_binomial", link="log", reduction="sum")(
        np.log(MU), y, r=r
    )
    expected = sm.families.NegativeBinomial(alpha=1 / r).deviance(y, MU)
    assert got == pytest.approx(expected, rel=1e-12)


def test_location_families_saturate_at_the_target():
    y = RNG.normal(size=50)
    f = RNG.normal(size=50)
    laplace = mlesym.deviance_function("laplace", reduction="none")(f, y, b=0.5)
    np.testing.assert_allclose(laplace, 4 * np.abs(y - f), rtol=1e-15)
    cauchy = mlesym.deviance_function("cauchy", reduction="none")(f, y, gamma=2.0)
    np.testing.assert_allclose(cauchy, 2 * np.log1p(((y - f) / 2) ** 2), rtol=1e-14)


def test_sample_weights_are_statsmodels_frequency_weights():
    y = RNG.poisson(MU).astype(float)
    w = RNG.integers(0, 4, MU.shape).astype(float)
    got = mlesym.deviance_function("poisson", link="log")(np.log(MU), y, sample_weight=w)
    expected = _unit(sm.families.Poisson(), y, MU, freq_weights=w)
    assert got == pytest.approx(expected, rel=1e-13)
    assert got == pytest.approx(metrics.mean_poisson_deviance(y, MU, sample_weight=w), rel=1e-13)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_every_backend_gives_the_same_deviance(backend):
    (require_torch if backend == "torch" else require_jax)()
    y = RNG.poisson(MU).astype(float)
    numpy_value = mlesym.deviance_function("poisson", link="log", reduction="none")(np.log(MU), y)
    fn = mlesym.deviance_function("poisson", link="log", reduction="none", backend=backend)
    got = to_numpy(fn(to_backend(backend, np.log(MU)), to_backend(backend, y)))
    tolerance = 1e-5 if got.dtype == np.float32 else 1e-13
    np.testing.assert_allclose(got, numpy_value, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize(
    "name, options, message",
    [
        ("beta", {}, "no unique saturated value"),
        ("dirichlet", {}, "no saturated model"),
        ("gaussian", {"sigma": "learned"}, "learned head"),
    ],
)
def test_no_saturated_model_is_a_one_line_error(name, options, message):
    with pytest.raises(MlesymError, match=message) as error:
        mlesym.deviance_function(name, **options)
    assert "\n" not in str(error.value)


def test_the_command_line_exports_the_deviance():
    run = [sys.executable, "-m", "mlesym", "export", "poisson", "--link", "log", "--deviance"]
    result = subprocess.run(run, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "def poisson_log_deviance(" in result.stdout
    assert "mlesym export poisson --deviance`. Per-sample deviance" in result.stdout
    namespace: dict = {}
    exec(compile(result.stdout, "exported", "exec"), namespace)
    y = RNG.poisson(MU).astype(float)
    value = namespace["poisson_log_deviance"](np.log(MU), y)
    assert value == pytest.approx(metrics.mean_poisson_deviance(y, MU), rel=1e-13)
    refused = subprocess.run(
        [*run[:4], "--pdf", "exp(-(y - mu)**2 / 2) / sqrt(2*pi)", "--deviance"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr


def test_vector_deviances_against_scipy_and_scikit_learn():
    """Categorical: 2 x the per-sample log loss (scikit-learn); multinomial: 2 (log pmf at
    y / N - log pmf at p), SciPy's multinomial; multivariate Gaussian: the squared
    Mahalanobis distance (SciPy); the Dirichlet has no saturated model."""
    from scipy import stats
    from scipy.spatial.distance import mahalanobis
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(7)
    z = rng.normal(0, 2, (40, 3))
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    labels = rng.integers(0, 3, 40)
    weight = rng.uniform(0.5, 2, 40)
    got = mlesym.deviance_function("categorical", link="softmax")(z, labels, sample_weight=weight)
    expected = 2 * log_loss(labels, p, sample_weight=weight)
    assert got == pytest.approx(expected, rel=1e-12)
    counts = rng.integers(0, 6, (40, 3)).astype(float)
    counts[0] = [0.0, 0.0, 4.0]
    totals = counts.sum(-1)
    reference = 2 * (
        stats.multinomial.logpmf(counts, totals, counts / totals[:, None])
        - stats.multinomial.logpmf(counts, totals, p)
    )
    for link, raw in (("softmax", z), ("identity", p)):
        fn = mlesym.deviance_function("multinomial", link=link, reduction="none")
        np.testing.assert_allclose(fn(raw, counts), reference, rtol=1e-11, atol=1e-12)
    factor = rng.normal(size=(3, 3))
    covariance = factor @ factor.T + np.eye(3)
    target = rng.normal(size=(40, 3))
    fn = mlesym.deviance_function("multivariate_gaussian", reduction="none")
    precision = np.linalg.inv(covariance)
    expected = [mahalanobis(a, b, precision) ** 2 for a, b in zip(target, z, strict=True)]
    np.testing.assert_allclose(fn(z, target, covariance=covariance), expected, rtol=1e-12)
    with pytest.raises(MlesymError, match="no saturated model"):
        mlesym.deviance_function("dirichlet")
