"""The verifier's mpmath evaluator against SymPy's own evaluation (expand the sums, substitute,
evalf at 50 digits): the slow path it replaced, kept as the fallback."""

from __future__ import annotations

import random

import pytest
import sympy as sp

import mlesym
from mlesym.engine import numeric
from mlesym.engine.symbols import K, Output, i, k, n, x, y
from mlesym.engine.verifier import _evaluate, _evaluate_symbolically

# between them, every kind of node the gallery's checks evaluate: Piecewise and Max
# (huber), besseli (von Mises), factorial and products (multinomial), logsumexp (softmax),
# gamma and loggamma (beta), binomial (negative binomial), logcbnorm (continuous
# Bernoulli), a precision matrix (multivariate Gaussian), learned heads
COVERING = [
    ("huber", None, {}),
    ("von_mises", None, {}),
    ("multinomial", "softmax", {}),
    ("categorical", "softmax", {}),
    ("beta", "logit", {"phi": "learned"}),
    ("negative_binomial", "log", {"r": "learned"}),
    ("continuous_bernoulli", "logit", {}),
    ("multivariate_gaussian", None, {}),
    ("gaussian", None, {"sigma": "learned-log"}),
    ("student_t", None, {"s": "learned"}),
]


def _agree(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.N(abs(a - b), 60) <= sp.Float("1e-45") * max(1, sp.N(abs(b), 60))


@pytest.mark.parametrize("name, link, options", COVERING, ids=lambda v: str(v))
def test_every_step_of_a_derivation_evaluates_as_sympy_does(name, link, options):
    d = mlesym.derive(name, link, **options)
    compared = 0
    for index, step in enumerate(d.steps):
        if step.relation.kind == "definition":
            continue
        previous = step.lhs if step.ref is None else d.steps[step.ref].rhs
        rng = random.Random(f"test:{index}")
        n_val, k_val, values = d.context.sample(rng)
        sizes = {n: n_val, K: k_val, i: rng.randint(1, n_val)}
        for expr in (step.rhs, step.relation.apply(previous)):
            expr = d.context.expand(expr)
            fast = numeric.evaluate(expr, sizes, values)
            slow = _evaluate_symbolically(expr, sizes, values, "test")
            assert _agree(fast, slow), (index, fast, slow)
            compared += 1
    assert compared >= 4


def test_sums_over_samples_and_classes_with_data():
    expr = sp.Sum(sp.log(1 + sp.exp(Output(x[i], k))) * y[i, k] ** 2, (k, 1, K), (i, 1, n))
    rng = random.Random(3)
    values = {}
    for s in range(1, 4):
        for c in range(1, 3):
            values[y[s, c]] = sp.Float(rng.uniform(-1, 1), 50)
            values[Output(x[s], c)] = sp.Float(rng.gauss(0, 2), 50)
    sizes = {n: 3, K: 2}
    by_hand = sum(
        sp.log(1 + sp.exp(values[Output(x[s], c)])) * values[y[s, c]] ** 2
        for s in range(1, 4)
        for c in range(1, 3)
    )
    assert _agree(numeric.evaluate(expr, sizes, values), sp.N(by_hand, 60))


def test_mpmath_and_sympy_take_the_same_branch_of_a_negative_power():
    a = sp.Symbol("a")
    expr = a ** sp.Rational(1, 3) + sp.log(a)
    value = {a: sp.Float(-8, 50)}
    assert _agree(numeric.evaluate(expr, {}, value), sp.N(expr.xreplace(value), 60))


A, B = sp.symbols("a b")


@pytest.mark.parametrize(
    "expr, value, why",
    [
        (sp.zeta(A), 2, "no numeric rule for zeta"),
        (sp.log(A - 2), 2, "the value is"),  # log 0 = -inf
        (sp.Sum(y[i], (i, 1, A)), sp.Float("2.5"), "not an integer"),
        (B, 2, "b"),  # a symbol without a value
    ],
)
def test_what_it_cannot_compute_it_hands_back(expr, value, why):
    with pytest.raises(numeric.NotNumeric, match=why):
        numeric.evaluate(expr, {}, {A: sp.sympify(value), y[1]: sp.Integer(1)})


def test_the_verifier_falls_back_to_sympy_for_what_mpmath_cannot_do():
    a = sp.Symbol("a")
    expr = sp.Derivative(a**3, a)  # 3 a^2, done by SymPy's doit()
    value = _evaluate(expr, {i: 1}, {a: sp.Integer(2)}, "test")
    assert abs(value - 12) < 1e-40
