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


# -- the binary links: probit, cloglog, loglog, cauchit -----------------------------------

BINARY = [  # mlesym's link, statsmodels' link with that name
    ("probit", links.Probit()),
    ("cloglog", links.CLogLog()),
    ("loglog", links.LogLog()),
    ("cauchit", links.Cauchy()),
]
BINARY_IDS = [b[0] for b in BINARY]


def _binary_data(rng, size=300):
    z = rng.uniform(-2.5, 1.5, size)  # statsmodels computes through p: p and 1 - p > 1e-3
    return z, rng.integers(0, 2, size).astype(float), rng.integers(0, 11, size).astype(float)


@pytest.mark.parametrize(("link", "theirs"), BINARY, ids=BINARY_IDS)
def test_binary_links_are_statsmodels_nll_deviance_gradient_and_hessian(link, theirs):
    z, y, counts = _binary_data(np.random.default_rng(3))
    family = sm.families.Binomial(theirs)
    p = family.link.inverse(z)
    np.testing.assert_allclose(get("bernoulli").link(link).reference(z), p, rtol=1e-14)
    nll = mlesym.loss_function("bernoulli", link=link, full=True, reduction="none")(z, y)
    np.testing.assert_allclose(nll, -family.loglike_obs(y, p), rtol=1e-12, atol=1e-14)
    deviance = mlesym.deviance_function("bernoulli", link=link, reduction="none")(z, y)
    np.testing.assert_allclose(deviance, family.resid_dev(y, p) ** 2, rtol=1e-12, atol=1e-14)
    # d/dz and d^2/dz^2 of -log-likelihood: statsmodels' score and observed-Hessian factors
    # of a GLM whose linear predictor is the offset z
    glm = sm.GLM(y, np.ones((len(z), 1)), family=family, offset=z)
    grad, hess = mlesym.gradient_function("bernoulli", link=link)(z, y)
    np.testing.assert_allclose(grad, -glm.score_factor(np.zeros(1)), rtol=1e-11, atol=1e-14)
    hessian = glm.hessian_factor(np.zeros(1), observed=True)
    np.testing.assert_allclose(hess, hessian, rtol=1e-10, atol=1e-14)
    # binomial out of N = 10: SciPy's pmf, statsmodels' deviance of the proportions
    from scipy import stats

    nll = mlesym.loss_function("binomial", link=link, full=True, reduction="none")(z, counts)
    np.testing.assert_allclose(nll, -stats.binom.logpmf(counts, 10, p), rtol=1e-12, atol=1e-13)
    deviance = mlesym.deviance_function("binomial", link=link, reduction="none")(z, counts)
    expected = 10 * family.resid_dev(counts / 10, p) ** 2
    np.testing.assert_allclose(deviance, expected, rtol=1e-10, atol=1e-12)


def _mp_binary_loss(link: str, z, y):
    """-(y log p + (1 - y) log(1 - p)) in mpmath, each log of its own closed form."""
    import mpmath

    def log_gumbel(u):  # log(1 - exp(-e^u)): through expm1 for small e^u, log1p for large
        w = mpmath.exp(u)
        if w > 1000:  # -e^-w and its derivatives are below 1e-400 (float64 holds 5e-324)
            return mpmath.mpf(0)
        return mpmath.log(-mpmath.expm1(-w)) if w < 1 else mpmath.log1p(-mpmath.exp(-w))

    log_p, log_q = {
        "probit": lambda: (mpmath.log(mpmath.ncdf(z)), mpmath.log(mpmath.ncdf(-z))),
        "cloglog": lambda: (log_gumbel(z), -mpmath.exp(z)),
        "loglog": lambda: (-mpmath.exp(-z), log_gumbel(-z)),
        "cauchit": lambda: (
            mpmath.log(mpmath.atan2(1, -z) / mpmath.pi),
            mpmath.log(mpmath.atan2(1, z) / mpmath.pi),
        ),
    }[link]()
    return -(y * log_p + (1 - y) * log_q)


@pytest.mark.parametrize("link", BINARY_IDS)
def test_binary_links_give_exact_gradients_and_hessians_at_extreme_logits(link):
    """Against mpmath's derivatives at 60 digits: at z = -40, Phi(z) and phi(z) both underflow
    in float64 and phi / Phi computed as written is 0 / 0; at z = 800, (1 - y) e^z is 0 inf."""
    import mpmath

    logits = np.array([-1e4, -800.0, -40.0, -5.0, 0.3, 5.0, 40.0, 800.0, 1e4])
    grad_hess = mlesym.gradient_function("bernoulli", link=link)
    for target in (0.0, 1.0):
        y = np.full(logits.shape, target)
        grad, hess = grad_hess(logits, y)
        for z, g, h in zip(logits, grad, hess, strict=True):
            with mpmath.workdps(60):
                expected = [
                    mpmath.diff(
                        lambda u, t=target: _mp_binary_loss(link, u, t), mpmath.mpf(z), order
                    )
                    for order in (1, 2)
                ]
            for got, exact in zip((g, h), expected, strict=True):
                if abs(exact) > 1e300:
                    assert not np.isfinite(got) or abs(got) > 1e300
                    continue
                assert np.isfinite(got), (link, z, target)
                # the Hessian of log Phi at z = -1e4 is 1 - z phi / Phi ... formed from a
                # difference of two numbers near |z|: its relative error grows as eps z^2
                tolerance = 1e-12 + (1e-16 * z * z if link == "probit" else 0)
                assert abs(got - float(exact)) <= tolerance * abs(float(exact)) + 1e-300, (
                    link, z, target, got, float(exact)
                )  # fmt: skip


