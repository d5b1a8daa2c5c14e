"""LaTeX printing in textbook form: y_i - f_theta(x_i), -n/2 log(2 pi sigma^2), sums last.

SymPy's printer puts terms in its canonical order (``-f + y``) and pulls coefficients
into fractions (``-n log(2 pi sigma^2) / 2``); this subclass prints as a textbook does.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..engine.symbols import depends_on_sample


class Label(sp.Symbol):
    """A symbol whose name is already LaTeX: the left-hand sides of the steps."""


_FUNCTION_LIKE = (sp.Sum, sp.log)


class TextbookLatexPrinter(LatexPrinter):
    """A LatexPrinter that orders and groups terms the way derivations are written."""

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__({"ln_notation": False, **(settings or {})})

    def _print_Label(self, expr: Label) -> str:
        return expr.name

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        base = self._print(expr.base.label)
        indices = [self._print(index) for index in expr.indices]
        glue = "" if all(isinstance(a, sp.Symbol) for a in expr.indices) else ","
        return f"{base}_{{{glue.join(indices)}}}"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        return " ".join(
            self.signed_term(sign, term) for sign, term in self.signed_terms(expr, order)
        )

    def signed_terms(self, expr: sp.Add, order: str | None = None) -> list[tuple[str, sp.Expr]]:
        """The terms in derivation order (positive first, simpler first), each with the sign
        ("+ ", "- " or "" for the first) to print before it."""
        terms = list(self._as_ordered_terms(expr, order=order))
        terms.sort(key=lambda term: (is_negative_term(term), sp.count_ops(term)))
        signed = []
        for position, term in enumerate(terms):
            sign = ""
            if position > 0:
                sign, term = ("- ", -term) if is_negative_term(term) else ("+ ", term)
            signed.append((sign, term))
        return signed

    def signed_term(self, sign: str, term: sp.Expr) -> str:
        text = self._print(term)
        if sign and self._needs_add_brackets(term):
            text = rf"\left({text}\right)"
        return f"{sign}{text}"

    def _print_Mul(self, expr: sp.Mul) -> str:
        if not isinstance(expr, sp.Mul):  # SymPy's _print_Pow hands 1/x over as a Pow
            return super()._print_Mul(expr)
        factors = list(expr.args)
        exponentials = [f for f in factors if isinstance(f, sp.exp)]
        others = [f for f in factors if not isinstance(f, sp.exp)]
        reciprocals = [f for f in others if _is_reciprocal(f)]
        if (
            exponentials
            and reciprocals
            and not any(isinstance(f.base, sp.Sum) for f in reciprocals)
        ):
            # a density, c(y) exp(...); a softmax, exp(z_k) / sum_j exp(z_j), stays a fraction
            if expr.as_coeff_Mul()[0].is_negative:  # - a b, not a -1 b (which reads a - b)
                return "- " + self._print(-expr)
            others.sort(key=_rank)
            return " ".join(self._factor(f, last=False) for f in [*others, *exponentials])
        if any(_is_reciprocal(f) and depends_on_sample(f) for f in factors):
            return super()._print_Mul(expr)
        calls = [f for f in factors if isinstance(f, _FUNCTION_LIKE)]
        if calls and len(calls) < len(factors):
            head = sp.Mul(*(f for f in factors if not isinstance(f, _FUNCTION_LIKE)))
            calls.sort(key=lambda f: isinstance(f, sp.Sum))  # a sum goes last
            return self._join_factors(head, calls)
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient.is_Integer and not any(_is_reciprocal(f) for f in sp.Mul.make_args(rest)):
            return self._join_factors(coefficient, sorted(sp.Mul.make_args(rest), key=_rank))
        return super()._print_Mul(expr)

    def _join_factors(self, head: sp.Expr, factors: list[sp.Expr]) -> str:
        minus = is_negative_term(head)
        if minus:
            head = -head
        parts = []
        if head != 1:
            head_tex = self._print(head)
            parts.append(rf"\left({head_tex}\right)" if isinstance(head, sp.Add) else head_tex)
        for position, factor in enumerate(factors):
            parts.append(self._factor(factor, last=position == len(factors) - 1))
        return ("- " if minus else "") + " ".join(parts)

    def _factor(self, factor: sp.Expr, last: bool) -> str:
        """One factor of a product written side by side: a sum of terms in parentheses (and
        a sum over i unless it comes last, where it takes the rest of the product)."""
        tex = self._print(factor)
        if isinstance(factor, sp.Add) or (isinstance(factor, sp.Sum) and not last):
            return rf"\left({tex}\right)"
        return tex

    def _print_Sum(self, expr: sp.Sum) -> str:
        tex = ""
        for index, lower, upper in reversed(expr.limits):
            tex += rf"\sum_{{{self._print(index)}={self._print(lower)}}}^{{{self._print(upper)}}} "
        summand = expr.function
        body = self._print(summand)
        if isinstance(summand, sp.Add):
            body = rf"\left({body}\right)"
        return tex + body

    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        # SymPy writes theta(x), which a derivation about theta cannot use
        tex = rf"\operatorname{{H}}\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_loggamma(self, expr: sp.loggamma, exp: str | None = None) -> str:
        tex = rf"\log\Gamma\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Abs(self, expr: sp.Abs, exp: str | None = None) -> str:
        argument = expr.args[0]
        if isinstance(argument, sp.Add) and any(
            is_negative_term(t) and isinstance(t.as_coeff_Mul()[1], sp.Indexed)
            for t in argument.args
        ):
            argument = -argument  # |f - y| is printed as the residual |y - f|
        tex = rf"\left|{self._print(argument)}\right|"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _print_exp(self, expr: sp.exp, exp: str | None = None) -> str:
        argument = expr.args[0]
        if argument.is_Atom or isinstance(argument, sp.Indexed | sp.Function):
            tex = rf"e^{{{self._print(argument)}}}"
        else:
            tex = rf"\exp\left({self._print(argument)}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


def is_negative_term(term: sp.Expr) -> bool:
    """A term that a textbook writes with a leading minus: its numeric coefficient is < 0."""
    coefficient = term.as_coeff_Mul()[0]
    return bool(coefficient.is_negative)


def _is_reciprocal(factor: sp.Expr) -> bool:
    return isinstance(factor, sp.Pow) and factor.exp.is_negative is True


def _rank(factor: sp.Expr) -> float:
    """Order of factors in a product: 2 pi sigma^2, y_i f(x_i), (1 - y_i) log(...)."""
    base = factor.base if isinstance(factor, sp.Pow) else factor
    if isinstance(base, sp.NumberSymbol):
        return 0
    if isinstance(base, sp.Add):
        return 4 if base.has(sp.Function) else 2.5
    if isinstance(base, sp.Indexed):
        return 1
    if isinstance(base, sp.Symbol):
        return 1.5
    return 2 if isinstance(factor, sp.Pow) else 3


_PRINTER = TextbookLatexPrinter()


def visible_length(tex: str) -> int:
    """A rough count of the characters a LaTeX formula shows: commands count as one."""
    tex = re.sub(r"\\(left|right)\b", "", tex)
    tex = re.sub(r"\\(operatorname|mathrm|text)\{([^{}]*)\}", r"\2", tex)
    tex = re.sub(r"\\(log|exp|sum|cos|sin)\b", "xxx", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "xx", tex)
    return len(re.sub(r"[{}\s_^]", "", tex))


def latex_equation(lhs: sp.Basic | str, rhs: sp.Basic, width: int = 64, relation: str = "=") -> str:
    """``lhs = rhs``, broken after a top-level + or - into aligned lines when it is wider
    than ``width`` shown characters (so that it fits a printed page); a long sum over the
    samples breaks inside its big parentheses too."""
    left = lhs if isinstance(lhs, str) else latex(lhs)
    whole = latex(rhs)
    if visible_length(left + whole) <= width:
        return f"{left} {relation} {whole}"
    pieces = _pieces(rhs, width)
    lines, current = [], ""
    for piece in pieces:
        if current and visible_length(current + piece) > width:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    lines.append(current)
    if len(lines) == 1:
        return f"{left} {relation} {whole}"
    body = r" \\ &\quad ".join(lines)
    return rf"\begin{{aligned}} {left} &{relation} {body} \end{{aligned}}"


def _pieces(expr: sp.Expr, width: int) -> list[str]:
    """Pieces of the LaTeX of ``expr`` between which a line may break."""
    if not isinstance(expr, sp.Add):
        return _term_pieces("", expr, width)
    pieces = []
    for sign, term in _PRINTER.signed_terms(expr):
        pieces += _term_pieces(sign, term, width)
    return pieces


def _term_pieces(sign: str, term: sp.Expr, width: int) -> list[str]:
    piece = _PRINTER.signed_term(sign, term)
    if visible_length(piece[len(sign) :]) <= width:
        return [piece]
    coefficient, rest = term.as_independent(sp.Sum, as_Add=False)
    if isinstance(rest, sp.Sum) and isinstance(rest.function, sp.Add):
        limits = "".join(
            rf"\sum_{{{latex(index)}={latex(lower)}}}^{{{latex(upper)}}}"
            for index, lower, upper in rest.limits
        )
        front = {1: "", -1: "- "}.get(coefficient, latex(coefficient) + " ")
        inner = _pieces(rest.function, width)
        return _bracketed(f"{sign}{front}{limits} ", inner) if len(inner) > 1 else [piece]
    sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Add)]
    if len(sums) == 1 and not term.has(sp.Sum):  # c (a + b + ...), a Hessian over a common
        # denominator: break inside the parentheses
        front = term / sums[0]
        if front.could_extract_minus_sign():
            front, sign = -front, {"- ": "+ ", "+ ": "- "}.get(sign, "- ")
        inner = _pieces(sums[0], width)
        if len(inner) > 1 and visible_length(latex(front)) < visible_length(latex(sums[0])):
            return _bracketed(sign + ("" if front == 1 else latex(front) + " "), inner)
    return [piece]


def _bracketed(head: str, inner: list[str]) -> list[str]:
    """``head`` and the pieces of a sum inside big parentheses, which may break between
    lines (\\left and \\right may not)."""
    return [rf"{head}\Bigg({inner[0]}", *inner[1:-1], rf"{inner[-1]}\Bigg)"]


def latex(expr: sp.Basic) -> str:
    """The textbook LaTeX of a SymPy expression."""
    return _PRINTER.doprint(expr)
