"""Boosting adapters (``mlesym.boosting``): XGBoost's and LightGBM's built-in objectives
reproduced from mlesym's objective with the built-in's convention switched on, and models
for families no library has trained and scored on held-out data.

References: the libraries' own built-in objectives (their predictions after 20 rounds),
SciPy's log-densities for the metric, the hand Fisher informations of Student-t, Cauchy and
logistic noise.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import mlesym
from conftest import require_boosting
from mlesym.boosting import lightgbm_objective, xgboost_objective
from mlesym.errors import MlesymError

ROWS, ROUNDS = 2000, 20


def _data(kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(ROWS, 5))
    eta = 0.5 * features[:, 0] - 0.3 * features[:, 1] + 0.2 * features[:, 2] ** 2
    target = {
        "real": eta + rng.normal(size=ROWS),
        "heavy": eta + rng.standard_t(2, size=ROWS),
        "binary": (rng.uniform(size=ROWS) < 1 / (1 + np.exp(-eta))).astype(float),
        "count": rng.poisson(np.exp(eta)).astype(float),
        "positive": rng.gamma(2, np.exp(eta) / 2),
        "tweedie": _compound_poisson_gamma(rng, np.exp(eta), 1.5),
    }[kind]
    return features, target, rng.uniform(0.5, 2, ROWS)


def _compound_poisson_gamma(rng, mu, p, phi=1.0):
    """Tweedie draws: N ~ Poisson(mu^(2-p) / (phi (2-p))) gamma jumps of shape (2-p)/(p-1)
    and scale phi (p-1) mu^(p-1); y = 0 where N = 0."""
    counts = rng.poisson(mu ** (2 - p) / (phi * (2 - p)))
    return rng.gamma((2 - p) / (p - 1) * counts, phi * (p - 1) * mu ** (p - 1))


XGBOOST = [  # built-in objective, mlesym family and options, data
    ("reg:squarederror", "gaussian", {}, "real"),
    ("binary:logistic", "bernoulli", {"link": "logit"}, "binary"),
    ("count:poisson", "poisson", {"link": "log"}, "count"),
    ("reg:gamma", "gamma", {"link": "log", "k": 1}, "positive"),
    ("reg:tweedie", "tweedie", {"p": 1.5}, "tweedie"),  # tweedie_variance_power = 1.5
]
LIGHTGBM = [
    ("regression", "gaussian", {}, "real"),
    ("binary", "bernoulli", {"link": "logit"}, "binary"),
    ("poisson", "poisson", {"link": "log"}, "count"),
    ("gamma", "gamma", {"link": "log", "k": 1}, "positive"),
    ("tweedie", "tweedie", {"p": 1.5}, "tweedie"),  # tweedie_variance_power = 1.5
    ("huber", "huber", {"delta": 0.9}, "heavy"),  # LightGBM's alpha = 0.9 is the delta
]
TREE = {"max_depth": 3, "eta": 0.3, "tree_method": "hist", "seed": 0, "nthread": 1}
LEAVES = {"max_depth": 3, "learning_rate": 0.3, "verbose": -1, "seed": 0}
LEAVES |= {"deterministic": True, "num_threads": 1}


def _xgboost_margins(xgb, builtin, name, options, kind, hessian="builtin"):
    features, target, weight = _data(kind)
    dtrain = xgb.DMatrix(features, label=target, weight=weight)
    obj = xgboost_objective(name, hessian=hessian, **options)
    start = obj.base_score(target, weight)
    # the built-in's base_score is in its response space: the mean, the probability
    response = obj.derivation.link.reference(np.asarray(start))
    built = xgb.train({**TREE, "objective": builtin, "base_score": float(response)}, dtrain, ROUNDS)
    ours = xgb.train({**TREE, **obj.params(target, weight)}, dtrain, ROUNDS, obj=obj)
    return built.predict(dtrain, output_margin=True), ours.predict(dtrain, output_margin=True)


@pytest.mark.parametrize(
    ("builtin", "name", "options", "kind"), XGBOOST, ids=[c[0] for c in XGBOOST]
)
def test_xgboost_builtins_are_reproduced(builtin, name, options, kind):
    xgb = require_boosting("xgboost")
    built, ours = _xgboost_margins(xgb, builtin, name, options, kind)
    assert np.max(np.abs(built - ours)) <= 1e-6  # float32 margins: 2 ulp at |margin| ~ 2


def test_xgboosts_poisson_needs_its_convention():
    """Without max_delta_step (Hessian exp(f + 0.7), leaves capped at 0.7) the exact
    Hessian gives another model: the convention is what the reproduction rests on."""
    xgb = require_boosting("xgboost")
    built, ours = _xgboost_margins(
        xgb, "count:poisson", "poisson", {"link": "log"}, "count", "exact"
    )
    assert np.max(np.abs(built - ours)) > 1e-2


@pytest.mark.parametrize(
    ("builtin", "name", "options", "kind"), LIGHTGBM, ids=[c[0] for c in LIGHTGBM]
)
def test_lightgbm_builtins_are_reproduced(builtin, name, options, kind):
    lgb = require_boosting("lightgbm")
    features, target, weight = _data(kind)
    built = lgb.train(
        {**LEAVES, "objective": builtin}, lgb.Dataset(features, target, weight=weight), ROUNDS
    )
    obj = lightgbm_objective(name, hessian="builtin", **options)
    start = obj.init_score(target, weight)
    train = lgb.Dataset(features, target, weight=weight, init_score=start)
    ours = lgb.train({**LEAVES, **obj.params()}, train, ROUNDS)
    difference = built.predict(features, raw_score=True) - (
        ours.predict(features, raw_score=True) + start
    )
    assert np.max(np.abs(difference)) <= 1e-6


@pytest.mark.parametrize(
    ("library", "builtin", "name"),
    [
        ("xgboost", "reg:absoluteerror", "laplace"),
        ("xgboost", "reg:quantileerror", "asymmetric_laplace"),
    ]
    + [("lightgbm", "l1", "laplace"), ("lightgbm", "quantile", "asymmetric_laplace")],
)
def test_median_and_quantile_builtins_split_alike(library, builtin, name):
    """L1 and quantile: with the constant Hessian the first tree splits where the built-in's
    does; its leaves then differ, as the built-in refits them to residual quantiles (the
    adapter's note says it), which no custom objective can."""
    features, target, weight = _data("heavy")
    options = {"q": 0.8} if name == "asymmetric_laplace" else {}
    if library == "xgboost":
        xgb = require_boosting("xgboost")
        obj = xgboost_objective(name, hessian="builtin", **options)
        extra = {"quantile_alpha": 0.8} if options else {}
        dtrain = xgb.DMatrix(features, label=target, weight=weight)
        start = obj.base_score(target, weight)
        built = xgb.train({**TREE, "objective": builtin, "base_score": start, **extra}, dtrain, 1)
        ours = xgb.train({**TREE, **obj.params(target, weight)}, dtrain, 1, obj=obj)
        columns = ["Node", "Feature", "Split"]
        assert built.trees_to_dataframe()[columns].equals(ours.trees_to_dataframe()[columns])
        assert "refits each leaf" in obj.builtin.note
    else:
        lgb = require_boosting("lightgbm")
        obj = lightgbm_objective(name, hessian="builtin", **options)
        extra = {"alpha": 0.8} if options else {}
        built = lgb.train(
            {**LEAVES, "objective": builtin, **extra},
            lgb.Dataset(features, target, weight=weight),
            1,
        )
        train = lgb.Dataset(
            features, target, weight=weight, init_score=obj.init_score(target, weight)
        )
        ours = lgb.train({**LEAVES, **obj.params()}, train, 1)
        columns = ["node_depth", "split_feature", "threshold"]
        assert built.trees_to_dataframe()[columns].equals(ours.trees_to_dataframe()[columns])


def test_scikit_learn_interfaces_take_the_objective():
    xgb = require_boosting("xgboost")
    lgb = require_boosting("lightgbm")
    features, target, weight = _data("real")
    obj = xgboost_objective("gaussian")
    start = obj.base_score(target, weight)
    settings = {"n_estimators": ROUNDS, "max_depth": 3, "learning_rate": 0.3, "n_jobs": 1}
    built = xgb.XGBRegressor(objective="reg:squarederror", base_score=start, **settings)
    ours = xgb.XGBRegressor(objective=obj.sklearn, base_score=start, **settings)
    built.fit(features, target, sample_weight=weight)
    ours.fit(features, target, sample_weight=weight)
    np.testing.assert_allclose(ours.predict(features), built.predict(features), atol=1e-6)

    obj = lightgbm_objective("bernoulli", link="logit")
    features, target, weight = _data("binary")
    light = {"n_estimators": ROUNDS, "max_depth": 3, "learning_rate": 0.3, "verbose": -1}
    light |= {"n_jobs": 1, "deterministic": True}
    built = lgb.LGBMClassifier(objective="binary", **light).fit(
        features, target, sample_weight=weight
    )
    start = obj.init_score(target, weight)
    ours = lgb.LGBMRegressor(objective=obj.sklearn, **light)
    ours.fit(features, target, sample_weight=weight, init_score=start)
    margin = ours.predict(features, raw_score=True) + start
    np.testing.assert_allclose(margin, built.predict(features, raw_score=True), atol=1e-6)


def test_the_metric_is_the_weighted_mean_nll():
    rng = np.random.default_rng(3)
    raw, target, weight = rng.normal(size=50), rng.normal(size=50) * 3, rng.uniform(0, 2, 50)
    obj = xgboost_objective("student_t", nu=5)
    expected = np.average(-stats.t.logpdf(target, 5, raw, 1), weights=weight)
    assert obj.loss(raw, target, weight) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "options", "information"),
    [
        ("student_t", {"nu": 5, "s": 2}, (5 + 1) / ((5 + 3) * 4)),  # (nu + 1) / ((nu + 3) s^2)
        ("cauchy", {"gamma": 3}, 1 / (2 * 9)),  # 1 / (2 gamma^2)
        ("logistic", {"s": 0.5}, 1 / (3 * 0.25)),  # 1 / (3 s^2)
    ],
)
def test_fisher_hessians_are_the_hand_informations(name, options, information):
    obj = xgboost_objective(name, hessian="fisher", **options)
    _, hess = obj.gradient_hessian(np.array([0.0, 4.0]), np.array([10.0, -3.0]), [1.0, 2.0])
    np.testing.assert_allclose(hess, [information, 2 * information], rtol=1e-12)


