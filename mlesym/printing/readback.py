"""Read printed LaTeX back into SymPy, and check it against the expression it claims to show.

The verifier proves the expressions; this module proves the print. It parses the subset of
LaTeX that mlesym's documents use with its own grammar (it shares nothing with
``printing.py``), evaluates the parsed formula and the verified expression at random
points, and raises ``PrintError`` when they differ or when the text does not parse. A
document is never rendered with a formula that was not read back.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import log1p
from sympy.printing.conventions import split_super_sub

from ..engine import symbols as vocabulary
from ..engine.functions import elementary, mpmath_table, operators
from ..engine.functions.logcosh import logcosh
from ..engine.functions.logistic import sigmoid
from ..engine.functions.normal_cdf import ndtr
from ..engine.numeric import READBACK_DIGITS, constant
from ..errors import MlesymError
from .latex import Label, latex, latex_equation


class PrintError(MlesymError):
    """A printed formula that does not read back as the expression it is meant to show."""


_TOKEN = re.compile(
    r"\s*(\\[a-zA-Z]+\*?|\\[,:;! {}|]|\\\\|\d+\.\d+|\d+|[a-zA-Z]+|[{}()\[\]^_+\-=,|!&'<>./])"
)
_GREEK = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "omicron",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
        "varepsilon",
        "vartheta",
        "varphi",
        "ell",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    ]
)
_CALLS = {  # \name{\left(...\right)} or \name\left(...\right)
    r"\log": sp.log,
    r"\exp": sp.exp,
    r"\cos": sp.cos,
    r"\sin": sp.sin,
    r"\tan": sp.tan,
    r"\cot": sp.cot,
    r"\cosh": sp.cosh,
    r"\sinh": sp.sinh,
    r"\tanh": sp.tanh,
    r"\Gamma": sp.gamma,
    r"\psi": sp.digamma,
    r"\max": sp.Max,
    r"\min": sp.Min,
    r"\sigma": sigmoid,
    r"\Phi": ndtr,
}
_OPERATORS = {  # \operatorname{name}
    "log1p": log1p,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "erfinv": sp.erfinv,
    "erfcinv": sp.erfcinv,
    "atan": sp.atan,
    "atanh": sp.atanh,
    "asinh": sp.asinh,
    "sign": sp.sign,
    "polygamma": sp.polygamma,
    "B": sp.beta,
    "H": sp.Heaviside,
}
_RELATIONS = {
    r"\geq": sp.GreaterThan,
    r"\ge": sp.GreaterThan,
    r"\leq": sp.LessThan,
    r"\le": sp.LessThan,
    ">": sp.StrictGreaterThan,
    "<": sp.StrictLessThan,
}
_SPACES = {r"\,", r"\:", r"\;", r"\!", r"\ ", r"\quad", r"\qquad", "&"}


@dataclass
class _Token:
    text: str
    spaced: bool  # whitespace stands before it


def _tokens(tex: str) -> list[_Token]:
    tokens, position, spaced = [], 0, False
    while tex[position:].strip():
        match = _TOKEN.match(tex, position)
        if match is None:
            raise PrintError(f"cannot read back {tex!r}: unexpected {tex[position:][:20]!r}")
        spaced = spaced or match.start(1) > position
        if match.group(1) in _SPACES:
            spaced = True
        else:
            tokens.append(_Token(match.group(1), spaced))
            spaced = False
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; ``indexed`` names the IndexedBases (y, x, Lambda)."""

    def __init__(self, tex: str, indexed: frozenset[str]) -> None:
        self.tex = tex
        self.tokens = _tokens(tex)
        self.position = 0
        self.indexed = indexed

    # -- the token stream --
    def peek(self, ahead: int = 0) -> str | None:
        at = self.position + ahead
        return self.tokens[at].text if at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            self.fail(f"expected {expected or 'more'}, found {token!r}")
        self.position += 1
        return token

    def accept(self, token: str) -> bool:
        if self.peek() == token:
            self.position += 1
            return True
        return False

    def fail(self, message: str):
        raise PrintError(f"cannot read back {self.tex!r}: {message} at token {self.position}")

    def group_text(self) -> str:
        """The raw tokens of a {...} group, joined (for subscripts and labels)."""
        self.take("{")
        depth, parts = 1, []
        while True:
            token = self.take()
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return "".join(parts)
            parts.append(token)

    # -- the grammar --
    def whole(self) -> sp.Expr:
        expr = self.expression()
        if self.peek() is not None:
            self.fail(f"unexpected {self.peek()!r}")
        return expr

    def expression(self) -> sp.Expr:
        terms = []
        sign = 1
        if self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
        terms.append(sign * self.product())
        while self.peek() in ("+", "-"):
            sign = -1 if self.take() == "-" else 1
            terms.append(sign * self.product())
        return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]

    _ENDS = frozenset({None, "+", "-", "}", ")", "]", r"\right", ",", "=", "|", r"\\", "<", ">"})
    _ENDS |= {r"\rvert", r"\mid", r"\end", r"\text", *_RELATIONS}

    def product(self) -> sp.Expr:
        factors = []
        while True:
            if self.peek() in (r"\sum", r"\prod"):
                factors.append(self.big_operator())  # a sum's body is the rest of the product
                break
            factors.append(self.power())
            if self.peek() in (r"\cdot", r"\times"):
                self.take()
            elif self.peek() in self._ENDS or (self.peek() == r"\Bigg" and self.peek(1) == ")"):
                break
        return sp.Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]

    def power(self) -> sp.Expr:
        base = self.postfix(self.atom())
        if self.accept("^"):
            base = sp.Pow(base, self.argument(), evaluate=False)
            base = self.postfix(base)
        return base

    def postfix(self, expr: sp.Expr) -> sp.Expr:
        while self.accept("!"):
            expr = sp.factorial(expr)
        return expr

    def argument(self) -> sp.Expr:
        """A superscript or a one-token argument: {expr}, a digit, a letter."""
        if self.peek() == "{":
            self.take("{")
            value = self.expression()
            self.take("}")
            return value
        token = self.take()
        if token.isdigit():
            return sp.Integer(token[0]) if len(token) == 1 else sp.Integer(token)
        return self.name(token)

    def parenthesized(self) -> list[sp.Expr]:
        """\\left( a, b \\right), (a, b) or {\\left(a \\right)}: the comma-separated arguments."""
        braced = self.accept("{")
        opener = self.take()
        closer = {r"\left": r"\right", "(": ")", r"\Bigg": r"\Bigg"}.get(opener)
        if closer is None:
            self.fail(f"expected an opening parenthesis, found {opener!r}")
        if opener in (r"\left", r"\Bigg"):
            self.take("(")
        args = [self.expression()]
        while self.accept(","):
            args.append(self.expression())
        self.take(closer)
        if closer != ")":
            self.take(")")
        if braced:
            self.take("}")
        return args

    def call(self, function, power: sp.Expr | None = None) -> sp.Expr:
        if power is None and self.accept("^"):
            power = self.argument()
        args = self.parenthesized()
        try:
            value = function(*args, evaluate=False)  # building, not simplifying: faster
        except TypeError:
            value = function(*args)
        if power is None and self.accept("^"):
            power = self.argument()
        return value if power is None else sp.Pow(value, power, evaluate=False)

    def bessel_k_follows(self) -> bool:
        """After K: a subscript glued to an argument list (K_{nu} then a left parenthesis):
        the Bessel function; a symbol K_{i} has no parenthesis glued to it."""
        at = self.position + 1
        if self.peek(1) == "{":
            depth = 0
            while at < len(self.tokens):
                depth += {"{": 1, "}": -1}.get(self.tokens[at].text, 0)
                at += 1
                if depth == 0:
                    break
        else:
            at += 1
        return (
            at < len(self.tokens)
            and self.tokens[at].text == r"\left"
            and not self.tokens[at].spaced
        )

    def opens_call(self) -> bool:
        """The next tokens are an argument list glued to a function name."""
        token = self.tokens[self.position] if self.position < len(self.tokens) else None
        if token is None or token.spaced:
            return False
        return token.text in (r"\left", "(")

    def atom(self) -> sp.Expr:
        token = self.take()
        if re.fullmatch(r"\d+(\.\d+)?", token):
            return sp.Float(token, 30) if "." in token else sp.Integer(token)
        if token == "{":
            self.position -= 1
            value = self.argument()
            if isinstance(value, sp.Symbol) and self.peek() == "_":  # SymPy's {y}_{i}
                return self.subscripted(value.name)
            return value
        if token == r"\left":
            opener = self.take()
            if opener == "(":
                return self.enclosed(r"\right", ")")
            if opener == "|":
                return sp.Abs(self.enclosed(r"\right", "|"))
            self.fail(f"unexpected \\left{opener}")
        if token == r"\Bigg":
            self.take("(")
            return self.enclosed(r"\Bigg", ")")
        if token == "(":
            return self.enclosed(")")
        if token == r"\lvert":
            inner = self.take()
            self.take(r"\rvert")
            if inner == r"\Sigma":
                return vocabulary.DETERMINANT
            self.fail(f"unexpected \\lvert {inner}")
        if token in (r"\frac", r"\tfrac", r"\dfrac"):
            numerator = self.argument()
            return sp.Mul(numerator, sp.Pow(self.argument(), -1, evaluate=False), evaluate=False)
        if token == r"\binom":
            return sp.binomial(self.argument(), self.argument())
        if token == r"\sqrt":
            if self.accept("["):
                degree = self.expression()
                self.take("]")
                return sp.Pow(self.argument(), 1 / degree, evaluate=False)
            return sp.sqrt(self.argument(), evaluate=False)
        if token == r"\underbrace":
            value = self.argument()
            self.take("_")
            self.group_text()
            return value
        if token == r"\log":
            return self.logarithm()
        if token == r"\operatorname":
            name = self.group_text()
            if name == "logsumexp":
                return self.logsumexp()
            if name not in {**_OPERATORS, **operators()}:
                self.fail(f"unknown operator {name!r}")
            return self.call({**_OPERATORS, **operators()}[name])
        if token in _CALLS and (token not in {r"\sigma", r"\Phi"} or self.opens_call()):
            if token == r"\psi" and self.peek() == "^":
                self.fail("unexpected \\psi^")
            return self.call(_CALLS[token])
        if token == "e" and self.peek() == "^":
            self.take("^")
            return sp.exp(self.argument(), evaluate=False)
        if token == "I" and self.peek() == "_":  # the modified Bessel function I_nu
            self.take("_")
            order = self.argument()
            return self.call(lambda argument: sp.besseli(order, argument))
        if token == "K" and self.peek() == "_" and self.bessel_k_follows():
            self.take("_")  # the modified Bessel function of the second kind K_nu
            order = self.argument()
            return self.call(lambda argument: sp.besselk(order, argument))
        if token == r"\begin":
            return self.cases()
        if token == r"\pi":
            return sp.pi
        if token == r"\infty":
            return sp.oo
        if not re.fullmatch(r"[a-zA-Z]+", token.lstrip("\\")) or (
            token.startswith("\\") and token[1:] not in _GREEK
        ):
            self.fail(f"unexpected {token}")
        return self.subscripted(token)

    def enclosed(self, *closing: str) -> sp.Expr:
        """An expression, then the tokens that close its bracket."""
        value = self.expression()
        for token in closing:
            self.take(token)
        return value

    def logarithm(self) -> sp.Expr:
        if self.peek() == r"\Gamma":
            self.take()
            return self.call(sp.loggamma)
        if self.peek() == r"\cosh":
            self.take()
            return self.call(logcosh)
        if self.peek() in ("{", r"\left", "^"):
            return self.call(sp.log)
        return sp.log(self.power(), evaluate=False)

    def logsumexp(self) -> sp.Expr:
        self.take("_")
        index, lower = self._bounds()
        self.take("^")
        upper = self.argument()
        (body,) = self.parenthesized()
        return sp.log(sp.Sum(sp.exp(body), (index, lower, upper)))

    def _bounds(self) -> tuple[sp.Symbol, sp.Expr]:
        self.take("{")
        index = self.name(self.take())
        self.take("=")
        lower = self.expression()
        self.take("}")
        return index, lower

    def big_operator(self) -> sp.Expr:
        kind = sp.Sum if self.take() == r"\sum" else sp.Product
        self.take("_")
        index, lower = self._bounds()
        self.take("^")
        upper = self.argument()
        sign = -1 if self.accept("-") else 1  # \sum_{i=1}^{n} - a_i: the sum of -a_i
        return kind(sign * self.product(), (index, lower, upper))

    def cases(self) -> sp.Expr:
        r"""\begin{cases} a & \text{for}\: c \\ b & \text{otherwise} \end{cases}"""
        if self.group_text() != "cases":
            self.fail("expected cases")
        pieces = []
        while True:
            value = self.expression()
            self.take(r"\text")
            word = self.group_text()
            if word == "otherwise":
                pieces.append((value, True))
            elif word == "for":
                left = self.expression()
                relation = _RELATIONS.get(self.take())
                if relation is None:
                    self.fail("expected a relation")
                pieces.append((value, relation(left, self.expression())))
            else:
                self.fail(f"unexpected \\text{{{word}}}")
            if self.accept(r"\end"):
                self.group_text()
                return sp.Piecewise(*pieces)
            self.take(r"\\")

    def name(self, token: str) -> sp.Symbol:
        return sp.Symbol(token.lstrip("\\"))

    def subscripted(self, token: str) -> sp.Expr:
        """x, \\sigma, y_{i}, y_{ik}, c_{0}, f_{\\theta}(x_{i})_{k}, p_{\\theta}(y_{i} | x_{i})."""
        base = token.lstrip("\\")
        if self.peek() != "_":
            return sp.Symbol(base)
        self.take("_")
        if self.peek() == "{" and self.peek(1) == r"\theta" and self.peek(2) == "}":
            self.position += 3
            return self.model_function(base)
        subscript = self.argument() if self.peek() != "{" else None
        if subscript is None:
            start = self.position
            text = self.group_text()
            if base in self.indexed:
                self.position = start
                self.take("{")
                indices = [self.expression()]
                while self.accept(","):
                    indices.append(self.expression())
                self.take("}")
                if len(indices) == 1 and re.fullmatch(r"[a-zA-Z]{2,3}", text):
                    indices = [sp.Symbol(letter) for letter in text]  # y_{ik}
                return sp.IndexedBase(base)[tuple(indices)]
            return sp.Symbol(f"{base}_{text.lstrip(chr(92))}")
        if base in self.indexed:
            return sp.IndexedBase(base)[subscript]
        return sp.Symbol(f"{base}_{subscript}")

    def model_function(self, name: str) -> sp.Expr:
        """f_theta(x_i) (an output), v_theta(x_i) (a head), p_theta(y_i | x_i) (the density)."""
        self.take("(")
        first = self.expression()
        if self.accept(r"\mid"):
            self.expression()
            self.take(")")
            return sp.Function(f"{name}_theta")(first)
        self.take(")")
        if self.peek() == "_" and name == "f":
            self.take("_")
            return sp.Function("f_theta")(first, self.argument())
        return sp.Function(f"{name}_theta")(first)


