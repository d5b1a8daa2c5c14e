"""Derivations cross process boundaries unchanged (the bounded worker sends them back)."""

from __future__ import annotations

import pickle

import pytest
import sympy as sp

from mlesym import derive
from mlesym.engine.transport import dumps, loads
from mlesym.export.source import source


def test_an_unevaluated_expression_comes_back_as_written():
    a, b, s = sp.symbols("a b sigma", positive=True)
    written = sp.Mul(2, sp.Add(a, -b, evaluate=False), evaluate=False) + sp.log(
        1 / sp.sqrt(2 * sp.pi * s**2, evaluate=False), evaluate=False
    )
    assert sp.srepr(pickle.loads(pickle.dumps(written))) != sp.srepr(written)  # SymPy's own
    assert sp.srepr(loads(dumps(written))) == sp.srepr(written)


@pytest.mark.parametrize(
    ("family", "variants"),
    [
        ("gaussian", {}),
        ("gaussian", {"sigma": "learned"}),  # a learned head: a class made at run time
        ("multinomial", {}),
        ("multivariate_gaussian", {}),
        ("huber", {}),
    ],
)
def test_a_derivation_survives_pickling_whole(family, variants):
    d = derive(family, **variants)
    document, latex = d.to_markdown(), d.to_latex()  # computes the memoized analyses too
    back = pickle.loads(pickle.dumps(d))
    assert back.checks == d.checks
    assert back.to_markdown() == document
    assert back.to_latex() == latex
    for full in (False, True):
        assert source(back, full=full) == source(d, full=full)
    back.verify(trials=1, seed=5)  # the verifier's context is rebuilt and works