def test_a_canonical_links_fisher_hessian_is_the_exact_one():
    obj = xgboost_objective("poisson", hessian="fisher", link="log")
    raw = np.array([-1.0, 0.5, 3.0])
    _, hess = obj.gradient_hessian(raw, np.array([0.0, 2.0, 40.0]))
    np.testing.assert_allclose(hess, np.exp(raw), rtol=1e-15)


def _heldout_nll(name, options, raw, target):
    return xgboost_objective(name, **options).loss(raw, target)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "options", "hessian", "draw", "to_raw"),
    [
        ("student_t", {"nu": 3}, "fisher", lambda rng, m: m + rng.standard_t(3, m.size), None),
        ("cauchy", {}, "fisher", lambda rng, m: m + rng.standard_cauchy(m.size), None),
        (
            "negative_binomial",
            {"link": "log", "r": 2},
            "exact",
            lambda rng, m: rng.negative_binomial(2, 2 / (2 + np.exp(m))).astype(float),
            lambda mean: np.log(np.maximum(mean, 1e-3)),
        ),
        (
            "beta",
            {"link": "logit", "phi": 5},
            "exact",
            lambda rng, m: np.clip(
                rng.beta(5 / (1 + np.exp(-m)), 5 / (1 + np.exp(m))), 1e-9, 1 - 1e-9
            ),
            lambda mean: (
                np.log(np.clip(mean, 1e-3, 1 - 1e-3)) - np.log1p(-np.clip(mean, 1e-3, 1 - 1e-3))
            ),
        ),
    ],
)
def test_families_no_library_has_beat_squared_error_on_their_own_data(
    name, options, hessian, draw, to_raw
):
    """Data drawn from the family; the mlesym objective's model against XGBoost's squared
    error, both 100 rounds, scored by the family's NLL on held-out rows (the squared-error
    model's prediction mapped to the raw space through the link)."""
    xgb = require_boosting("xgboost")
    rng = np.random.default_rng(11)
    features = rng.normal(size=(6000, 4))
    eta = 0.8 * np.sin(features[:, 0]) + 0.5 * features[:, 1]
    target = draw(rng, eta)
    train, test = slice(0, 4000), slice(4000, None)
    params = {"max_depth": 3, "eta": 0.1, "tree_method": "hist", "seed": 0, "nthread": 2}
    dtrain = xgb.DMatrix(features[train], label=target[train])
    dtest = xgb.DMatrix(features[test])
    obj = xgboost_objective(name, hessian=hessian, **options)
    ours = xgb.train({**params, **obj.params(target[train])}, dtrain, 100, obj=obj)
    squared = xgb.train({**params, "objective": "reg:squarederror"}, dtrain, 100)
    plain = squared.predict(dtest)
    plain = plain if to_raw is None else to_raw(plain)
    ours_nll = _heldout_nll(name, options, ours.predict(dtest, output_margin=True), target[test])
    plain_nll = _heldout_nll(name, options, plain, target[test])
    assert ours_nll < plain_nll


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xgboost_objective("gaussian", hessian="newton"), "hessian must be one of"),
        (lambda: xgboost_objective("student_t", hessian="builtin"), "no built-in objective"),
        (lambda: lightgbm_objective("gaussian", sigma="learned"), "learned head"),
        (lambda: xgboost_objective("categorical"), "the softmax link"),
        (lambda: xgboost_objective("weibull", hessian="fisher"), "Fisher information"),
        (lambda: xgboost_objective("nosuch"), "nosuch"),
    ],
)
def test_bad_choices_are_one_line_errors(call, message):
    with pytest.raises(MlesymError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


def test_bad_weights_are_refused():
    obj = xgboost_objective("gaussian")
    with pytest.raises(ValueError, match="nonnegative"):
        obj.gradient_hessian([0.0, 1.0], [1.0, 2.0], [1.0, -1.0])


def _classes(seed: int = 0, classes: int = 3):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(ROWS, 5))
    logits = np.stack([features[:, 0], -features[:, 1], 0.5 * features[:, 2] ** 2], 1)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    labels = (rng.uniform(size=(ROWS, 1)) > p.cumsum(1)).sum(1).astype(float)
    return features, labels, rng.uniform(0.5, 2, ROWS)


