"""The vocabulary of named functions: every function a user may type and every function the
engine defines is declared once, and exports on arrays in every registered backend with the
value mpmath gives its elementary meaning (an independent reference: the array spellings and
the runtime helpers are compared against 50-digit evaluations of what the function means)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import mpmath
import numpy as np
import pytest
import sympy as sp

import mlesym.engine.functions as vocabulary
from conftest import require_backend
from mlesym.check.parse import functions as parser_functions
from mlesym.check.parse import parse
from mlesym.engine.functions import by_name, declarations, elementary, typed
from mlesym.errors import NotSupportedError
from mlesym.export import backends, runtime
from mlesym.export.source import INPUT, TARGET, ArrayPrinter

ARGUMENTS = (INPUT, TARGET, sp.Symbol("third"))  # a third for a(y, phi, p)


def _engine_classes() -> list[type]:
    """Every sp.Function subclass defined in mlesym.engine.functions."""
    found = []
    for module in pkgutil.iter_modules(vocabulary.__path__):
        loaded = importlib.import_module(f"{vocabulary.__name__}.{module.name}")
        for _, value in inspect.getmembers(loaded, inspect.isclass):
            if (
                issubclass(value, sp.Function)
                and value.__module__ == loaded.__name__
                and not value.__name__.startswith("_")
            ):
                found.append(value)
    return found


def exported() -> list:
    """Parser functions and engine functions: each must export (the completeness claim)."""
    engine = {named.name: named for named in declarations() if named.function in _engine_classes()}
    return sorted({**engine, **{f"typed:{k}": v for k, v in typed().items()}}.items())


def test_every_engine_function_is_declared():
    declared = {named.function for named in declarations()}
    assert set(_engine_classes()) <= declared, set(_engine_classes()) - declared


def test_the_parser_allow_list_is_the_declared_vocabulary():
    assert parser_functions() == typed()
    assert set(typed()) >= {"log", "exp", "tan", "sinh", "atan", "gamma", "min", "max"}


def test_elementary_removes_every_engine_function():
    u, v = sp.symbols("u v", positive=True)
    for cls in _engine_classes():
        named = next(n for n in declarations() if n.function is cls)
        args = (
            (u, v, sp.Integer(1), sp.Integer(3))[: len(named.examples[0])]
            if named.examples
            else (u,)
        )
        if named.lowered:
            k = sp.Symbol("k", integer=True)
            expr = cls(u * k, k, 1, 3)
        else:
            expr = cls(*args)
        assert not any(
            isinstance(a, tuple(_engine_classes())) for a in sp.preorder_traversal(elementary(expr))
        )


@pytest.mark.parametrize("backend", backends.names())
@pytest.mark.parametrize(("key", "named"), exported(), ids=[k for k, _ in exported()])
def test_every_function_has_an_array_form_in_every_backend(key, named, backend):
    if named.lowered:
        return  # the exporter computes it itself (tested with the families that use it)
    if named.constant_only:  # a normalizer at fixed values: its number, or a clear refusal
        _check_constant_only(named, backend)
        return
    chosen = backends.get(backend)
    if named.function is None:  # typed only: what it builds must export
        expr = _typed_expression(named)
        ArrayPrinter(backend).doprint(expr)
        return
    template, helpers = named.spelling((backend, *chosen.derives_from), chosen.namespace)
    assert template is not None, f"{named.name} has no spelling for {backend}"
    assert set(helpers) <= runtime.names(chosen.runtime_module)
    assert named.examples, f"{named.name} declares no example arguments to check it at"


def _check_constant_only(named, backend: str) -> None:
    """At numbers it prints as its value (to 1e-15 against mpmath); over an array it is a
    NotSupportedError that names it."""
    from mlesym.errors import NotSupportedError
    from mlesym.export.source import INPUT

    for example in named.examples:
        text = ArrayPrinter(backend).doprint(
            named.function(*map(sp.Integer, example[:1]), sp.Float(example[1], 30))
        )
        with mpmath.workdps(30):
            expected = float(named.mpmath(*example))
        assert float(text) == pytest.approx(expected, rel=1e-15)
    with pytest.raises(NotSupportedError, match=named.name):
        ArrayPrinter(backend).doprint(named.function(example[0], INPUT))


def _typed_expression(named, example=None) -> sp.Expr:
    example = example or named.examples[0]
    letters = "ab"[: len(example)]
    formula = f"{named.typed}({', '.join(letters)})"
    return parse(formula, dict(zip(letters, ARGUMENTS, strict=False)))


def _expression(named) -> sp.Expr:
    if named.function is None:
        return _typed_expression(named)
    example = named.examples[0]
    args = [
        sp.Integer(value) if isinstance(value, int) else symbol
        for value, symbol in zip(example, ARGUMENTS, strict=False)
    ]
    return named.function(*args, evaluate=False)


def _reference(expr: sp.Expr, values: tuple) -> float:
    """The expression at the example, from its elementary meaning, at 50 digits."""
    point = {
        symbol: sp.Float(value, 50)
        for symbol, value in zip(
            ARGUMENTS, [v for v in values if not isinstance(v, int)], strict=False
        )
    }
    with mpmath.workdps(50):
        return float(sp.N(elementary(expr).xreplace(point), 50))


def _evaluate(backend: str, code: str, arrays: list[np.ndarray], helpers: set[str]) -> np.ndarray:
    chosen = backends.get(backend)
    library = require_backend(backend)
    source, _ = runtime.helper_source(chosen.runtime_module, helpers, chosen.namespace)
    namespace: dict = {"math": __import__("math")}
    if backend == "jax":
        import jax.numpy as jnp

        namespace.update(jax=library, jnp=jnp)
        values = [jnp.asarray(a) for a in arrays]
    elif backend == "torch":
        namespace["torch"] = library
        values = [library.from_numpy(a) for a in arrays]
    else:
        namespace["numpy"] = library
        values = arrays
    exec(compile(source, f"<runtime {backend}>", "exec"), namespace)
    namespace.update(dict(zip(("input", "target", "third"), values, strict=False)))
    result = eval(code, namespace)  # the printed expression: our own source
    if hasattr(result, "detach"):
        result = result.detach()
    return np.asarray(result, dtype=float)


CASES = [  # a constant-only function is checked at numbers above
    (key, named)
    for key, named in exported()
    if not named.lowered and named.examples and not named.constant_only
]


@pytest.mark.parametrize("backend", backends.names())
@pytest.mark.parametrize(("key", "named"), CASES, ids=[k for k, _ in CASES])
def test_the_array_form_matches_mpmath_elementwise(key, named, backend):
    expr = _expression(named)
    printer = ArrayPrinter(backend)
    code = printer.doprint(expr)
    symbols = [v for v in named.examples[0] if not isinstance(v, int)]
    columns = [
        np.array([float(ex[c]) for ex in named.examples])
        for c, value in enumerate(named.examples[0])
        if not isinstance(value, int)
    ]
    got = _evaluate(backend, code, columns, printer.helpers)
    got = np.broadcast_to(got, (len(named.examples),))
    for row, example in enumerate(named.examples):
        assert len(symbols) <= 3
        expected = _reference(expr, example)
        assert got[row] == pytest.approx(expected, rel=1e-12, abs=1e-300), (code, example)


def test_a_function_without_an_array_form_is_a_clear_error():
    with pytest.raises(NotSupportedError, match="polygamma has no array form in the numpy"):
        ArrayPrinter("numpy").doprint(sp.digamma(INPUT))
    with pytest.raises(NotSupportedError, match="no array form"):
        ArrayPrinter("torch").doprint(sp.Function("mystery")(INPUT))


def test_min_of_a_typed_density_exports_and_runs_on_arrays():
    """The review's demonstration: min() in a user's density derived, verified, then crashed
    on arrays (Python's builtin min). Now it is the backend's elementwise minimum."""
    import mlesym

    d = mlesym.derive_pdf("exp(-min(abs(y-mu), 1000000000))/2")
    target = np.array([0.5, -1.0, 2.0])
    got = d.loss_function(reduction="none", full=True)(np.zeros(3), target)
    np.testing.assert_allclose(got, np.abs(target) + np.log(2), rtol=1e-15)


def test_every_declaration_names_a_sympy_function_once():
    names = [named.name for named in declarations() if named.function is not None]
    assert len(names) == len(set(names))
    assert set(by_name()) == set(names)


@pytest.mark.parametrize("named", [n for n in declarations() if n.operator], ids=lambda n: n.name)
def test_a_declared_operator_prints_and_reads_back(named):
    """A function printed as \\operatorname{...} is read back by name: documents show it."""
    from mlesym.printing.readback import shown_latex

    u, v, w = sp.symbols("u v w", positive=True)
    args = (u, v, w)[: len(named.examples[0])]
    tex = shown_latex(named.function(*args))
    assert rf"\operatorname{{{named.operator}}}" in tex


def test_logit_is_typed_differentiated_and_exported():
    """The function added as the architecture issue's one-file task: all its faces."""
    from mlesym.engine.functions.logit import logit

    p = sp.Symbol("p", positive=True)
    assert sp.simplify(logit(p).diff(p) - sp.diff(sp.log(p / (1 - p)), p)) == 0
    assert parse("logit(p)", {"p": p}) == logit(p)
    assert (
        ArrayPrinter("numpy").doprint(logit(INPUT)) == "(numpy.log(input) - numpy.log1p(-(input)))"
    )
