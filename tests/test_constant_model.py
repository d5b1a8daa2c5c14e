"""The constant-model optimum (``mlesym.constant_model``): the base score a boosting library
starts from, weighted, in the link's and the parameter's space.

References: scikit-learn's ``fit_intercept_only`` (its half losses, absolute error and
pinball loss, weighted), SciPy's minimizers on the exported loss where no closed form exists,
integer weights as repeated rows, and a brute-force grid for a loss that is not convex.
"""

from __future__ import annotations

import numpy as np
import pytest

import mlesym

RNG = np.random.default_rng(20261202)
SIZE = 501
WEIGHT = RNG.uniform(0, 3, SIZE)
TARGETS = {
    "real": RNG.standard_t(3, SIZE) * 2 + 3,
    "binary": RNG.integers(0, 2, SIZE).astype(float),
    "count": RNG.poisson(3.5, SIZE).astype(float),
    "positive": RNG.gamma(2, 1.5, SIZE),
    "unit": RNG.beta(2, 5, SIZE),
}


def _mean_loss(name, options, target, weight, raw, *heads):
    loss = mlesym.loss_function(name, reduction="none", **options)
    return np.average(loss(np.full(target.shape, raw), target, *heads), weights=weight)


@pytest.mark.parametrize(
    ("name", "options", "support", "sklearn"),
    [
        ("gaussian", {}, "real", ("HalfSquaredError", {})),
        ("bernoulli", {"link": "logit"}, "binary", ("HalfBinomialLoss", {})),
        ("poisson", {"link": "log"}, "count", ("HalfPoissonLoss", {})),
        ("gamma", {"link": "log"}, "positive", ("HalfGammaLoss", {})),
    ],
)
def test_smooth_optima_match_scikit_learn(name, options, support, sklearn):
    from sklearn._loss import loss as sk

    target = TARGETS[support]
    found = mlesym.constant_model(name, target, sample_weight=WEIGHT, **options)
    expected = getattr(sk, sklearn[0])(**sklearn[1]).fit_intercept_only(target, WEIGHT)
    assert found.raw == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "options", "quantile"),
    [
        ("laplace", {}, None),
        ("asymmetric_laplace", {"q": 0.9}, 0.9),
        ("asymmetric_laplace", {"q": 0.2}, 0.2),
    ],
)
def test_median_and_quantiles_minimize_as_well_as_scikit_learns(name, options, quantile):
    """The weighted median or quantile is a set when the weights tie; both answers must be
    in it: mlesym's loss no higher than at scikit-learn's, and inside the order statistics."""
    from sklearn._loss import loss as sk

    target = TARGETS["real"]
    reference = sk.AbsoluteError() if quantile is None else sk.PinballLoss(quantile=quantile)
    expected = float(reference.fit_intercept_only(target, WEIGHT))
    found = mlesym.constant_model(name, target, sample_weight=WEIGHT, **options)
    ours = _mean_loss(name, options, target, WEIGHT, found.raw)
    theirs = _mean_loss(name, options, target, WEIGHT, expected)
    assert ours <= theirs + 1e-13 * abs(theirs)
    order = np.sort(target)
    q = 0.5 if quantile is None else quantile
    # the weighted q-quantile: where the cumulative weight crosses q of the total
    ranked = WEIGHT[np.argsort(target)].cumsum() / WEIGHT.sum()
    k = int(np.searchsorted(ranked, q))
    assert order[max(k - 1, 0)] - 1e-9 <= found.raw <= order[k] + 1e-9


@pytest.mark.parametrize(
    ("name", "options", "support"),
    [
        ("gaussian", {"sigma": "learned"}, "real"),
        ("student_t", {"s": "learned"}, "real"),
        ("cauchy", {}, "real"),
        ("huber", {"delta": 1.5}, "real"),
        ("split_normal", {"tau": 0.8}, "real"),
        ("logistic", {}, "real"),
        ("negative_binomial", {}, "count"),
        ("beta", {"link": "logit"}, "unit"),
        ("gamma", {"link": "log", "k": "learned"}, "positive"),
    ],
)
def test_optima_without_a_closed_form_match_scipy(name, options, support):
    """SciPy's Nelder-Mead (and Brent for one output) on the exported loss, from the optimum
    SciPy finds alone; mlesym's is as low, and at the same place to 1e-6."""
    from scipy import optimize

    target = TARGETS[support]
    found = mlesym.constant_model(name, target, sample_weight=WEIGHT, **options)
    values = list(found.outputs.values())
    positive_heads = [v > 0 for v in values[1:]]

    def objective(u):
        heads = [np.full(target.shape, np.exp(h)) for h in u[1:]]
        return _mean_loss(name, options, target, WEIGHT, u[0], *heads)

    if len(values) == 1:
        result = optimize.minimize_scalar(
            lambda v: objective([v]),
            bracket=(np.min(target) - 1, np.median(target), np.max(target) + 1)
            if support == "real"
            else (-5.0, 0.0, 5.0),
            tol=1e-12,
        )
        best = [result.x]
    else:
        assert all(positive_heads)
        start = [0.0] * len(values)
        result = optimize.minimize(
            objective,
            start,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000},
        )
        best = list(result.x)
    theirs = objective(best)
    ours = objective([values[0], *np.log(values[1:])])
    assert ours <= theirs + 1e-12 * max(1.0, abs(theirs))
    np.testing.assert_allclose([values[0], *np.log(values[1:])], best, rtol=1e-6, atol=1e-6)
    assert ours == pytest.approx(found.loss, rel=1e-12)


