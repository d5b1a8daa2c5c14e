"""Second order: the Hessian and gradient exports, convexity, sample weights.

References: hand derivations of each Hessian's sign (in the docstrings), finite differences
of the exported loss, scikit-learn's ``sklearn._loss`` (gradient and Hessian of its half
losses), and the torch and jax backends against NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import mlesym
from conftest import require_jax, require_torch
from mlesym.errors import NotSupportedError, UnknownChoiceError
from mlesym.families import get, names

SCALAR = [
    (name, link.name)
    for name in names()
    if get(name).target == "scalar" and get(name).recipe is None
    for link in get(name).links
]


def _inputs(name, link, rng, size=64):
    """Targets from the family's sampler, raw outputs inside the link's domain, away from
    the kinks of abs, max and Huber (finite differences cross no kink)."""
    d = mlesym.derive(name, link)
    targets = np.array([float(d.family.draw_target(_Random(rng), 3)) for _ in range(size)])
    domain = d.link.output_domain
    if domain.probability:
        outputs = rng.uniform(0.1, 0.9, size)
    elif domain.nonnegative:
        outputs = rng.uniform(0.3, 3.0, size)
    else:
        outputs = rng.normal(0, 1.5, size)
    far = np.abs(outputs - targets) > 0.05
    return targets[far], outputs[far]


class _Random:
    """random.Random's interface over a NumPy generator, for the families' samplers."""

    def __init__(self, rng):
        self.rng = rng

    def random(self):
        return float(self.rng.random())

    def uniform(self, a, b):
        return float(self.rng.uniform(a, b))

    def gauss(self, mu, sigma):
        return float(self.rng.normal(mu, sigma))

    def randint(self, a, b):
        return int(self.rng.integers(a, b + 1))

    def choice(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def expovariate(self, rate):
        return float(self.rng.exponential(1 / rate))

    def gammavariate(self, a, b):
        return float(self.rng.gamma(a, b))

    def betavariate(self, a, b):
        return float(self.rng.beta(a, b))

    def vonmisesvariate(self, mu, kappa):
        return float(self.rng.vonmises(mu, kappa))

    def weibullvariate(self, a, b):
        return float(a * self.rng.weibull(b))

    def lognormvariate(self, mu, sigma):
        return float(self.rng.lognormal(mu, sigma))

    def normalvariate(self, mu, sigma):
        return float(self.rng.normal(mu, sigma))


@pytest.mark.parametrize(("name", "link"), SCALAR, ids=lambda v: str(v))
def test_gradient_and_hessian_match_finite_differences_of_the_exported_loss(name, link):
    rng = np.random.default_rng(20261202)
    y, f = _inputs(name, link, rng)
    loss = mlesym.loss_function(name, link=link, reduction="none")
    grad_hess = mlesym.gradient_function(name, link=link)
    grad, hess = grad_hess(f, y)
    h = 1e-5
    numeric_grad = (loss(f + h, y) - loss(f - h, y)) / (2 * h)
    numeric_hess = (grad_hess(f + h, y)[0] - grad_hess(f - h, y)[0]) / (2 * h)
    assert grad.shape == f.shape and hess.shape == f.shape
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "link", "half", "scale"),
    [
        ("gaussian", "identity", "HalfSquaredError", 2.0),  # (y - f)^2 = 2 * (1/2)(y - f)^2
        ("bernoulli", "logit", "HalfBinomialLoss", 1.0),
        ("poisson", "log", "HalfPoissonLoss", 1.0),
        ("gamma", "log", "HalfGammaLoss", 1.0),  # f + y exp(-f)
    ],
)
def test_gradient_and_hessian_match_scikit_learn(name, link, half, scale):
    from sklearn._loss import loss as sk

    rng = np.random.default_rng(7)
    size = 200
    raw = rng.normal(0, 2, size)
    target = {
        "gaussian": rng.normal(0, 2, size),
        "bernoulli": rng.integers(0, 2, size).astype(float),
        "poisson": rng.poisson(3, size).astype(float),
        "gamma": rng.gamma(2, 1, size),
    }[name]
    weight = rng.uniform(0, 3, size)
    grad, hess = mlesym.gradient_function(name, link=link)(raw, target, sample_weight=weight)
    sk_grad, sk_hess = getattr(sk, half)().gradient_hessian(target, raw, sample_weight=weight)
    np.testing.assert_allclose(grad, scale * sk_grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hess, scale * sk_hess, rtol=1e-12, atol=1e-12)


def test_extreme_logits_give_finite_gradients():
    grad, hess = mlesym.gradient_function("bernoulli", link="logit")(
        np.array([-1e4, 1e4, -1e4, 1e4]), np.array([1.0, 0.0, 0.0, 1.0])
    )
    np.testing.assert_allclose(grad, [-1.0, 1.0, 0.0, 0.0], atol=1e-300)
    assert np.all(np.isfinite(hess)) and np.all(hess >= 0)


@pytest.mark.parametrize(
    ("name", "options"),
    [("gaussian", {}), ("student_t", {}), ("cauchy", {}), ("logistic", {}), ("huber", {})]
    + [("hyperbolic_secant", {}), ("gaussian", {"sigma": "learned"})],
)
def test_location_families_keep_their_digits_far_from_zero(name, options):
    """A location family's loss depends on y - f alone, so its derivatives at (f, y) =
    (1e8, 1e8 + 0.75) are those at (0, 0.75), all three exact in float64; an expanded
    (f - y)**2 = f**2 - 2 f y + y**2 would lose every digit there."""
    grad_hess = mlesym.gradient_function(name, full=True, **options)
    heads = (np.full(3, 2.0),) if options else ()
    far = grad_hess(np.full(3, 1e8), np.full(3, 1e8 + 0.75), *heads)
    near = grad_hess(np.zeros(3), np.full(3, 0.75), *heads)
    for part_far, part_near in zip(far, near, strict=True):
        np.testing.assert_allclose(np.asarray(part_far), np.asarray(part_near), 0, 1e-15)


@pytest.mark.parametrize("weight", [[1.0, -1.0], [1.0, np.nan], [np.inf, 1.0]])
def test_bad_sample_weights_are_one_line_errors(weight):
    fn = mlesym.gradient_function("gaussian")
    with pytest.raises(ValueError, match="sample_weight must hold finite, nonnegative numbers"):
        fn(np.zeros(2), np.ones(2), sample_weight=weight)


def test_learned_heads_give_the_hessian_matrix():
    """(y - f)^2 / (2v) + log(v) / 2: by hand, d/df = (f - y)/v, d/dv = 1/(2v) - r^2/(2v^2),
    d2/df2 = 1/v, d2/dfdv = r/v^2 (r = y - f), d2/dv2 = r^2/v^3 - 1/(2 v^2)."""
    y, f, v = np.array([1.0, -2.0]), np.array([0.5, 1.0]), np.array([2.0, 0.5])
    (gf, gv), ((hff, hfv), (hvf, hvv)) = mlesym.gradient_function("gaussian", sigma="learned")(
        f, y, v
    )
    r = y - f
    np.testing.assert_allclose(gf, (f - y) / v)
    np.testing.assert_allclose(gv, 1 / (2 * v) - r**2 / (2 * v**2))
    np.testing.assert_allclose(hff, 1 / v)
    np.testing.assert_allclose(hfv, r / v**2)
    np.testing.assert_allclose(hvf, hfv)
    np.testing.assert_allclose(hvv, r**2 / v**3 - 1 / (2 * v**2))


@pytest.mark.parametrize(
    ("name", "link"), [("poisson", "log"), ("bernoulli", "logit"), ("cauchy", "identity")]
)
def test_torch_and_jax_agree_with_numpy(name, link):
    rng = np.random.default_rng(3)
    y, f = _inputs(name, link, rng)
    expected = mlesym.gradient_function(name, link=link)(f, y)
    torch = require_torch()
    got = mlesym.gradient_function(name, link=link, backend="torch")(
        torch.tensor(f), torch.tensor(y)
    )
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-12, atol=1e-12)
    jax = require_jax()
    jax.config.update("jax_enable_x64", True)
    got = mlesym.gradient_function(name, link=link, backend="jax")(f, y)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-12, atol=1e-12)


# -- convexity ------------------------------------------------------------------------------

PROVED = [  # Hessians by hand, each >= 0 everywhere
    ("gaussian", "identity"),  # 1 (the loss is (y - f)^2: 2)
    ("bernoulli", "logit"),  # sigmoid(z) (1 - sigmoid(z))
    ("poisson", "log"),  # exp(f)
    ("poisson", "identity"),  # y / f^2, y >= 0
    ("gamma", "log"),  # y exp(-f)
    ("laplace", "identity"),  # 0 off the kink, a point mass 2 delta(r) at it
    ("huber", "identity"),  # 1 inside, 0 outside, point masses at the switches
    ("asymmetric_laplace", "identity"),  # a point mass delta(r) at the kink
    ("binomial", "identity"),  # y / p^2 + (N - y) / (1 - p)^2, 0 <= y <= N
    ("logistic", "identity"),  # sech^2(r / 2s) / (2 s^2)... > 0
]


@pytest.mark.parametrize(("name", "link"), PROVED)
def test_convexity_is_proved(name, link):
    found = mlesym.convexity(name, link=link)
    assert found.kind == "proved" and found.convex, found.detail


def _point(found):
    return {k: float(v) for k, v in found.point.items()}


def test_cauchy_is_refuted_where_the_residual_exceeds_gamma():
    """log(1 + r^2/gamma^2): the Hessian 2 (gamma^2 - r^2) / (gamma^2 + r^2)^2 < 0 iff
    |r| > gamma (gamma = 1 at the default)."""
    found = mlesym.convexity("cauchy")
    assert found.kind == "refuted" and found.convex is False
    p = _point(found)
    r = p["y"] - p["f"]
    assert abs(r) > 1
    assert p["value"] == pytest.approx(2 * (1 - r**2) / (1 + r**2) ** 2, rel=1e-5)


def test_student_t_is_refuted_where_the_residual_exceeds_sqrt_nu_s():
    """((nu + 1)/2) log(1 + r^2/(nu s^2)): the Hessian has the sign of nu s^2 - r^2."""
    p = _point(mlesym.convexity("student_t"))
    assert (p["y"] - p["f"]) ** 2 > 3  # nu = 3, s = 1


def test_the_log_logistic_scale_is_refuted_where_scipy_curves_down():
    """The refuting point of the identity link is a point where SciPy's Fisk NLL (shape 3,
    the default) has negative curvature in the scale, by finite differences."""
    from scipy import stats

    verdict = mlesym.convexity("log_logistic", link="identity")
    assert verdict.convex is False
    y, alpha = float(verdict.point["y"]), float(verdict.point["f"])
    nll = lambda a: -stats.fisk.logpdf(y, 3.0, scale=a)  # noqa: E731
    h = 1e-4
    curvature = (nll(alpha + h) - 2 * nll(alpha) + nll(alpha - h)) / h**2
    assert curvature == pytest.approx(float(verdict.point["value"]), rel=1e-4)
    assert curvature < 0


def test_gamma_with_the_identity_link_is_refuted_below_half_the_mean():
    """k (y / mu + log mu): the Hessian k (2 y / mu^3 - 1 / mu^2) < 0 iff y < mu / 2."""
    p = _point(mlesym.convexity("gamma", link="identity"))
    assert p["y"] < p["f"] / 2


def test_a_learned_variance_is_not_jointly_convex():
    """The (f, v) Hessian of (y - f)^2/(2v) + log(v)/2 has d2/dv2 = r^2/v^3 - 1/(2 v^2) < 0
    where r^2 < v/2."""
    found = mlesym.convexity("gaussian", sigma="learned")
    assert found.kind == "refuted"


CONVEX = {  # the README's list; refutations have a hand-checkable sign change in the Hessian
    ("gaussian", "identity"): True, ("laplace", "identity"): True, ("huber", "identity"): True,
    ("asymmetric_laplace", "identity"): True, ("logistic", "identity"): True,
    ("hyperbolic_secant", "identity"): True, ("lognormal", "identity"): True,
    ("bernoulli", "identity"): True, ("bernoulli", "logit"): True,
    ("binomial", "identity"): True, ("binomial", "logit"): True,
    ("poisson", "identity"): True, ("poisson", "log"): True,
    ("exponential", "identity"): True, ("exponential", "log"): True,
    ("geometric", "identity"): True, ("geometric", "logit"): True,
    ("gamma", "log"): True, ("weibull", "log"): True, ("negative_binomial", "log"): True,
    ("beta", "identity"): True,
    ("gamma", "inverse"): True,  # k / eta^2
    ("inverse_gaussian", "inverse_squared"): True,  # lamda / (4 eta^(3/2))
    ("poisson", "sqrt"): True,  # 2 + 2 y / eta^2
    ("gaussian", "log"): False,  # e^eta (2 e^eta - y) < 0 where y > 2 e^eta
    ("cauchy", "identity"): False, ("student_t", "identity"): False,
    ("gamma", "identity"): False, ("weibull", "identity"): False,  # -k/l^2 + ... at small y
    ("inverse_gaussian", "identity"): False, ("inverse_gaussian", "log"): False,
    ("negative_binomial", "identity"): False,  # -r/(mu + r)^2 at y = 0
    ("von_mises", "identity"): False,  # cos(y - mu) < 0
    ("beta", "logit"): False,
    ("continuous_bernoulli", "logit"): None, ("generalized_gaussian", "identity"): None,
    # convex (Phi and the Gumbel cdfs are log-concave), but SymPy shows no proof
    **{(name, link): None for name in ("bernoulli", "binomial")
       for link in ("probit", "cloglog", "loglog")},
    ("bernoulli", "cauchit"): False, ("binomial", "cauchit"): False,  # see test_links
    ("gumbel", "identity"): True,  # e^(-r / beta) / beta^2
    ("log_logistic", "log"): True,  # 2 b^2 sigma(b w) sigma(-b w), w = log(y) - eta
    ("log_logistic", "identity"): False,  # see below
    ("split_normal", "identity"): True,  # 2 tau and 2 (1 - tau), with 0 < tau < 1
    ("hyperbolic", "identity"): True,  # delta / (delta^2 + r^2)^(3/2), by y - f = r
    ("tweedie", "log"): True,  # y (p - 1) e^((1 - p) eta) + (2 - p) e^((2 - p) eta), 1 < p < 2
    ("poisson", "softplus"): None,  # convex (softplus is log-concave); SymPy shows no proof
}  # fmt: skip


@pytest.mark.parametrize(("name", "link"), SCALAR, ids=lambda v: str(v))
def test_convexity_of_every_scalar_family_is_the_documented_one(name, link):
    assert (name, link) in CONVEX, "add the family to the README's convexity list and here"
    assert mlesym.convexity(name, link=link).convex is CONVEX[name, link]


@pytest.mark.parametrize(
    "name, options, scipy_density",
    [
        ("student_t", {"nu": 3, "s": 1.5}, lambda r: scipy_stats().t.pdf(r, 3, scale=1.5)),
        ("cauchy", {"gamma": 2}, lambda r: scipy_stats().cauchy.pdf(r, scale=2)),
        ("logistic", {"s": 0.5}, lambda r: scipy_stats().logistic.pdf(r, scale=0.5)),
    ],
)
def test_the_fisher_hessian_is_the_expected_hessian(name, options, scipy_density):
    """hessian="fisher": E_y[d2 NLL / d f2], against SciPy's quadrature of the exact Hessian
    over the family's own residual density; the gradient is unchanged."""
    from scipy.integrate import quad

    exact = mlesym.gradient_function(name, full=True, **options)
    expected_fn = mlesym.gradient_function(name, full=True, hessian="fisher", **options)
    f = np.linspace(-3, 3, 7)
    grad, hess = expected_fn(f, f + 0.3)
    np.testing.assert_array_equal(grad, exact(f, f + 0.3)[0])

    def exact_hessian(r: float) -> float:
        return float(exact(np.array([0.0]), np.array([r]))[1][0])

    reference = quad(lambda r: exact_hessian(r) * scipy_density(r), -np.inf, np.inf, limit=200)[0]
    np.testing.assert_allclose(hess, reference, rtol=1e-8)
    assert np.all(hess > 0)
    if name != "logistic":  # convex already; the others are not, far from the fit
        assert np.any(exact(f, f + 3.0 * options.get("s", options.get("gamma", 1)))[1] < 0)


