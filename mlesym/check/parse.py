"""A parser for formulas typed by users: a walk over Python's ``ast`` with an allow-list.

Formulas are data, never code: nothing here calls ``eval``, ``exec``, ``sympify`` or
``parse_expr``. The text is NFKC-normalized, must then be ASCII, and is parsed by
``ast.parse`` in expression mode; every node is checked against the allow-list below and
turned into SymPy by hand. Caps on length, nesting, node count, integer size and numeric
powers keep a hostile formula from exhausting time or memory, each with its own message.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import mpmath
import sympy as sp

from ..engine.functions import Named, typed
from ..errors import MlesymError


class FormulaError(MlesymError):
    """A formula that is malformed, too large, or uses something not allowed."""


@dataclass(frozen=True)
class Limits:
    """How large a formula may be."""

    length: int = 2000  # characters
    depth: int = 40  # nesting of parentheses, calls and operators
    nodes: int = 400  # syntax-tree nodes
    integer_digits: int = 30  # digits of one integer literal
    power_digits: int = 1000  # digits of any number it computes, such as 9**9 or gamma(500)

    @property
    def power_bits(self) -> int:
        return int(self.power_digits * 3.3219280948873626)


CONSTANTS: Mapping[str, sp.Expr] = {"pi": sp.pi}


def functions() -> Mapping[str, Named]:
    """What a formula may call, by name: the declarations in ``engine.functions``."""
    return typed()


def _chain(op: ast.operator | None) -> str | None:
    """The chain an operator continues: a + b - c is one sum, a * b / c one product."""
    if isinstance(op, ast.Add | ast.Sub):
        return "sum"
    if isinstance(op, ast.Mult | ast.Div):
        return "product"
    return None


_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_DESCRIPTIONS = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "'if ... else'",
    ast.NamedExpr: "':='",
    ast.Starred: "'*' unpacking",
    ast.JoinedStr: "f-strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Await: "await",
    ast.Yield: "yield",
}


def parse(text: str, names: Mapping[str, sp.Expr], limits: Limits = Limits()) -> sp.Expr:
    """The SymPy expression of ``text``, whose free names must be keys of ``names``.

    Allowed: numbers, the declared names, ``pi``, + - * / ** and unary minus, and the
    functions in ``functions()`` (declared in ``engine.functions``). Everything else
    raises a one-line FormulaError.
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text; got {type(text).__name__}")
    if len(text) > limits.length:
        raise FormulaError(f"the formula is {len(text)} characters long; at most {limits.length}")
    text = unicodedata.normalize("NFKC", text)
    for position, char in enumerate(text):
        if not char.isascii():
            raise FormulaError(
                f"character {char!r} at position {position} is not ASCII; write Greek letters "
                "as names (sigma, mu) and operators as + - * / **"
            )
        if not (char.isprintable() or char in " \t"):
            raise FormulaError(f"control character {char!r} at position {position}")
        if char in "#\\'\"":  # a formula is echoed into generated files: nothing hides there
            raise FormulaError(
                f"character {char!r} at position {position} is not allowed in a formula "
                "(no comments, quotes or backslashes)"
            )
    if not text.strip():
        raise FormulaError("the formula is empty")
    depth = _bracket_depth(text)
    if depth > limits.depth:
        raise FormulaError(f"the formula nests {depth} brackets deep; at most {limits.depth}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError(f"malformed formula: {error.msg} (at column {error.offset})") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is too deeply nested to parse") from None
    return _Walker(names, limits).expression(tree.body, 0)


def normalized(text: object) -> str:
    """A formula's text as mlesym reads and echoes it: NFKC-normalized (so that what a
    generated file names is what was parsed); anything but text is a FormulaError."""
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text; got {type(text).__name__}")
    if len(text) > 10 * Limits().length:  # before normalizing, which may lengthen it
        raise FormulaError(f"the formula is {len(text)} characters long; at most {Limits().length}")
    return unicodedata.normalize("NFKC", text)


def parse_bounded(
    text: str, names: Mapping[str, sp.Expr], seconds: float, limits: Limits = Limits()
) -> sp.Expr:
    """``parse``, in a bounded worker process like all other work on a user's text: no
    formula can hold the parent process, whatever SymPy makes of it."""
    from ..safety.bounded import run_bounded

    return run_bounded(parse, text, names, limits, seconds=seconds)


def _bracket_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


