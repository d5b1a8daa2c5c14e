"""The verifier checks each claimed relation on its own: wrong steps and witnesses fail."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from mlesym import VerificationError
from mlesym.engine.derivation import Relation
from mlesym.engine.symbols import Output, i, n, x, y
from mlesym.families.gaussian import sigma
from mlesym.pipeline.chain import derive
from mlesym.render.document import render

GAUSSIAN_RULES = [
    "likelihood",
    "log",
    "negate",
    "density",
    "log-product",
    "log-power",
    "sum",
    "argmin",
    "mean",
]


def _with_step(d, index, **changes):
    steps = list(d.steps)
    steps[index] = dataclasses.replace(steps[index], **changes)
    return dataclasses.replace(d, steps=tuple(steps), _checks=[])


def _index(d, rule):
    return [s.rule for s in d.steps].index(rule)


def test_gaussian_steps_come_in_textbook_order():
    d = derive("gaussian")
    assert [s.rule for s in d.steps] == GAUSSIAN_RULES
    residual = (y[i] - Output(x[i])) ** 2
    summed = d.steps[_index(d, "sum")].rhs
    expected = -n / 2 * sp.log(2 * sp.pi * sigma**2) - sp.Sum(residual, (i, 1, n)) / (2 * sigma**2)
    assert sp.simplify(summed - expected) == 0
    assert d.steps[_index(d, "argmin")].rhs == sp.Sum(residual, (i, 1, n))
    assert sp.simplify(d.steps[-1].rhs - sp.Sum(residual, (i, 1, n)) / n) == 0


def test_a_wrong_step_fails_verification_naming_it():
    d = derive("gaussian")
    index = _index(d, "log-power")
    wrong = -sp.log(2 * sp.pi * sigma**2) / 2 - (y[i] - Output(x[i])) ** 2 / sigma**2
    bad = _with_step(d, index, rhs=wrong)
    with pytest.raises(VerificationError, match=rf"step {index + 1} \(Logs of powers"):
        bad.verify()


def test_a_wrong_witness_fails_verification():
    d = derive("gaussian")
    index = _index(d, "argmin")
    relation = d.steps[index].relation
    bad = _with_step(d, index, relation=Relation.affine(-(sigma**2), relation.offset, sign=-1))
    with pytest.raises(VerificationError, match=rf"step {index + 1}"):
        bad.verify()


def test_a_wrongly_claimed_sign_fails_verification():
    d = derive("gaussian")
    index = _index(d, "mean")
    bad = _with_step(d, index, relation=Relation.affine(1 / n, 0, sign=-1))
    with pytest.raises(VerificationError, match="claimed negative"):
        bad.verify()


def test_an_offset_that_depends_on_theta_is_rejected():
    d = derive("gaussian")
    index = _index(d, "mean")
    bad = _with_step(d, index, relation=Relation.affine(1 / n, Output(x[1]), sign=1))
    with pytest.raises(VerificationError, match="offset .* depends on theta"):
        bad.verify()


def test_a_step_that_needs_the_support_is_checked_on_the_support():
    """The one-hot identity holds only for one-hot targets; dropping it must fail."""
    d = derive("categorical", "softmax")
    index = _index(d, "one-hot")
    previous = d.steps[index - 1].rhs
    bad = _with_step(d, index, rhs=previous.replace(sp.Sum, lambda *a: sp.Integer(2)))
    with pytest.raises(VerificationError, match=f"step {index + 1}"):
        bad.verify()


def test_an_unverified_derivation_is_never_rendered():
    d = derive("laplace")
    bad = _with_step(d, _index(d, "sum"), rhs=d.steps[_index(d, "sum")].rhs * 2)
    for fmt in ("md", "tex"):
        with pytest.raises(VerificationError):
            render(bad, fmt)


def test_numeric_fallback_is_recorded():
    d = derive("bernoulli")
    methods = {c.method for c in d.checks}
    assert "numeric" in methods and "symbolic" in methods
    assert all(c.trials >= 3 for c in d.checks if c.method == "numeric")


def test_sums_are_compared_term_by_term_with_constants_counted_out():
    """Sum(a_i + c, (i, 1, n)) - Sum(a_i, (i, 1, n)) - n c is 0, proved without SymPy's
    closed-form summation; a miscount (n - 1) is not; a sum over k inside one over i too."""
    from mlesym.engine.symbols import K, k
    from mlesym.engine.verifier import _evaluated, _simplifies_to_zero

    a, c = y[i], sp.log(2 * sp.pi * sigma**2)
    assert _simplifies_to_zero(sp.Sum(a + c, (i, 1, n)) - sp.Sum(a, (i, 1, n)) - n * c)
    assert not _simplifies_to_zero(sp.Sum(a + c, (i, 1, n)) - sp.Sum(a, (i, 1, n)) - (n - 1) * c)
    double = sp.Sum(y[i, k] + c, (k, 1, K), (i, 1, n))
    expected = sp.Sum(y[i, k], (k, 1, K), (i, 1, n)) + K * n * c
    assert sp.expand(sp.expand_log(_evaluated(double) - expected)) == 0
    nested = sp.Sum(k, (k, 1, i), (i, 1, n))  # a bound holds an index: SymPy decides
    assert sp.simplify(_evaluated(nested) - n * (n + 1) * (n + 2) / 6) == 0