def test_integer_weights_are_repeated_rows():
    target = TARGETS["real"][:60]
    counts = RNG.integers(0, 4, 60)
    weighted = mlesym.constant_model("student_t", target, sample_weight=counts, s="learned")
    repeated = mlesym.constant_model("student_t", np.repeat(target, counts), s="learned")
    for key, value in weighted.outputs.items():
        assert value == pytest.approx(repeated.outputs[key], rel=1e-9)


def test_parameter_space_is_the_links_inverse():
    target = TARGETS["count"]
    found = mlesym.constant_model("poisson", target, sample_weight=WEIGHT, link="log")
    assert found.parameter == pytest.approx(np.average(target, weights=WEIGHT), rel=1e-12)
    assert found.raw == pytest.approx(np.log(found.parameter), rel=1e-12)
    logit = mlesym.constant_model("bernoulli", TARGETS["binary"], link="logit")
    assert logit.parameter == pytest.approx(TARGETS["binary"].mean(), rel=1e-12)


def test_a_loss_that_is_not_convex_gets_its_global_minimum():
    """Cauchy (gamma = 1) on 70 points near 0 and 30 near 10: two local minima; the global
    one, near 0, is what a fine grid over the whole range finds too."""
    target = np.concatenate([RNG.normal(0, 0.3, 70), RNG.normal(10, 0.3, 30)])
    found = mlesym.constant_model("cauchy", target)
    grid = np.linspace(-5, 15, 20001)
    loss = mlesym.loss_function("cauchy", reduction="none")
    values = [loss(np.full(target.shape, g), target).mean() for g in grid]
    assert abs(found.raw - grid[int(np.argmin(values))]) < 2e-3
    assert found.loss <= min(values) + 1e-12


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mlesym.constant_model("gaussian", [1.0, 2.0], sample_weight=[1.0, -1.0]),
            "nonnegative",
        ),
        (
            lambda: mlesym.constant_model("gaussian", [1.0, 2.0], sample_weight=[1.0, np.nan]),
            "finite",
        ),
        (
            lambda: mlesym.constant_model("gaussian", [1.0, 2.0], sample_weight=[0.0, 0.0]),
            "not all zero",
        ),
        (
            lambda: mlesym.constant_model("gaussian", [1.0, 2.0], sample_weight=[1.0]),
            "one weight per target",
        ),
        (lambda: mlesym.constant_model("gaussian", []), "empty"),
        (lambda: mlesym.constant_model("poisson", [1.0, -1.0]), "target"),
        (lambda: mlesym.constant_model("gaussian", [1.0, np.inf]), "finite"),
    ],
)
def test_bad_input_is_a_one_line_error(call, message):
    with pytest.raises(ValueError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


def test_a_vector_family_needs_every_class_to_occur():
    """The vector constant model is tested in test_class_second_order.py; one row of class
    1 leaves class 0's logit at minus infinity."""
    with pytest.raises(ValueError, match="class 0 never occurs"):
        mlesym.constant_model("categorical", [[0.0, 1.0]])


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.8])
def test_the_expectile_balances_the_weighted_residuals(tau):
    """Newey and Powell's definition: the tau-expectile m solves
    tau sum_{y > m} w (y - m) = (1 - tau) sum_{y < m} w (m - y); at tau = 1/2, the mean."""
    target = TARGETS["real"]
    m = mlesym.constant_model("split_normal", target, sample_weight=WEIGHT, tau=tau).raw
    above = np.sum(WEIGHT * np.maximum(target - m, 0))
    below = np.sum(WEIGHT * np.maximum(m - target, 0))
    assert tau * above == pytest.approx((1 - tau) * below, rel=1e-10)
    if tau == 0.5:
        assert m == pytest.approx(np.average(target, weights=WEIGHT), rel=1e-12)