# -- comparing what was printed with what was verified ----------------------------------


@lru_cache(maxsize=4096)
def _key(symbol: sp.Symbol) -> str:
    """The name a symbol reads back as: y1 -> y_1, lamda -> lambda, sigma -> sigma."""
    name, supers, subs = split_super_sub(symbol.name)
    name = {"lamda": "lambda", "Lamda": "Lambda"}.get(name, name)
    return name + "".join(f"_{s}" for s in subs) + "".join(f"^{s}" for s in supers)


class _Point:
    """Random values, drawn on first use and then remembered: sizes 2..4 for the
    names that count (n, K, N), an index's value for i, j, k, and numbers in (0.15, 0.85)
    for everything else, so that logs of y, of 1 - y and of parameters are all real."""

    COUNTS = frozenset({"n", "K", "N"})
    INDICES = frozenset({"i", "j", "k"})

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict = {}

    def value(self, key) -> mpmath.mpf:
        if key not in self.values:
            if key in self.COUNTS:
                self.values[key] = mpmath.mpf(self.rng.randint(2, 4))
            elif key in self.INDICES:
                self.values[key] = mpmath.mpf(self.rng.randint(1, 2))
            else:
                self.values[key] = mpmath.mpf(self.rng.uniform(0.15, 0.85))
        return self.values[key]