def scipy_stats():
    from scipy import stats

    return stats


def test_the_fisher_hessian_of_a_canonical_link_is_the_exact_one_and_needs_fixed_values():
    f, y = np.linspace(-4, 4, 9), np.arange(9.0)
    exact = mlesym.gradient_function("poisson", link="log")(f, y)
    fisher = mlesym.gradient_function("poisson", link="log", hessian="fisher")(f, y)
    np.testing.assert_array_equal(exact[1], fisher[1])
    laplace = mlesym.gradient_function("laplace", full=True, hessian="fisher", b=2)(f, y)
    np.testing.assert_allclose(laplace[1], 0.25, rtol=1e-15)  # E[(sign(r) / b)^2] = 1 / b^2
    with pytest.raises(NotSupportedError, match="give nu=<value>, s=<value>"):
        mlesym.gradient_function("student_t", hessian="fisher")
    with pytest.raises(UnknownChoiceError, match="hessian"):
        mlesym.gradient_function("gaussian", hessian="expected")
    source = mlesym.gradient_source("cauchy", hessian="fisher", gamma=1, backend="torch")
    assert "Fisher information" in source and "hessian='fisher'" in source


def test_a_joint_hessian_with_trigamma_terms_is_decided_and_its_point_checks():
    """Beta with a learned precision: decided in seconds (the 2x2 determinant is no longer
    simplified as a whole), refuted at a point where the exported Hessian, by SciPy's
    finite differences of the exported loss, has a negative eigenvalue."""
    from scipy.optimize import approx_fprime

    decided = mlesym.convexity("beta", link="logit", phi="learned")
    assert decided.kind == "refuted"
    point = decided.point
    y, z = float(point["y"]), np.array([float(point["f"]), float(point["precision"])])
    loss = mlesym.loss_function("beta", link="logit", phi="learned", reduction="sum")

    def gradient(v):
        return approx_fprime(v, lambda u: loss(u[:1], np.array([y]), u[1:]), 1e-7)

    hessian = np.array([approx_fprime(z, lambda u, k=k: gradient(u)[k], 1e-4) for k in range(2)])
    assert np.linalg.eigvalsh((hessian + hessian.T) / 2).min() < -1e-3