@pytest.mark.parametrize("hessian", ["builtin", "exact"])
def test_xgboost_softmax_is_reproduced_with_its_factor_two(hessian):
    """multi:softprob takes 2 p (1 - p) as the Hessian and the centred log frequencies as
    its base score: with that convention the margins agree; with the exact Hessian (half of
    XGBoost's, so larger leaves) they do not."""
    xgb = require_boosting("xgboost")
    features, labels, weight = _classes()
    dtrain = xgb.DMatrix(features, label=labels, weight=weight)
    built = xgb.train({**TREE, "objective": "multi:softprob", "num_class": 3}, dtrain, ROUNDS)
    obj = xgboost_objective("categorical", link="softmax", hessian=hessian)
    ours = xgb.train({**TREE, **obj.params(labels, weight)}, dtrain, ROUNDS, obj=obj)
    difference = np.max(
        np.abs(built.predict(dtrain, output_margin=True) - ours.predict(dtrain, output_margin=True))
    )
    assert difference <= 1e-6 if hessian == "builtin" else difference > 1e-2
    assert "2 p (1 - p)" in obj.builtin.note


@pytest.mark.parametrize("hessian", ["builtin", "exact"])
def test_lightgbm_multiclass_is_reproduced_with_its_factor_k_over_k_minus_1(hessian):
    lgb = require_boosting("lightgbm")
    features, labels, weight = _classes()
    built = lgb.train(
        {**LEAVES, "objective": "multiclass", "num_class": 3},
        lgb.Dataset(features, labels, weight=weight),
        ROUNDS,
    )
    obj = lightgbm_objective("categorical", link="softmax", hessian=hessian)
    start = obj.init_score(labels, weight)
    assert start.shape == (ROWS, 3)
    train = lgb.Dataset(features, labels, weight=weight, init_score=start)
    ours = lgb.train({**LEAVES, **obj.params(labels)}, train, ROUNDS, feval=obj.metric)
    difference = built.predict(features, raw_score=True) - (
        ours.predict(features, raw_score=True) + start
    )
    if hessian == "builtin":
        assert np.max(np.abs(difference)) <= 1e-6
    else:  # the exact Hessian, (K - 1)/K of LightGBM's; softmax logits free up to a shift
        assert np.max(np.abs(difference - difference.mean(1, keepdims=True))) > 1e-2