def _evaluate(expr: sp.Basic, point: _Point, bound: dict) -> mpmath.mpf | mpmath.mpc:
    if (number := constant(expr)) is not None:
        return number
    if expr is sp.oo:
        return mpmath.inf
    if expr is sp.S.NegativeInfinity:
        return -mpmath.inf
    if expr.is_Symbol:
        key = _key(expr)  # the verified side's sigma and y1 meet the printed sigma and y_{1}
        return bound[key] if key in bound else point.value(key)
    if isinstance(expr, sp.Indexed):  # y[1] and a symbol y1 both read y_{1}: the same value
        indices = (str(int(_evaluate(a, point, bound))) for a in expr.indices)
        return point.value(f"{expr.base.label.name}_{','.join(indices)}")
    if isinstance(expr, sp.core.function.AppliedUndef | vocabulary.Output):
        # f_theta(x_i), v_theta(x_i): the verified side's outputs and heads by the names
        # the parser gives what it reads
        if isinstance(expr, vocabulary.Head):
            name = f"{type(expr).symbol.lstrip(chr(92))}_theta"
        elif isinstance(expr, vocabulary.Output):
            name = "f_theta"
        else:
            name = expr.func.__name__
        args = tuple(_datum(a, point, bound) for a in expr.args)
        return point.value((name, args))
    if isinstance(expr, vocabulary.Density):  # p_theta(y_i | x_i), read as p_theta(y_i)
        (index,) = expr.args
        return point.value(("p_theta", (_datum(vocabulary.y[index], point, bound),)))
    if isinstance(expr, sp.Sum | sp.Product):
        return _series(expr, point, bound)
    if isinstance(expr, sp.Piecewise):
        for value, condition in expr.args:
            if condition is sp.true or _holds(condition, point, bound):
                return _evaluate(value, point, bound)
        raise ValueError("no piece applies")
    if isinstance(expr, sp.Function) and type(expr) not in mpmath_table():
        meaning = _meaning(expr)  # sigmoid, xlogy, ...: what they stand for
        if meaning != expr:
            return _evaluate(meaning, point, bound)
    args = [_evaluate(a, point, bound) for a in expr.args]
    if expr.is_Add:
        return mpmath.fsum(args)
    if expr.is_Mul:
        return mpmath.fprod(args)
    if expr.is_Pow:
        base, power = args
        if isinstance(power, mpmath.mpf) and power == int(power):
            return base ** int(power)
        return mpmath.power(base, power)
    if isinstance(expr, sp.Max | sp.Min):
        return max(args) if isinstance(expr, sp.Max) else min(args)
    if type(expr) in mpmath_table():
        try:
            return mpmath_table()[type(expr)](*args)
        except ValueError:  # outside its domain here (a Tweedie a(y, phi, p) needs 1 < p < 2):
            shown_as = getattr(type(expr), "shown_as", None)  # log a(...) for log_tweedie_a
            if shown_as is not None:
                return _evaluate(shown_as(*expr.args), point, bound)
            return point.value((type(expr).__name__, tuple(args)))  # the same unknown function
    raise PrintError(f"cannot evaluate {type(expr).__name__} to compare a printed formula")