def test_documents_show_the_second_order_as_decided():
    poisson = mlesym.derive("poisson", "log").to_markdown()
    section = poisson[poisson.index("## Second order") : poisson.index("## A constant model")]
    assert "Convex in the raw output: yes" in section
    assert "the Fisher information in the raw output, is the Hessian itself" in section
    assert "D_i = 2 \\operatorname{xlogy}" in section
    cauchy = mlesym.derive("cauchy").to_markdown()
    assert "Convex in the raw output: no.** At y = " in cauchy
    assert "Hessian itself" not in cauchy  # it depends on y
    learned = mlesym.derive("gaussian", sigma="learned").to_latex()
    assert "No deviance: the deviance with a learned head is not derived" in learned


def test_a_dispersion_given_a_value_keeps_the_stable_forms():
    """Negative binomial at r = 1: log(1 + e^f) is softplus(f), not log1p(exp(f)), so the
    NLL and its Hessian stay finite and exact at raw outputs of +-400 and 800 (mpmath)."""
    import mpmath

    def reference(f: float, y: float, r: float = 1.0):
        f, y, r = mpmath.mpf(f), mpmath.mpf(y), mpmath.mpf(r)
        mu = mpmath.exp(f)
        nll = -(
            mpmath.loggamma(y + r)
            - mpmath.loggamma(r)
            - mpmath.loggamma(y + 1)
            + r * mpmath.log(r / (r + mu))
            + y * mpmath.log(mu / (r + mu))
        )
        return float(nll), float((y + r) * mu * r / (mu + r) ** 2)  # (y + r) p (1 - p)

    f, y = np.array([-400.0, -30.0, 0.0, 30.0, 400.0, 800.0]), np.array([3.0, 0, 1, 5, 2, 7])
    nll = mlesym.loss_function("negative_binomial", link="log", r=1, full=True, reduction="none")
    _, hess = mlesym.gradient_function("negative_binomial", link="log", r=1, full=True)(f, y)
    with mpmath.workdps(60):
        expected = [reference(a, b) for a, b in zip(f, y, strict=True)]
    np.testing.assert_allclose(nll(f, y), [e[0] for e in expected], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(hess, [e[1] for e in expected], rtol=1e-12, atol=0)
