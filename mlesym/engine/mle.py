"""The gradient of a loss with respect to the model's outputs, and the maximum-likelihood
estimate of a constant model, solved from its stationarity condition.

Both are derived from a verified derivation's loss; tests check the gradient against finite
differences and the solution against numerically minimizing the exported loss.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import sympy as sp

from .derivation import Derivation
from .functions import elementary
from .rules import split_sum
from .symbols import Head, Output, i, n, x


@dataclass(frozen=True)
class ConstantMLE:
    """f_theta(x_i) = c for every i: the condition on c, and its solution if SymPy finds one."""

    constants: tuple[sp.Symbol, ...]  # c, and one per learned head
    stationarity: tuple[sp.Expr, ...]  # d/dc sum_i loss, as differentiated
    solution: dict[sp.Symbol, sp.Expr] | None  # constant -> closed form in the y_i
    parameter: sp.Expr | None  # the predicted parameter at the solution (mean, rate, ...)

    @cached_property
    def conditions(self) -> tuple[sp.Expr, ...]:
        """Each = 0 at the optimum, simplified; computed when asked for, as a document with
        a note in words instead does not show them."""
        return tuple(_tidy(condition) for condition in self.stationarity)


def outputs_of(d: Derivation) -> list[sp.Expr]:
    """The model outputs the loss depends on: f_theta(x_i), then each learned head."""
    heads = sorted(d.loss.atoms(Head), key=lambda h: type(h).argument)
    return [Output(x[i]), *heads]


def gradient(d: Derivation) -> dict[sp.Expr, sp.Expr]:
    """d loss_i / d output, for each scalar output of the model (not for class vectors)."""
    return d.memo("gradient", lambda: _gradient(d))


def _gradient(d: Derivation) -> dict[sp.Expr, sp.Expr]:
    if d.family.target != "scalar":
        return {}
    result = {}
    for output in outputs_of(d):
        z = sp.Dummy("z", real=True)
        result[output] = tidied(sp.diff(d.loss.xreplace({output: z}), z).xreplace({z: output}))
    return result


def tidied(derivative: sp.Expr) -> sp.Expr:
    """A derivative as SymPy gives it or factored over a common denominator, the shorter."""
    return min((derivative, sp.factor(sp.together(derivative))), key=sp.count_ops)


def sum_over_samples(summand: sp.Expr) -> sp.Expr:
    """sum_i of an expression, split into terms: constants times n, factors out of the sum."""
    return split_sum(summand, (i, 1, n))


def constant_mle(d: Derivation) -> ConstantMLE | None:
    """Solve d/dc sum_i loss(y_i, c) = 0 (jointly with any learned head) for scalar targets."""
    return d.memo("constant_mle", lambda: _constant_mle(d))


def _constant_mle(d: Derivation) -> ConstantMLE | None:
    if d.family.target != "scalar":
        return None
    outputs = outputs_of(d)
    domains = [type(o).domain if isinstance(o, Head) else d.link.output_domain for o in outputs]
    constants = tuple(  # a positive output's constant is positive: one root, not two
        sp.Symbol(f"c_{k}", **({"positive": True} if dom.name == "positive" else {"real": True}))
        for k, dom in enumerate(domains)
    )
    loss = elementary(d.loss).xreplace(dict(zip(outputs, constants, strict=True)))
    stationarity = tuple(sum_over_samples(sp.diff(loss, c)) for c in constants)
    result = ConstantMLE(constants, stationarity, None, None)
    if not _solvable(stationarity, constants):
        return result
    solution = _solve(result.conditions, constants)
    if solution is None:
        return result
    value = elementary(d.link.parameter()).xreplace({Output(x[i]): solution[constants[0]]})
    return replace(result, solution=solution, parameter=_tidy(value))


def _solvable(stationarity: tuple[sp.Expr, ...], constants: tuple[sp.Symbol, ...]) -> bool:
    """False where no closed form can come out, so SymPy is not asked (it took seconds to
    give up): a constant inside a sum over the samples is tied to each y_i (sign(y_i - c),
    a ratio in y_i - c), and a constant inside a digamma cannot be solved for, as SymPy
    has no inverse of the polygamma functions."""
    sums = [s.function for e in stationarity for s in e.atoms(sp.Sum)]
    digammas = [g.args[1] for e in stationarity for g in e.atoms(sp.polygamma)]
    return not any(part.has(*constants) for part in sums + digammas)


def _solve(conditions: tuple[sp.Expr, ...], constants: tuple[sp.Symbol, ...]) -> dict | None:
    """The one solution of the conditions, each constant in the data alone, or None."""
    try:
        found = sp.solve(conditions, constants, dict=True)
    except (NotImplementedError, ValueError, TypeError):
        return None
    if len(found) != 1 or set(found[0]) != set(constants):
        return None
    solution = dict(found[0])
    for _ in constants:  # express each constant in the data alone
        solution = {c: value.xreplace(solution) for c, value in solution.items()}
    solution = {
        c: _tidy(value.replace(sp.Sum, lambda body, *limits: sum_over_samples(body)))
        for c, value in solution.items()
    }
    if any(value.has(*constants) for value in solution.values()):
        return None  # an implicit equation, not a closed form: the note says it
    return solution


@lru_cache(maxsize=256)
def _tidy(expr: sp.Expr) -> sp.Expr:
    """SymPy's simplify without its final doit(): the sums over the samples have no closed
    form, and searching for one (Gosper's algorithm) was most of simplify's time."""
    with _units_unloaded():
        return sp.simplify(expr, doit=False)


UNITS = "sympy.physics.units"


@contextmanager
def _units_unloaded() -> Iterator[None]:
    """simplify() imports sympy.physics.units, a quarter of a second (a third of a cold
    ``mlesym derive``), only to look for physical quantities in the expression. None can
    be there unless that module was imported before; until it is, a stand-in module
    answers the look-up. Only in a single-threaded process, so that no other thread can
    import the stand-in in the meantime."""
    if UNITS in sys.modules or threading.active_count() > 1:
        yield
        return
    stand_in = types.ModuleType(UNITS, "stands in for sympy.physics.units inside mlesym")
    stand_in.Quantity = type("Quantity", (), {})  # a class no expression holds
    sys.modules[UNITS] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(UNITS) is stand_in:
            del sys.modules[UNITS]
