"""The positive-mean links of GLMs (gamma's inverse, the inverse Gaussian's inverse squared,
Poisson's square root, the Gaussian's log) against statsmodels: its link functions' inverses,
its families' log-likelihoods and deviances, and its default (canonical) links, which name
each family's canonical link independently of mlesym."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import mlesym
from mlesym.families import get

links = sm.families.links

CASES = [  # family, link, statsmodels family with that link, targets
    ("gamma", "inverse", sm.families.Gamma(links.InversePower()), "positive"),
    ("inverse_gaussian", "inverse_squared", sm.families.InverseGaussian(links.InverseSquared()),
     "positive"),
    ("poisson", "sqrt", sm.families.Poisson(links.Sqrt()), "count"),
    ("gaussian", "log", sm.families.Gaussian(links.Log()), "real"),
]  # fmt: skip


def _data(kind: str, rng):
    eta = rng.uniform(0.2, 3.0, 200)
    target = {
        "positive": rng.gamma(2.0, 1.0, 200),
        "count": rng.poisson(3.0, 200).astype(float),
        "real": rng.normal(1.0, 2.0, 200),
    }[kind]
    return eta, target


@pytest.mark.parametrize(("name", "link", "family", "kind"), CASES, ids=[c[1] for c in CASES])
def test_the_exact_nll_deviance_and_inverse_link_are_statsmodels(name, link, family, kind):
    eta, target = _data(kind, np.random.default_rng(0))
    mean = family.link.inverse(eta)
    np.testing.assert_allclose(get(name).link(link).reference(eta), mean, rtol=1e-15)
    unit = {"gamma": {"k": 1}}.get(name, {})  # statsmodels' scale 1: shape k = 1
    nll = mlesym.loss_function(name, link=link, full=True, reduction="none", **unit)(eta, target)
    np.testing.assert_allclose(nll, -family.loglike_obs(target, mean), rtol=1e-12, atol=1e-13)
    if name != "gaussian":  # unit deviance, the mean's alone (statsmodels' scale = 1)
        deviance = mlesym.deviance_function(name, link=link, reduction="none", **unit)(eta, target)
        np.testing.assert_allclose(deviance, family.resid_dev(target, mean) ** 2, rtol=1e-10)


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("gamma", sm.families.Gamma()),
        ("inverse_gaussian", sm.families.InverseGaussian()),
        ("poisson", sm.families.Poisson()),
        ("gaussian", sm.families.Gaussian()),
        ("bernoulli", sm.families.Binomial()),
    ],
)
def test_the_canonical_link_is_statsmodels_default(name, family):
    """statsmodels' GLM families default to their canonical links."""
    canonical = {
        links.InversePower: "inverse",
        links.InverseSquared: "inverse_squared",
        links.Log: "log",
        links.Identity: "identity",
        links.Logit: "logit",
    }[type(family.link)]
    assert get(name).canonical_link == canonical


@pytest.mark.parametrize(("name", "link"), [("gamma", "inverse"), ("poisson", "sqrt")])
def test_a_positive_link_refuses_a_nonpositive_output(name, link):
    fn = mlesym.loss_function(name, link=link)
    with pytest.raises(ValueError, match=f"nonnegative \\(it is the raw output of the {link}"):
        fn(np.array([1.0, -0.5]), np.array([1.0, 2.0]))
