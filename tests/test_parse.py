"""The formula parser: an adversarial corpus that must be refused, and property tests that
well-formed formulas parse to what SymPy builds directly."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mlesym.check.parse import FormulaError, Limits, parse

Y, F, SIGMA = sp.symbols("y f sigma", real=True)
NAMES = {"y": Y, "f": F, "sigma": SIGMA}
ROOT = Path(__file__).resolve().parents[1]
CANARY = "/tmp/mlesym-canary-{}"


# (formula, a fragment of the one-line message it must get)
def _balanced(leaves: int) -> str:
    return "y" if leaves == 1 else f"({_balanced(leaves // 2)}+{_balanced(leaves // 2)})"


QUOTES = "(no comments, quotes or backslashes)"
ADVERSARIAL = [
    ("__import__('os').system('touch " + CANARY.format(1) + "')", QUOTES),
    ("__import__", "unknown name '__import__'"),
    ("().__class__.__bases__[0].__subclasses__()", "only named functions"),
    ("f.__class__", "attribute access"),
    ("y.__globals__['os']", QUOTES),
    ("y.__globals__[0]", "indexing"),
    ("(lambda: __import__('os'))()", QUOTES),
    ("(lambda: __import__)()", "only named functions"),
    ("lambda: 1", "lambda is not allowed"),
    ("exec('open(\"" + CANARY.format(2) + '", "w")\')', QUOTES),
    ("exec(y)", "unknown function 'exec'"),
    ("eval('1')", QUOTES),
    ("eval(1)", "unknown function 'eval'"),
    ("open('" + CANARY.format(3) + "', 'w')", QUOTES),
    ("open(y)", "unknown function 'open'"),
    ("log(y, base=2)", "takes no keyword arguments"),
    ("y; import os", "malformed formula"),
    ("y\nimport os", "control character"),
    ("import os", "malformed formula"),
    ("y := 1", "malformed formula"),
    ("(y := 1)", "':=' is not allowed"),
    ("[c for c in ().__class__.__mro__]", "comprehensions"),
    ("f'{y}'", QUOTES),
    ("'y'", QUOTES),
    ("b'y'", QUOTES),
    ('y # """; import os', QUOTES),  # a comment that would close a generated docstring
    ("y \\", QUOTES),
    ("True", "only numbers are allowed"),
    ("1j * y", "only numbers are allowed"),
    ("y if f else 1", "'if ... else' is not allowed"),
    ("y < f", "comparisons"),
    ("y and f", "'and' / 'or'"),
    ("y // f", "the operator // is not allowed"),
    ("y @ f", "the operator @ is not allowed"),
    ("y % f", "the operator % is not allowed"),
    ("σ * y", "not ASCII"),  # noqa: RUF001  (a Greek letter must be written as a name)
    ("у - f", "not ASCII"),  # noqa: RUF001  (Cyrillic у, a look-alike of y)
    ("y\u200b- f", "not ASCII"),  # a zero-width space
    ("E * y", "unknown name 'E'"),
    ("I * y", "unknown name 'I'"),
    ("S(1) + y", "unknown function 'S'"),
    ("N(y)", "unknown function 'N'"),
    ("O(y)", "unknown function 'O'"),
    ("Q * y", "unknown name 'Q'"),
    ("mu * y", "unknown name 'mu'; declared names: f, sigma, y, pi"),
    ("log", "unknown name 'log' (a function needs arguments"),
    ("9**9**9", "more than 1000 digits"),
    ("10**10**10**10", "more than 1000 digits"),
    ("2**2**2**2**2", "more than 1000 digits"),
    ("y**(10**9)", "larger than 1e6"),
    ("1" * 40, "more than 30 digits"),
    ("1e999 * y", "not finite"),
    ("(" * 60 + "y" + ")" * 60, "brackets deep"),
    ("-" * 100 + "y", "levels deep"),
    ("+".join(["y"] * 600), "more than 400 parts"),  # a flat sum: long, one level deep
    (_balanced(256), "more than 400 parts"),  # a balanced sum of 256 terms: shallow but large
    ("y" * 3000, "characters long"),
    ("", "empty"),
    ("   ", "empty"),
    ("(y - f", "malformed formula"),
    ("y - - ", "malformed formula"),
    ("1/0", "division by zero"),
    ("log()", "takes 1 argument(s); got 0"),
    ("max(y)", "takes 2 argument(s); got 1"),
]