class _Walker:
    def __init__(self, names: Mapping[str, sp.Expr], limits: Limits) -> None:
        self.names = names
        self.limits = limits
        self.count = 0
        self.values: dict[sp.Expr, mpmath.mpf] = {}  # an estimate of every numeric node

    def expression(self, node: ast.AST, depth: int) -> sp.Expr:
        self.count += 1
        if self.count > self.limits.nodes:
            raise FormulaError(f"the formula has more than {self.limits.nodes} parts")
        if depth > self.limits.depth:
            raise FormulaError(f"the formula nests more than {self.limits.depth} levels deep")
        if isinstance(node, ast.Constant):
            return self.number(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.expression(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return operand
            return self.numeric(lambda: -operand, lambda v: -v, operand)
        if isinstance(node, ast.BinOp):
            # a + b + c is one level, however long: only nesting counts as depth
            chained = _chain(node.op) is not None and _chain(node.op) == _chain(
                getattr(node.left, "op", None)
            )
            left = self.expression(node.left, depth if chained else depth + 1)
            right = self.expression(node.right, depth + 1)
            if isinstance(node.op, ast.Pow):
                return self.power(left, right)
            if type(node.op) in _OPERATORS:
                if isinstance(node.op, ast.Div) and right == 0:
                    raise FormulaError("division by zero")
                combine = _OPERATORS[type(node.op)]  # the same on SymPy's numbers and mpmath's
                return self.numeric(lambda: combine(left, right), combine, left, right)
            raise FormulaError(
                f"the operator {_operator_text(node.op)} is not allowed; use + - * / **"
            )
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _DESCRIPTIONS.get(type(node), type(node).__name__)
        raise FormulaError(f"{what} is not allowed in a formula")

    def number(self, value: object) -> sp.Expr:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormulaError(f"only numbers are allowed as literals; got {value!r}")
        if isinstance(value, int):
            if len(str(abs(value))) > self.limits.integer_digits:
                raise FormulaError(f"an integer has more than {self.limits.integer_digits} digits")
            number = sp.Integer(value)
            self.values[number] = mpmath.mpf(value)
            return number
        if not math.isfinite(value):
            raise FormulaError(f"the number {value!r} is not finite")
        number = sp.Float(value)
        self.values[number] = mpmath.mpf(value)
        return number

    def name(self, identifier: str) -> sp.Expr:
        if identifier in self.names:
            return self.names[identifier]
        if identifier in CONSTANTS:
            self.values[CONSTANTS[identifier]] = mpmath.pi
            return CONSTANTS[identifier]
        known = ", ".join(sorted(self.names)) or "none"
        hint = " (a function needs arguments in parentheses)" if identifier in typed() else ""
        raise FormulaError(f"unknown name {identifier!r}{hint}; declared names: {known}, pi")

    def power(self, base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        if base.is_number and exponent.is_number:
            a, b = self.values[base], self.values[exponent]
            if a != 0 and abs(b) * abs(mpmath.log(abs(a), 2)) > self.limits.power_bits:
                raise FormulaError(
                    f"a power of two numbers would have more than {self.limits.power_digits} digits"
                )
        elif exponent.is_number and abs(self.values[exponent]) > 10**6:
            raise FormulaError("an exponent is larger than 1e6 in size")
        return self.numeric(lambda: sp.Pow(base, exponent), mpmath.power, base, exponent)

    def numeric(self, build: Callable[[], sp.Expr], value: Callable, *arguments: sp.Expr):
        """``build()``, and when every argument is a number, its value estimated first by
        mpmath from the arguments' estimates (never by SymPy, whose exact gamma(10**7) or
        N(sin(exp(exp(100)))) runs for years): a number beyond 10**(+-power_digits) is
        refused before SymPy ever sees it."""
        if not all(a.is_number for a in arguments):
            result = build()
            if result.is_number:  # f**0, f - f: a number that SymPy made from symbols
                self.values[result] = self.estimate(result)
            return result
        with mpmath.workprec(64):
            try:
                estimate = value(*(self.values[a] for a in arguments))
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                estimate = None  # a pole or a branch point: SymPy's exact value is small
        if estimate is not None:
            self.within_cap(estimate)
        result = build()
        if result.is_number:
            self.values[result] = estimate if estimate is not None else mpmath.mpf(0)
        return result

    def estimate(self, number: sp.Expr) -> mpmath.mpf:
        """The value of a number that SymPy reduced from symbols, within the digit cap."""
        if number.is_Rational:
            value = mpmath.mpf(number.p) / number.q
        else:
            try:
                value = mpmath.mpmathify(complex(sp.N(number, 15)))
            except (TypeError, ValueError, OverflowError):
                return mpmath.mpf(0)
        return self.within_cap(value)

    def within_cap(self, value: mpmath.mpf) -> mpmath.mpf:
        """``value``, or FormulaError when it lies beyond 10**(+-power_digits)."""
        if (
            value != 0
            and mpmath.isfinite(value)
            and abs(mpmath.mag(value)) > self.limits.power_bits
        ):
            raise FormulaError(
                f"a number in the formula would have more than {self.limits.power_digits} digits"
            )
        return value

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if not isinstance(node.func, ast.Name):
            raise FormulaError("only named functions may be called, such as log(x)")
        name = node.func.id
        declared = typed()
        if name not in declared:
            allowed = ", ".join(sorted(declared))
            raise FormulaError(f"unknown function {name!r}; allowed: {allowed}")
        if node.keywords:
            raise FormulaError(f"{name}() takes no keyword arguments")
        named = declared[name]
        arity, function = named.arity, named.build or named.function
        if arity < 0 and len(node.args) < -arity:
            raise FormulaError(f"{name}() takes {-arity} or more arguments; got {len(node.args)}")
        if arity >= 0 and len(node.args) != arity:
            raise FormulaError(f"{name}() takes {arity} argument(s); got {len(node.args)}")
        arguments = [self.expression(a, depth + 1) for a in node.args]
        estimate = named.estimate or named.mpmath
        return self.numeric(lambda: function(*arguments), estimate, *arguments)


def _operator_text(op: ast.operator) -> str:
    return {
        ast.FloorDiv: "//",
        ast.Mod: "%",
        ast.MatMult: "@",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
    }.get(type(op), type(op).__name__)