@lru_cache(maxsize=4096)
def _meaning(expr: sp.Expr) -> sp.Expr:
    return elementary(expr)


def _holds(condition: sp.Basic, point: _Point, bound: dict) -> bool:
    if condition is sp.false:
        return False
    compare = {
        sp.GreaterThan: lambda a, b: a >= b,
        sp.StrictGreaterThan: lambda a, b: a > b,
        sp.LessThan: lambda a, b: a <= b,
        sp.StrictLessThan: lambda a, b: a < b,
    }.get(type(condition))
    if compare is None:
        raise PrintError(f"cannot evaluate the condition {condition} of a printed formula")
    a, b = (_evaluate(side, point, bound) for side in condition.args)
    return compare(a, b)


def _datum(expr: sp.Basic, point: _Point, bound: dict) -> tuple:
    """The key of a model function's argument: x_i stands for its index."""
    if isinstance(expr, sp.Indexed):
        return (expr.base.label.name, tuple(int(_evaluate(a, point, bound)) for a in expr.indices))
    return (int(_evaluate(expr, point, bound)),)


def _series(expr: sp.Sum | sp.Product, point: _Point, bound: dict):
    (index, lower, upper), *rest = expr.limits
    inner = expr.func(expr.function, *rest) if rest else expr.function
    low, high = int(_evaluate(lower, point, bound)), int(_evaluate(upper, point, bound))
    terms = [
        _evaluate(inner, point, {**bound, _key(index): mpmath.mpf(v)}) for v in range(low, high + 1)
    ]
    return mpmath.fsum(terms) if isinstance(expr, sp.Sum) else mpmath.fprod(terms)