@pytest.mark.parametrize(("formula", "fragment"), ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_formulas_are_refused_with_a_clear_message(formula, fragment):
    start = time.perf_counter()
    with pytest.raises(FormulaError) as error:
        parse(formula, NAMES)
    message = str(error.value)
    assert fragment in message and "\n" not in message
    assert time.perf_counter() - start < 2.0


def test_no_attack_creates_its_canary(tmp_path):
    """Every attack, through the command line too: none creates the file it aims at."""
    for n in range(1, 4):
        Path(CANARY.format(n)).unlink(missing_ok=True)
    for formula, _ in ADVERSARIAL:
        with pytest.raises(FormulaError):
            parse(formula, NAMES)
    attack = ADVERSARIAL[0][0]
    result = subprocess.run(
        [sys.executable, "-m", "mlesym", "verify", attack, "--family", "gaussian"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not any(Path(CANARY.format(n)).exists() for n in range(1, 4))


def test_unicode_compatibility_forms_are_normalized():
    """NFKC turns full-width letters into ASCII ones; they then mean the declared names."""
    assert parse("\uff59 - \uff46", NAMES) == Y - F  # full-width y and f


def test_limits_can_be_tightened():
    with pytest.raises(FormulaError, match="at most 5"):
        parse("y + f + 1", NAMES, Limits(length=5))


# -- property tests: the parser builds what SymPy builds -----------------------------------

_LEAVES = st.one_of(
    st.sampled_from(sorted(NAMES)).map(lambda name: (name, NAMES[name])),
    st.integers(min_value=0, max_value=10**6).map(lambda v: (str(v), sp.Integer(v))),
    st.sampled_from(["0.5", "2.25", "1e-3"]).map(lambda t: (t, sp.Float(float(t)))),
    st.just(("pi", sp.pi)),
)
_UNARY = {
    "log": sp.log,
    "exp": sp.exp,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "tanh": sp.tanh,
    "cos": sp.cos,
    "sin": sp.sin,
}


def _extend(children):
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(
        lambda t: (
            f"({t[1][0]}) {t[0]} ({t[2][0]})",
            {"+": sp.Add, "-": lambda a, b: a - b, "*": sp.Mul, "/": lambda a, b: a / b}[t[0]](
                t[1][1], t[2][1]
            ),
        )
    )
    power = st.tuples(children, st.integers(min_value=-3, max_value=3)).map(
        lambda t: (f"({t[0][0]}) ** ({t[1]})", sp.Pow(t[0][1], t[1]))
    )
    call = st.tuples(st.sampled_from(sorted(_UNARY)), children).map(
        lambda t: (f"{t[0]}({t[1][0]})", _UNARY[t[0]](t[1][1]))
    )
    negation = children.map(lambda c: (f"-({c[0]})", -c[1]))
    return st.one_of(binary, power, call, negation)


FORMULAS = st.recursive(_LEAVES, _extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(FORMULAS)
def test_well_formed_formulas_parse_to_what_sympy_builds(case):
    text, expected = case
    if expected.has(sp.zoo, sp.nan):  # a division by a literal zero: refused, checked above
        return
    try:
        parsed = parse(text, NAMES)
    except FormulaError as error:
        assert "division by zero" in str(error) or "digits" in str(error)
        return
    assert parsed == expected


def test_logsumexp_takes_two_or_more_terms():
    a, b, c = (sp.Symbol(n, real=True) for n in "abc")
    names = {"a": a, "b": b, "c": c}
    assert parse("logsumexp(a, b, c)", names) == sp.log(sp.exp(a) + sp.exp(b) + sp.exp(c))
    with pytest.raises(FormulaError, match=r"logsumexp\(\) takes 2 or more arguments; got 1"):
        parse("logsumexp(a)", names)
