"""The verifier's numbers: an expression evaluated at a sampled point with mpmath.

Sums and products run term by term over the sampled sizes and every node is computed at
80 digits, so a check needs no symbolic expansion of the sums (which took most of the
verifier's time). mlesym's named functions (sigmoid, xlogy, ...) are rewritten by
``functions.elementary``, the one place that says what they mean. An expression with a part
this evaluator does not know raises NotNumeric; the verifier then lets SymPy evaluate it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import mpmath
import sympy as sp

from .functions import elementary, evaluated, mpmath_table
from .symbols import Output

# Every precision mlesym computes at, named here.
DIGITS = 80  # the verifier: each step's relation at random points
CHECK_DIGITS = 40  # verify: the relation LOSS = c * NLL + d at random points
READBACK_DIGITS = 30  # read-back: a printed formula against its expression
NORMALIZER_DIGITS = 30  # identify and user densities: integrals and sums of a density

Number = mpmath.mpf | mpmath.mpc


class NotNumeric(Exception):
    """The expression holds something this evaluator does not compute."""


RELATIONS: dict[type, Callable[[Number, Number], bool]] = {
    sp.GreaterThan: lambda a, b: a >= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictLessThan: lambda a, b: a < b,
}


def evaluate(
    expr: sp.Expr, sizes: Mapping[sp.Symbol, int], values: Mapping[sp.Basic, sp.Expr]
) -> sp.Expr:
    """``expr`` at the point: ``sizes`` binds integer symbols (n, K, i), ``values`` the
    parameters and each sample's data and outputs (y[2], f(x[2]), ...). A SymPy number."""
    with mpmath.workdps(DIGITS):
        symbols = {s: mpmath.mpf(v) for s, v in sizes.items()}
        data = {}
        for key, value in values.items():
            number = value._to_mpmath(mpmath.mp.prec)
            if isinstance(key, sp.Symbol):
                symbols[key] = number
            else:
                data[_data_key(key, {})] = number
        try:
            result = _value(expr, symbols, data)
        except (ZeroDivisionError, ValueError, OverflowError, KeyError, TypeError) as error:
            raise NotNumeric(str(error)) from None
        if not mpmath.isfinite(result):
            raise NotNumeric(f"the value is {result}")
        if isinstance(result, mpmath.mpc):
            return sp.Float(result.real, DIGITS) + sp.I * sp.Float(result.imag, DIGITS)
        return sp.Float(result, DIGITS)


def constant(e: sp.Basic) -> Number | None:
    """The value of a numeric atom (an integer, rational, float, pi) at mpmath's precision;
    None for anything else."""
    if e.is_Integer:
        return mpmath.mpf(int(e))
    if e.is_Rational:
        return mpmath.mpf(e.p) / e.q
    if e.is_Float or e.is_NumberSymbol:
        return e._to_mpmath(mpmath.mp.prec)
    return None


def _value(e: sp.Basic, symbols: dict, data: dict) -> Number:
    if (number := constant(e)) is not None:
        return number
    if e.is_Symbol:
        return symbols[e]
    if isinstance(e, sp.Indexed | Output):
        return data[_data_key(e, symbols)]
    if e.is_Add:
        return mpmath.fsum(_value(a, symbols, data) for a in e.args)
    if e.is_Mul:
        return mpmath.fprod(_value(a, symbols, data) for a in e.args)
    if e.is_Pow:
        base, power = e.args
        if power.is_Integer:
            return _value(base, symbols, data) ** int(power)
        return mpmath.power(_value(base, symbols, data), _value(power, symbols, data))
    if isinstance(e, sp.Sum | sp.Product):
        return _series(e, symbols, data)
    if (function := mpmath_table().get(type(e))) is not None:
        return function(*(_value(a, symbols, data) for a in e.args))
    if isinstance(e, sp.Function) and (rewritten := elementary(e)) != e:  # sigmoid, xlogy...
        return _value(rewritten, symbols, data)
    if isinstance(e, sp.Max | sp.Min):
        pick = max if isinstance(e, sp.Max) else min
        return pick(_value(a, symbols, data) for a in e.args)
    if isinstance(e, sp.Piecewise):
        for piece, condition in e.args:
            if _holds(condition, symbols, data):
                return _value(piece, symbols, data)
    raise NotNumeric(f"no numeric rule for {type(e).__name__}")


