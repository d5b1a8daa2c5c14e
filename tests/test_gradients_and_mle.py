"""Gradients with respect to the model's outputs, and the constant model's closed-form MLE.

The gradient is checked against central finite differences of the exported NumPy loss;
the solved MLE, evaluated on data, against the family's closed-form reference and against
numerically minimizing the exported loss (tests/test_families.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from conftest import VARIANTS
from helpers import sample_outputs, sample_targets
from mlesym import derive, loss_function
from mlesym.engine.functions import elementary
from mlesym.engine.mle import constant_mle, gradient, outputs_of
from mlesym.engine.symbols import Head, Output, i, n, x, y
from mlesym.families import get, names

SCALAR = [v for v in VARIANTS if get(v[0]).target == "scalar"]
LEARNED = [
    (name, {param.name: option.variant})
    for name in names()
    for param in get(name).params
    for option in param.learned
]
ALL_SCALAR = [(name, link, {}) for name, link in SCALAR] + [
    (name, None, variants) for name, variants in LEARNED
]
IDS = [f"{n_}-{l_ or 'default'}-{'-'.join(v.values()) or 'fixed'}" for n_, l_, v in ALL_SCALAR]


def _point(d, rng):
    link = d.link
    values = {Output(x[i]): float(sample_outputs(link.output_domain, 1, 3, False, rng)[0])}
    for head in d.loss.atoms(Head):
        values[head] = float(
            rng.uniform(0.3, 2.0) if type(head).domain.name == "positive" else rng.normal()
        )
    target = float(sample_targets(d.family.name, 1, 3, rng)[0])
    return values, target


@pytest.mark.parametrize(("name", "link", "variants"), ALL_SCALAR, ids=IDS)
def test_gradient_matches_finite_differences_of_the_export(name, link, variants):
    d = derive(name, link, **variants)
    grads = gradient(d)
    assert set(grads) == set(outputs_of(d))
    fn = loss_function(name, link=link, reduction="none", **variants)
    rng = np.random.default_rng(5)
    order = [Output(x[i]), *sorted(d.loss.atoms(Head), key=lambda h: type(h).argument)]

    def loss_at(point, target):
        args = [np.array([point[o]]) for o in order]
        return fn(args[0], np.array([target]), *args[1:])[0]

    for _ in range(5):
        values, target = _point(d, rng)

        for output in order:
            h = 1e-6 * max(1.0, abs(values[output]))
            up, down = dict(values), dict(values)
            up[output] += h
            down[output] -= h
            numeric = (loss_at(up, target) - loss_at(down, target)) / (2 * h)
            subs = {**{o: sp.Float(v, 30) for o, v in values.items()}, y[i]: sp.Float(target, 30)}
            subs.update({p.symbol: sp.Float(p.default, 30) for p in d.family.params})
            symbolic = float(sp.N(elementary(grads[output]).xreplace(subs), 30))
            assert numeric == pytest.approx(symbolic, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(("name", "link", "variants"), ALL_SCALAR, ids=IDS)
def test_solved_constant_mle_matches_the_closed_form_reference(name, link, variants):
    d = derive(name, link, **variants)
    result = constant_mle(d)
    if result.solution is None:
        assert d.mle_note and d.mle_name, f"{name}: no solution and no note"
        return
    rng = np.random.default_rng(6)
    targets = sample_targets(name, 25, 3, rng)
    data = {y[k + 1]: sp.Float(float(t), 30) for k, t in enumerate(targets)}
    defaults = {p.symbol: sp.Float(p.default, 30) for p in d.family.params}
    value = result.parameter.xreplace({n: len(targets), **defaults}).doit().xreplace(data)
    assert float(sp.N(value, 30)) == pytest.approx(
        d.family.references.constant_mle(targets), rel=1e-12
    )


def test_every_family_states_its_constant_mle():
    """Guard: each family solves its constant-model MLE, or says in words what it is."""
    for name in names():
        for link, variants in [(lk.name, {}) for lk in get(name).links]:
            d = derive(name, link, **variants)
            result = constant_mle(d)
            solved = result is not None and result.solution is not None
            assert solved or (d.mle_note and d.mle_name), (name, link)


def test_categorical_gradient_note_matches_finite_differences():
    """The softmax cross entropy's gradient, softmax(z) - y, stated in the document."""
    from scipy import special

    fn = loss_function("categorical", link="softmax", reduction="sum")
    rng = np.random.default_rng(7)
    z, target = rng.normal(size=(1, 4)), np.array([2])
    numeric = [(fn(z + h, target) - fn(z - h, target)) / 2e-6 for h in np.eye(4)[:, None, :] * 1e-6]
    np.testing.assert_allclose(numeric, special.softmax(z[0]) - np.eye(4)[2], rtol=1e-6)


def test_an_implicit_solution_is_not_shown_as_a_closed_form(monkeypatch):
    """SymPy's solve may return c0 in terms of c0 (it did for the Cauchy condition,
    rearranged): that is an equation, not the MLE, and must not be printed as one."""
    import mlesym.engine.mle as mle

    d = derive("gaussian")
    c0 = sp.Symbol("c_0", real=True)
    monkeypatch.setattr(mle.sp, "solve", lambda *a, **k: [{c0: c0 / 2 + y[1]}])
    result = mle._constant_mle(d)
    assert result.conditions and result.solution is None and result.parameter is None


@pytest.mark.parametrize("name", ["laplace", "huber", "cauchy", "asymmetric_laplace"])
def test_a_constant_tied_to_each_sample_is_not_solved_for(name, monkeypatch):
    """When c stays inside a sum over the samples (sign(y_i - c), a ratio in y_i - c), the
    condition couples c with every y_i and SymPy is not asked to solve it; asked anyway,
    it finds no closed form either, so skipping it loses nothing."""
    import mlesym.engine.mle as mle

    real_solve = sp.solve
    monkeypatch.setattr(mle.sp, "solve", lambda *a, **k: pytest.fail("solve was called"))
    result = mle._constant_mle(derive(name))
    assert result.solution is None and result.parameter is None
    assert result.conditions[0].has(sp.Sum)
    (c0,) = result.constants
    assert any(s.function.has(c0) for s in result.conditions[0].atoms(sp.Sum))
    try:
        found = real_solve(result.conditions, result.constants, dict=True)
    except NotImplementedError:
        found = []
    assert all(any(v.has(*result.constants) for v in f.values()) for f in found)


@pytest.mark.parametrize(
    "name, link, options", [("beta", "logit", {}), ("gamma", "log", {"k": "learned"})]
)
def test_a_constant_inside_a_digamma_is_not_solved_for(name, link, options, monkeypatch):
    """SymPy cannot invert the digamma function: it is not asked, and asked anyway it
    gives up, so skipping it loses nothing."""
    import mlesym.engine.mle as mle

    real_solve = sp.solve
    monkeypatch.setattr(mle.sp, "solve", lambda *a, **k: pytest.fail("solve was called"))
    result = mle._constant_mle(derive(name, link, **options))
    assert result.solution is None and result.parameter is None
    assert any(g.has(*result.constants) for c in result.conditions for g in c.atoms(sp.polygamma))
    try:
        found = real_solve(result.conditions, result.constants, dict=True)
    except NotImplementedError:
        found = []
    assert all(any(v.has(*result.constants) for v in f.values()) for f in found)
