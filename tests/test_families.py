"""Every registered family and link, checked against independent references.

Parametrized over the registry: a new family file is picked up without editing this file.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy import integrate, optimize, special

from helpers import (
    density_callable,
    fast_vector_density,
    moderate,
    per_sample_value,
    sample_outputs,
    sample_params,
    sample_targets,
)
from mlesym import derive, loss_function
from mlesym.families import get, names

NUM_CLASSES = 4


def _setup(variant, size=40, seed=0):
    name, link_name = variant
    family = get(name)
    link = family.link(link_name)
    rng = np.random.default_rng(seed)
    vector = family.target == "onehot"
    outputs = sample_outputs(link.output_domain, size, NUM_CLASSES, vector, rng)
    targets = sample_targets(name, size, NUM_CLASSES, rng)
    params = sample_params(name, rng)
    return family, link, moderate(family, link, outputs), targets, params


# -- the declaration ----------------------------------------------------------------------


def test_registry_lists_the_four_seed_families():
    assert {"gaussian", "bernoulli", "categorical", "laplace"} <= set(names())


@pytest.mark.parametrize("name", names())
def test_every_family_declares_its_references(name):
    """Guard: a family without references for each of its links cannot be registered quietly."""
    family = get(name)
    refs = family.references
    assert callable(refs.logpdf)
    assert callable(refs.constant_mle) or (family.mle_note and family.mle_name), (
        f"{name}: no closed-form MLE reference and no note saying there is none"
    )
    for link in family.links:
        assert link.name in family.conventions, f"{name}: no convention for link {link.name}"
        assert callable(refs.loss.get(link.name)), f"{name}: no NumPy reference for {link.name}"
        assert callable(link.reference), f"link {link.name} has no NumPy reference map"


@pytest.mark.parametrize("name", names())
def test_parameter_names_are_usable_keyword_arguments(name):
    """Exports take each fixed parameter as a keyword named after its symbol."""
    import keyword

    for param in get(name).params:
        assert param.name.isidentifier() and not keyword.iskeyword(param.name), param.name
        assert param.symbol.name == param.name, (param.name, param.symbol.name)


@pytest.mark.parametrize("name", names())
def test_density_normalizes(name):
    family = get(name)
    density = density_callable(name)
    rng = np.random.default_rng(1)
    for _ in range(3):
        params = sample_params(name, rng)
        if family.support.name == "simplex":  # K = 2: integrate over y_1, with y_2 = 1 - y_1
            alpha = rng.uniform(0.5, 3.0, 2)
            with mpmath.workdps(40):
                total = float(mpmath.quad(lambda t, a=alpha: density([t, 1 - t], a), [0, 1]))
        elif family.support.name == "vector":  # K = 2, over the plane (|y - mu| < 12)
            mean = rng.normal(0, 1, 2)
            fast = fast_vector_density(name, 2)
            total, _ = integrate.dblquad(
                lambda b, a, m=mean, f=fast: f([a, b], m),
                mean[0] - 12,
                mean[0] + 12,
                mean[1] - 12,
                mean[1] + 12,
                epsabs=1e-12,
            )
        elif family.support.name == "counts":  # every count vector with the same total
            p = rng.dirichlet(np.ones(NUM_CLASSES))
            points = family.support.points(NUM_CLASSES, bound=5)
            total = sum(density(t, p, **params) for t in points)
        elif family.target == "onehot":
            p = rng.dirichlet(np.ones(NUM_CLASSES))
            total = sum(density(t, p, **params) for t in family.support.points(NUM_CLASSES))
        elif family.support.discrete:
            p = rng.uniform(0.05, 0.95)
            bound = params.get(family.support.bound) if family.support.bound else None
            total = sum(density(t, p, **params) for t in family.support.points(bound=bound))
        elif family.support.name in ("unit", "closed-unit", "circle"):
            # tanh-sinh quadrature: exact enough at the integrable endpoint singularities of
            # a beta density with mu * phi < 1
            m = rng.uniform(0.2, 0.8) if family.support.name != "circle" else rng.normal()
            lower, upper = family.support.interval
            with mpmath.workdps(40):  # nodes near 1 keep 1 - t exact
                total = float(
                    mpmath.quad(lambda t, m=m, kw=params: density(t, m, **kw), [lower, upper])
                )
        elif family.support.atom is not None:  # the point mass plus the integral beyond it
            m = rng.uniform(0.5, 2.0)
            atom = density(family.support.atom, m, **params)
            # y = u^8 on [0, 400]: the density grows like y^((2 - p)/(p - 1) - 1) at 0+, which
            # u^7 du smooths; past y = 400 it is below e^-60 (gamma jumps of scale at most
            # phi (p - 1) mu^(p - 1) < 4.5). An infinite range would ask the series at
            # y = 1e30, a sum of 1e9 terms.
            with mpmath.workdps(20):
                rest = float(
                    mpmath.quad(
                        lambda u, m=m, kw=params: 8 * u**7 * density(u**8, m, **kw),
                        [0, 0.5, 1, 400**0.125],
                    )
                )
            total = atom + rest
        else:
            m = rng.uniform(0.5, 2.0) if family.support.name == "positive" else rng.normal()
            total, _ = integrate.quad(
                lambda t, m=m, kw=params: density(t, m, **kw), *family.support.interval, limit=200
            )
        assert total == pytest.approx(1.0, abs=1e-8)


def test_log_density_matches_scipy(variant):
    family, link, outputs, targets, params = _setup(variant, size=10)
    density = density_callable(family.name, exact=True)
    parameters = link.reference(outputs)
    ours = np.array(
        [
            float(mpmath.log(density(t, m, **params)))
            for t, m in zip(targets, parameters, strict=True)
        ]
    )
    theirs = family.references.logpdf(targets, parameters, **params)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300)


# -- the derivation -----------------------------------------------------------------------


def test_derivation_verifies_every_step(variant):
    d = derive(*variant)
    checks = d.checks
    assert len(checks) == len(d.steps)
    assert checks[0].method == "definition"
    assert all(c.method in ("symbolic", "numeric") for c in checks[1:])


def test_derivation_ends_minimizing_the_mean_loss(variant):
    d = derive(*variant)
    senses = d.senses()
    last = max(index for index, step in enumerate(d.steps) if step.optimize)
    assert d.steps[last].rule in ("mean", "convention", "stable") and senses[last] == "min"
    assert d.steps[last].name == d.family.convention(variant[1]).loss_name


def test_final_loss_is_positive_multiple_of_reference_plus_constant(variant):
    """loss = c * reference + d(y) with c > 0 the same everywhere: the same argmin."""
    family, link, outputs, targets, _ = _setup(variant, size=12)
    params = {p.name: p.default for p in family.params}  # the references' own defaults
    d = derive(*variant)
    reference = family.references.loss[link.name]
    ratios = []
    for index in range(0, len(targets), 2):
        t = targets[index]
        a, b = outputs[index], outputs[index + 1]
        ours = per_sample_value(d.loss, t, a, params) - per_sample_value(d.loss, t, b, params)
        ref_a = reference(np.asarray(a)[None], np.asarray(t)[None])[0]
        ref_b = reference(np.asarray(b)[None], np.asarray(t)[None])[0]
        if abs(ref_a - ref_b) > 1e-6:
            ratios.append(ours / (ref_a - ref_b))
    assert ratios, "no informative pairs sampled"
    assert min(ratios) > 0
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)


def test_exact_nll_of_derivation_matches_scipy(variant):
    family, link, outputs, targets, params = _setup(variant, size=6)
    d = derive(*variant)
    parameters = link.reference(outputs)
    expected = -family.references.logpdf(targets, parameters, **params)
    ours = [per_sample_value(d.nll, t, o, params) for t, o in zip(targets, outputs, strict=True)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


# -- the numeric export -------------------------------------------------------------------


def test_full_export_matches_scipy_elementwise(variant):
    family, link, outputs, targets, params = _setup(variant, size=200)
    fn = loss_function(variant[0], link=variant[1], full=True, reduction="none")
    expected = -family.references.logpdf(targets, link.reference(outputs), **params)
    # SciPy's log density is a sum of terms of order 1: near a zero of the NLL (-3.5e-5 for
    # the gamma at one sample) only its absolute error, about 1e-16, is small
    np.testing.assert_allclose(fn(outputs, targets, **params), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_conventional_export_matches_handwritten_numpy(variant, reduction):
    family, link, outputs, targets, _ = _setup(variant, size=200)
    fn = loss_function(variant[0], link=variant[1], reduction=reduction)
    per_sample = family.references.loss[link.name](outputs, targets)
    expected = {"none": per_sample, "sum": per_sample.sum(), "mean": per_sample.mean()}
    # a loss without its constants crosses 0 (softplus(z) - 3 log softplus(z) is -8.6e-6 at
    # one sample, by mpmath): there both sides carry the absolute error of O(1) terms, 1e-16
    np.testing.assert_allclose(fn(outputs, targets), expected[reduction], rtol=1e-12, atol=1e-14)


def test_minimizing_a_constant_prediction_gives_the_closed_form_mle(variant):
    family, link, _, _, _ = _setup(variant)
    rng = np.random.default_rng(7)
    targets = sample_targets(family.name, 301, NUM_CLASSES, rng)
    if link.name == "log" and family.support.name == "real":
        targets = targets + 3.0  # a log link on the real line needs a positive mean
    fn = loss_function(variant[0], link=variant[1])
    reference = family.references.loss[link.name]
    if family.references.constant_mle is None:  # no closed form: minimize the reference too
        expected = None
    else:
        expected = family.references.constant_mle(targets)
    if family.target == "onehot":
        to_output = {  # an unconstrained search over outputs in their domain
            "simplex": lambda w: special.softmax(w),
            "unit": lambda w: special.expit(w),
        }.get(link.output_domain.name)

        def objective(w):
            constant = to_output(w) if to_output else w
            return fn(np.broadcast_to(constant, targets.shape), targets)

        w = optimize.minimize(objective, np.zeros(NUM_CLASSES), method="BFGS", tol=1e-12).x
        fitted = link.reference(to_output(w) if to_output else w)
        if expected is None:  # no closed form: the minimizer of the hand-written loss instead

            def by_hand(w):
                constant = to_output(w) if to_output else w
                return np.mean(reference(np.broadcast_to(constant, targets.shape), targets))

            w = optimize.minimize(by_hand, np.zeros(NUM_CLASSES), method="BFGS", tol=1e-12).x
            expected = link.reference(to_output(w) if to_output else w)
        np.testing.assert_allclose(fitted, expected, atol=1e-5)
        return
    bounds = {"unit": (1e-9, 1 - 1e-9), "positive": (1e-9, 100.0)}.get(
        link.output_domain.name, (-4.0, 4.0) if family.support.name == "circle" else (-50, 50)
    )

    def fit(loss):
        return optimize.minimize_scalar(
            lambda c: np.mean(loss(np.full(targets.shape, c), targets)),
            bounds=bounds,
            method="bounded",
            options={"xatol": 1e-10},
        ).x

    fitted = link.reference(np.asarray(fit(lambda i, t: fn(i, t, reduction="none"))))
    if expected is None:  # no closed form: the minimizer of the hand-written loss instead
        expected = link.reference(np.asarray(fit(reference)))
    if family.support.name == "circle":  # angles: equal up to a multiple of 2 pi
        fitted = expected + np.angle(np.exp(1j * (fitted - expected)))
    assert fitted == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("name", names())
def test_a_declared_canonical_link_is_one_of_the_familys_links(name):
    family = get(name)
    assert family.canonical_link is None or family.canonical_link in family.link_names


def test_label_smoothing_is_the_expected_nll_not_a_mixture():
    """What the categorical document states: linear in the target, so an expectation."""
    rng = np.random.default_rng(17)
    logits, labels, eps = rng.normal(0, 2, (30, 4)), rng.integers(0, 4, 30), 0.2
    ce = loss_function("categorical", link="softmax", reduction="none")
    smoothed = ce(logits, labels, label_smoothing=eps)
    per_class = np.stack([ce(logits, np.full(30, k)) for k in range(4)], axis=-1)
    expected = (1 - eps) * per_class[np.arange(30), labels] + eps / 4 * per_class.sum(-1)
    np.testing.assert_allclose(smoothed, expected, rtol=1e-12)
    p = special.softmax(logits, axis=-1)
    mixture = -np.log((1 - eps) * p[np.arange(30), labels] + eps / 4)
    assert np.all(np.abs(smoothed - mixture) > 1e-6)