def _series(e: sp.Sum | sp.Product, symbols: dict, data: dict) -> Number:
    """A sum or product with numeric bounds, one term per value of its index."""
    (index, lower, upper), *rest = e.limits
    inner = e.func(e.function, *rest) if rest else e.function
    low, high = (_integer(_value(b, symbols, data)) for b in (lower, upper))
    terms = []
    for value in range(low, high + 1):
        terms.append(_value(inner, {**symbols, index: mpmath.mpf(value)}, data))
    return mpmath.fsum(terms) if isinstance(e, sp.Sum) else mpmath.fprod(terms)


def _holds(condition: sp.Basic, symbols: dict, data: dict) -> bool:
    if condition is sp.true:
        return True
    if condition is sp.false:
        return False
    if type(condition) in RELATIONS:
        a, b = (_value(side, symbols, data) for side in condition.args)
        return RELATIONS[type(condition)](a, b)
    raise NotNumeric(f"no numeric rule for the condition {condition}")


def _data_key(e: sp.Basic, symbols: dict) -> tuple:
    """y[2] -> ('y', (2,)); f(x[2], 3) -> (Output, (2, 3)): a sample's datum by its kind
    and integer indices (the input x[i] stands for its index)."""
    if isinstance(e, sp.Indexed):
        return (e.base.label.name, tuple(_index(a, symbols) for a in e.indices))
    indices = []
    for arg in e.args:
        if isinstance(arg, sp.Indexed):  # the input x[i]
            indices.extend(_index(a, symbols) for a in arg.indices)
        else:
            indices.append(_index(arg, symbols))
    return (type(e), tuple(indices))


def _index(e: sp.Expr, symbols: dict) -> int:
    return int(e) if e.is_Integer else _integer(_value(e, symbols, {}))


def _integer(value: Number) -> int:
    if value != int(value):
        raise NotNumeric(f"an index or bound is not an integer: {value}")
    return int(value)


def compiled_mpmath(symbols: list[sp.Symbol], expr: sp.Expr) -> Callable[..., Number]:
    """``expr`` compiled to a function of ``symbols`` over mpmath numbers, as it is (complex
    values and errors included): named functions by their elementary meaning, the rest by
    ``functions.mpmath_table`` (xlogy by its own value, 0 at x = 0). The caller sets the
    precision."""
    names = {cls.__name__: function for cls, function in mpmath_table().items()}
    return sp.lambdify(symbols, elementary(expr, evaluated()), [names, "mpmath"])


def mpmath_function(
    symbols: list[sp.Symbol], expr: sp.Expr, digits: int
) -> Callable[..., mpmath.mpf | None]:
    """``expr`` as a function of ``symbols`` in mpmath at ``digits`` digits: mlesym's named
    functions by their elementary meaning, the rest by ``functions.mpmath_table``. It gives
    None where the value is not a finite real number (a pole, a complex logarithm). The one
    compiled evaluator, for the checkers' many evaluations (integrals, sampled relations)."""
    compiled = compiled_mpmath(symbols, expr)

    def at(*values) -> mpmath.mpf | None:
        with mpmath.workdps(digits):
            try:
                value = compiled(*(mpmath.mpf(str(v)) for v in values))
            except (ZeroDivisionError, OverflowError, ValueError, TypeError):
                return None
            if isinstance(value, int | float):
                value = mpmath.mpf(value)  # max(0, ...) may give a plain 0
            if not isinstance(value, mpmath.mpf) or not mpmath.isfinite(value):
                return None
            return value

    return at
