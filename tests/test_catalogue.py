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