def test_the_cauchit_link_is_not_convex_where_the_sampled_point_says():
    """The refuting point is a point where SciPy's Cauchy NLL curves down (finite differences
    of -log sf)."""
    from scipy import stats

    verdict = mlesym.convexity("bernoulli", link="cauchit")
    assert verdict.convex is False
    z, y = float(verdict.point["f"]), float(verdict.point["y"])
    assert y == 0.0
    h = 1e-4
    nll = lambda u: -stats.cauchy.logsf(u)  # noqa: E731  (y = 0: -log(1 - F(z)))
    curvature = (nll(z + h) - 2 * nll(z) + nll(z - h)) / h**2
    assert curvature < -0.1
    assert curvature == pytest.approx(float(verdict.point["value"]), rel=1e-3)


@pytest.mark.parametrize("link", ["probit", "cloglog", "loglog"])
def test_log_concave_links_are_left_undecided_not_refuted(link):
    """Phi and the Gumbel cdfs are log-concave, so these NLLs are convex: never refuted."""
    assert mlesym.convexity("bernoulli", link=link).convex is None


@pytest.mark.parametrize("link", ["cloglog", "loglog"])
def test_pos_weight_keeps_the_empty_count_at_zero_at_extreme_logits(link):
    """pos_weight * y * loss(y = 1) + (1 - y) * loss(y = 0) at logits of +-800 and +-1e4, where
    one of the counts multiplies an overflowing e^(+-z): each row is pos_weight times the
    y = 1 loss or the y = 0 loss, from mpmath (all of them 0, or the logit itself)."""
    logits = np.array([800.0, 1e4, -800.0, -1e4, 800.0, -800.0])
    targets = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 1.0])
    fn = mlesym.loss_function("bernoulli", link=link, reduction="none")
    got = fn(logits, targets, pos_weight=2.0)
    plain = fn(logits, targets)
    for z, y, value, unweighted in zip(logits, targets, got, plain, strict=True):
        exact = float(_mp_binary_loss(link, z, y)) * (2.0 if y == 1 else 1.0)
        assert value == exact or (np.isinf(value) and exact > 1e300), (link, z, y, value)
        assert value == (2.0 if y == 1 else 1.0) * unweighted


def test_the_softplus_rate_is_exact_at_extreme_outputs():
    """softplus(eta) - y log softplus(eta), its gradient and Hessian, against mpmath at 60
    digits: at eta = -800, softplus is 0 in float64 (log 0 and sigma / softplus = 0 / 0 as
    written) while the loss is 800 y; at eta = 1e4 the rate is eta itself."""
    import mpmath

    def mp_loss(u, y):
        rate = mpmath.log1p(mpmath.exp(u))
        return rate - y * mpmath.log(rate)

    eta = np.array([-1e4, -800.0, -40.0, -5.0, 0.3, 5.0, 40.0, 800.0, 1e4])
    loss = mlesym.loss_function("poisson", link="softplus", reduction="none")
    grad_hess = mlesym.gradient_function("poisson", link="softplus")
    for target in (0.0, 1.0, 3.0, 50.0):
        y = np.full(eta.shape, target)
        values, (grad, hess) = loss(eta, y), grad_hess(eta, y)
        for u, v, g, h in zip(eta, values, grad, hess, strict=True):
            with mpmath.workdps(60):
                point = mpmath.mpf(u)
                exact = [mp_loss(point, target)] + [
                    mpmath.diff(lambda w, t=target: mp_loss(w, t), point, order) for order in (1, 2)
                ]
            for got, want in zip((v, g, h), exact, strict=True):
                assert abs(got - float(want)) <= 1e-12 * abs(float(want)) + 1e-300, (
                    u, target, got, float(want)
                )  # fmt: skip


@pytest.mark.parametrize(("p", "phi"), [(1.5, 1.0), (1.3, 2.0)])
def test_the_tweedie_deviance_is_statsmodels_unit_deviance_over_phi(p, phi):
    """2 (NLL - saturated NLL) = d(y, mu) / phi with statsmodels' unit deviance
    resid_dev^2 (its scale is 1), zeros included: y y^(1 - p) at y = 0 is 0, not 0 inf."""
    rng = np.random.default_rng(4)
    eta = rng.normal(0.0, 1.0, 300)
    target = np.where(rng.uniform(size=300) < 0.3, 0.0, rng.gamma(2.0, 1.0, 300))
    family = sm.families.Tweedie(var_power=p)
    unit = family.resid_dev(target, np.exp(eta)) ** 2
    deviance = mlesym.deviance_function("tweedie", reduction="none", p=p, phi=phi)
    np.testing.assert_allclose(deviance(eta, target) * phi, unit, rtol=1e-10, atol=1e-14)