def test_the_multiclass_metric_and_start_are_the_cross_entropy_and_frequencies():
    from sklearn.metrics import log_loss

    features, labels, weight = _classes(seed=1)
    obj = xgboost_objective("categorical", link="softmax")
    raw = np.random.default_rng(2).normal(size=(ROWS, 3))
    p = np.exp(raw) / np.exp(raw).sum(1, keepdims=True)
    expected = log_loss(labels, p, sample_weight=weight)
    assert obj.loss(raw, labels, weight) == pytest.approx(expected, rel=1e-12)
    frequencies = np.bincount(labels.astype(int), weights=weight) / weight.sum()
    start = obj.base_score(labels, weight)
    np.testing.assert_allclose(start, np.log(frequencies) - np.log(frequencies).mean(), atol=1e-12)


def test_multiclass_objectives_refuse_what_they_cannot_take():
    obj = xgboost_objective("categorical", link="softmax")
    with pytest.raises(MlesymError, match="integers 0..K-1"):
        obj.gradient_hessian(np.zeros((3, 3)), np.array([0.0, 1.5, 2.0]))
    with pytest.raises(MlesymError, match=r"shaped \(n, K\)"):
        obj.gradient_hessian(np.zeros(9), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(MlesymError, match="categorical family with the softmax link"):
        xgboost_objective("dirichlet")


PSEUDO_HUBER = (  # the density whose NLL is XGBoost's pseudo-Huber loss, normalized by K_1
    "exp(-delta**2*(sqrt(1 + ((y - mu)/delta)**2) - 1))"
    " / (2*delta*exp(delta**2)*besselk(1, delta**2))"
)


@pytest.mark.parametrize("source", ["family", "density"])
@pytest.mark.parametrize("slope", [1.0, 2.5])
def test_xgboost_pseudo_huber_is_reproduced_by_the_hyperbolic_family(slope, source):
    """reg:pseudohubererror is delta^2 (sqrt(1 + (r/delta)^2) - 1) with its exact Hessian
    (1 + (r/delta)^2)^(-3/2): the hyperbolic family's NLL, and the same density typed by a
    user gives the same objective, its NLL matching SciPy's K_1 normalizer."""
    from scipy.special import kv

    xgb = require_boosting("xgboost")
    d = _pseudo_huber() if source == "density" else "hyperbolic"
    obj = xgboost_objective(d, delta=slope)
    features, target, weight = _data("heavy")
    raw = np.linspace(-3, 3, 7)
    r = target[:7] - raw
    expected = slope**2 * (np.sqrt(1 + (r / slope) ** 2) - 1)
    expected += np.log(2 * slope * np.exp(slope**2) * kv(1, slope**2))
    assert obj.loss(raw, target[:7]) == pytest.approx(expected.mean(), rel=1e-12)
    dtrain = xgb.DMatrix(features, label=target, weight=weight)
    start = obj.base_score(target, weight)
    built = xgb.train(
        {**TREE, "objective": "reg:pseudohubererror", "huber_slope": slope, "base_score": start},
        dtrain,
        ROUNDS,
    )
    ours = xgb.train({**TREE, **obj.params(target, weight)}, dtrain, ROUNDS, obj=obj)
    difference = built.predict(dtrain, output_margin=True) - ours.predict(
        dtrain, output_margin=True
    )
    assert np.max(np.abs(difference)) <= 1e-6


def _pseudo_huber():
    if not hasattr(_pseudo_huber, "derivation"):
        _pseudo_huber.derivation = mlesym.derive_pdf(PSEUDO_HUBER, params={"delta": "positive"})
    return _pseudo_huber.derivation


def test_an_objective_takes_names_families_and_derivations_only():
    with pytest.raises(MlesymError, match="a family's name, a Family or a derivation"):
        xgboost_objective(3.0)


def _heteroscedastic(seed: int = 0):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(4000, 3))
    target = features[:, 0] + np.exp(0.7 * features[:, 1]) * rng.normal(size=4000)
    return features, target