INDEXED = frozenset({"y", "x", "Lambda"})


def read(tex: str, indexed: frozenset[str] = INDEXED) -> sp.Expr:
    """The SymPy expression that the LaTeX ``tex`` shows, by mlesym's own reading of it."""
    return _Parser(tex, indexed).whole()


POINTS = 3


@lru_cache(maxsize=8192)
def check(tex: str, expr: sp.Basic) -> str:
    """``tex`` when it reads back as ``expr`` (equal at random points, 30 digits); else
    PrintError naming both."""
    bases = frozenset(b.label.name for b in expr.atoms(sp.IndexedBase)) | INDEXED
    shown = read(tex, bases)
    meant = _expression(expr)
    rng = random.Random(tex)
    compared = 0
    with mpmath.workdps(READBACK_DIGITS):
        for _ in range(4 * POINTS):
            point = _Point(rng)
            try:
                a, b = _evaluate(meant, point, {}), _evaluate(shown, point, {})
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                continue
            if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
                if a == b:
                    compared += 1
                continue
            if abs(a - b) > mpmath.mpf("1e-10") * max(1, abs(a), abs(b)):
                raise PrintError(
                    f"the printed formula {tex!r} does not show {expr} "
                    f"(at a random point it is {mpmath.nstr(b, 12)}, not {mpmath.nstr(a, 12)})"
                )
            compared += 1
            if compared == POINTS:
                return tex
    if shown.free_symbols == meant.free_symbols and sp.srepr(shown) == sp.srepr(meant):
        return tex
    raise PrintError(f"the printed formula {tex!r} could not be compared with {expr}")


