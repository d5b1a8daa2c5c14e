"""The gradient of a loss with respect to the model's outputs, and the maximum-likelihood
estimate of a constant model, solved from its stationarity condition.

Both are derived from a verified derivation's loss; tests check the gradient against finite
differences and the solution against numerically minimizing the exported loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derivation import Derivation
from .rules import split_sum
from .symbols import Head, Output, elementary, i, n, x


@dataclass(frozen=True)
class ConstantMLE:
    """f_theta(x_i) = c for every i: the condition on c, and its solution if SymPy finds one."""

    constants: tuple[sp.Symbol, ...]  # c, and one per learned head
    conditions: tuple[sp.Expr, ...]  # each = 0 at the optimum
    solution: dict[sp.Symbol, sp.Expr] | None  # constant -> closed form in the y_i
    parameter: sp.Expr | None  # the predicted parameter at the solution (mean, rate, ...)


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
        derivative = sp.diff(d.loss.xreplace({output: z}), z).xreplace({z: output})
        tidy = sp.factor(sp.together(derivative))
        result[output] = min((derivative, tidy), key=sp.count_ops)
    return result


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
    constants = tuple(sp.Symbol(f"c_{k}", real=True) for k in range(len(outputs)))
    loss = elementary(d.loss).xreplace(dict(zip(outputs, constants, strict=True)))
    conditions = tuple(sp.simplify(sum_over_samples(sp.diff(loss, c))) for c in constants)
    solution = None
    try:
        found = sp.solve(conditions, constants, dict=True)
    except (NotImplementedError, ValueError, TypeError):
        found = []
    if len(found) == 1 and set(found[0]) == set(constants):
        solution = dict(found[0])
        for _ in constants:  # express each constant in the data alone
            solution = {c: value.xreplace(solution) for c, value in solution.items()}
        solution = {
            c: sp.simplify(value.replace(sp.Sum, lambda body, *limits: sum_over_samples(body)))
            for c, value in solution.items()
        }
        if any(value.has(*constants) for value in solution.values()):
            solution = None  # an implicit equation, not a closed form: the note says it
    parameter = None
    if solution is not None:
        value = elementary(d.link.parameter()).xreplace({Output(x[i]): solution[constants[0]]})
        parameter = sp.simplify(value)
    return ConstantMLE(constants, conditions, solution, parameter)