def test_a_learned_log_variance_is_a_second_boosted_output():
    """Gaussian with a learned log-variance, one boosted output each (XGBoost: labels
    repeated per output; LightGBM: num_class = 2): on data whose scale varies, the held-out
    NLL (SciPy's normal log-density) beats squared error with one residual scale."""
    xgb = require_boosting("xgboost")
    lgb = require_boosting("lightgbm")
    features, target = _heteroscedastic()
    train, test = slice(0, 3000), slice(3000, None)
    settings = {"max_depth": 3, "eta": 0.1, "tree_method": "hist", "seed": 0, "nthread": 1}
    obj = xgboost_objective("gaussian", sigma="learned-log")
    dtrain = xgb.DMatrix(features[train], label=obj.labels(target[train]))
    ours = xgb.train({**settings, **obj.params(target[train])}, dtrain, 100, obj=obj)
    raw = ours.predict(xgb.DMatrix(features[test]), output_margin=True).astype(float)
    ours_nll = -stats.norm.logpdf(target[test], raw[:, 0], np.exp(raw[:, 1] / 2)).mean()
    assert obj.loss(raw, target[test]) == pytest.approx(ours_nll, rel=1e-12)
    plain = xgb.train(settings, xgb.DMatrix(features[train], label=target[train]), 100)
    spread = np.std(target[train] - plain.predict(xgb.DMatrix(features[train])))
    plain_nll = -stats.norm.logpdf(
        target[test], plain.predict(xgb.DMatrix(features[test])), spread
    ).mean()
    assert ours_nll < plain_nll - 0.3

    light = lightgbm_objective("gaussian", sigma="learned-log")
    start = light.init_score(target[train])
    assert start.shape == (3000, 2)
    model = lgb.train(
        {**LEAVES, **light.params(), "learning_rate": 0.1},
        lgb.Dataset(features[train], target[train], init_score=start),
        100,
    )
    raw = model.predict(features[test], raw_score=True) + start[0]
    light_nll = -stats.norm.logpdf(target[test], raw[:, 0], np.exp(raw[:, 1] / 2)).mean()
    assert light_nll < plain_nll - 0.3