def flatten(equation: str) -> str:
    """An equation broken into aligned lines, as one line."""
    text = equation.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
    return re.sub(r"\\\\\s*&\\quad|&", " ", text)


def check_equation(tex: str, lhs: str, relation: str, rhs: sp.Basic) -> str:
    """``tex`` when it is ``lhs relation rhs`` (lhs as text, rhs read back); else PrintError."""
    flat = " ".join(flatten(tex).split())
    head = " ".join(f"{lhs} {relation}".split())
    if not flat.startswith(head):
        raise PrintError(f"the printed equation {tex!r} does not start with {head!r}")
    check(flat[len(head) :].strip(), rhs)
    return tex


def reads_as_itself(symbol: sp.Symbol) -> bool:
    """Whether the LaTeX of ``symbol`` reads back as a symbol of the same name (sigma2 as
    sigma_{2} does; bscr, printed as a script b, does not)."""
    try:
        shown = read(latex(symbol), indexed=frozenset())
    except PrintError:
        return False
    return isinstance(shown, sp.Symbol) and _key(shown) == _key(symbol)


def _expression(value: object) -> sp.Basic:
    """A SymPy expression, or a Python number made one; text is refused, never sympified
    (sympify evaluates a string as Python)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"a formula to print must be a SymPy expression; got {type(value).__name__}"
        )
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value)


def shown_latex(expr: sp.Basic) -> str:
    """The textbook LaTeX of ``expr``, read back and checked: what documents print. A
    Label (the name of a step's left-hand side, such as the log-likelihood) is text."""
    if isinstance(expr, Label):
        return expr.name
    expr = _expression(expr)
    return check(latex(expr), expr)


def shown_equation(lhs: sp.Basic | str, rhs: sp.Basic, width: int = 64, relation: str = "=") -> str:
    """``printing.latex_equation``, with its right-hand side (and a left-hand side that is
    an expression, not a label) read back and checked."""
    if isinstance(lhs, Label):
        lhs = lhs.name
    left = lhs if isinstance(lhs, str) else shown_latex(lhs)
    return check_equation(latex_equation(left, rhs, width, relation), left, relation, rhs)