def test_a_head_gradient_is_the_exported_one_and_a_positive_head_is_refused():
    obj = xgboost_objective("gaussian", sigma="learned-log")
    raw = np.array([[0.5, -1.0], [2.0, 0.3]])
    target = np.array([1.0, -1.0])
    grad, hess = obj.gradient_hessian(raw, obj.labels(target), [1.0, 2.0])
    s = raw[:, 1]  # NLL = (s + r^2 e^-s) / 2 + const, r = y - f (hand derivation)
    r = target - raw[:, 0]
    expected_grad = np.stack([-r * np.exp(-s), 0.5 - 0.5 * r**2 * np.exp(-s)], 1) * [[1], [2]]
    expected_hess = np.stack([np.exp(-s), 0.5 * r**2 * np.exp(-s)], 1) * [[1], [2]]
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-14)
    np.testing.assert_allclose(hess, expected_hess, rtol=1e-14)
    with pytest.raises(MlesymError, match="learned-log"):
        xgboost_objective("gaussian", sigma="learned")


def test_tweedie_builtins_are_reproduced_at_another_power():
    """reg:tweedie and LightGBM's tweedie with tweedie_variance_power = 1.3: the family at
    p = 1.3 (the built-ins' gradient and Hessian are the exact ones of the Tweedie loss)."""
    xgb = require_boosting("xgboost")
    lgb = require_boosting("lightgbm")
    features, _, weight = _data("real")
    rng = np.random.default_rng(3)
    target = _compound_poisson_gamma(rng, np.exp(0.5 * features[:, 0]), 1.3)
    assert 0.05 < np.mean(target == 0) < 0.95  # exact zeros and positive values both
    obj = xgboost_objective("tweedie", p=1.3)
    dtrain = xgb.DMatrix(features, label=target, weight=weight)
    start = float(np.exp(obj.base_score(target, weight)))  # the built-in's is the mean
    settings = {**TREE, "objective": "reg:tweedie", "tweedie_variance_power": 1.3}
    built = xgb.train({**settings, "base_score": start}, dtrain, ROUNDS)
    ours = xgb.train({**TREE, **obj.params(target, weight)}, dtrain, ROUNDS, obj=obj)
    difference = built.predict(dtrain, output_margin=True) - ours.predict(
        dtrain, output_margin=True
    )
    assert np.max(np.abs(difference)) <= 1e-6
    light = lightgbm_objective("tweedie", p=1.3)
    built = lgb.train(
        {**LEAVES, "objective": "tweedie", "tweedie_variance_power": 1.3},
        lgb.Dataset(features, target, weight=weight),
        ROUNDS,
    )
    init = light.init_score(target, weight)
    mine = lgb.train(
        {**LEAVES, **light.params()},
        lgb.Dataset(features, target, weight=weight, init_score=init),
        ROUNDS,
    )
    margins = mine.predict(features, raw_score=True) + init
    assert np.max(np.abs(built.predict(features, raw_score=True) - margins)) <= 1e-6
