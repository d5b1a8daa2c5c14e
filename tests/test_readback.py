"""What a document prints is what was verified: every formula is read back and compared.

The printer once wrote ``1/Sum(...)`` as ``- \\sum ...`` (the softmax and four constant-model
MLEs showed false formulas under "verified symbolically"). These tests pin the printer
against SymPy's own LaTeX, show that the read-back parser sees such a misprint, and check
over the whole gallery that every display formula of every document went through it.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

import mlesym
from mlesym.build.gallery import variants_of
from mlesym.engine.symbols import K, Output, i, j, k, n, x, y
from mlesym.families import names
from mlesym.printing import readback
from mlesym.printing.latex import latex
from mlesym.printing.readback import PrintError, check, read

SUM_Y = sp.Sum(y[i], (i, 1, n))
SOFTMAX = sp.exp(Output(x[i], k)) / sp.Sum(sp.exp(Output(x[i], j)), (j, 1, K))

# Each of these was misprinted, or is a neighbour of one that was (issue 13).
POWERS_OF_SUMS = [
    1 / SUM_Y,
    sp.Sum(i, (i, 1, n)) ** -2,
    sp.log(1 / SUM_Y),
    sp.log(n) + sp.log(1 / SUM_Y),
    SOFTMAX,
    SOFTMAX ** y[i, k],
    sp.Symbol("a") / (2 * SUM_Y),
    sp.sqrt(1 / SUM_Y),
    1 / (sp.Symbol("c") * SUM_Y) ** 3,
    sp.exp(-SUM_Y) / SUM_Y,
]


# Products of an exponential, a reciprocal and a sum of terms (the probit constant model's
# stationarity condition): printed once as 1/(c - 2) n - 2 sum y e^(-c), without the
# parentheses, and a negative one as 1/c -1 sum y e^(-c), which reads 1/c minus the rest.
C0 = sp.Symbol("c_0")
EXPONENTIAL_PRODUCTS = [
    (n - 2 * SUM_Y) * sp.exp(-C0) / (C0 - 2),
    -3 * (n - 2 * SUM_Y) * sp.exp(-C0) / (C0 - 2),
    -sp.exp(-C0) * SUM_Y / C0,
    -2 * sp.exp(-C0) / C0,
    sp.sqrt(2) * (n * sp.erfc(C0) - 2 * n + 2 * SUM_Y) * sp.exp(-(C0**2) / 2)
    / (sp.sqrt(sp.pi) * (sp.erfc(C0) - 2) * sp.erfc(C0)),
]  # fmt: skip


@pytest.mark.parametrize("expr", EXPONENTIAL_PRODUCTS, ids=str)
def test_products_with_an_exponential_keep_their_parentheses_and_sign(expr):
    assert check(latex(expr), expr)


@pytest.mark.parametrize("expr", POWERS_OF_SUMS, ids=str)
def test_powers_of_sums_print_as_sympys_printer_reads_them(expr):
    """Our LaTeX and SymPy's own LaTeX of the same expression read back to the same value
    (SymPy's printer is the independent reference), and neither shows a minus sign that
    the expression does not have."""
    ours, sympys = latex(expr), sp.latex(expr)
    assert check(ours, expr) == ours
    assert check(sympys, expr) == sympys
    if not any(t.could_extract_minus_sign() for t in sp.Add.make_args(expr)):
        assert not ours.lstrip().startswith("-"), ours


def test_the_old_misprints_are_caught():
    """The text the printer used to produce for these is refused, with both values named."""
    for wrong, expr in [
        (r"- \sum_{i=1}^{n} y_{i}", 1 / SUM_Y),
        (r"- 2 \sum_{i=1}^{n} i", sp.Sum(i, (i, 1, n)) ** -2),
        (r"\log{\left(- \sum_{i=1}^{n} y_{i} \right)}", sp.log(1 / SUM_Y)),
        (r"- \sum_{j=1}^{K} e^{f_{\theta}(x_{i})_{j}} e^{f_{\theta}(x_{i})_{k}}", SOFTMAX),
    ]:
        with pytest.raises(PrintError, match="does not show"):
            check(wrong, expr)


def test_small_misprints_are_caught():
    """A sign, an exponent, an index, a misplaced bound: each changes the value."""
    f = Output(x[i])
    expr = sp.Sum((y[i] - f) ** 2, (i, 1, n)) / (2 * sp.Symbol("sigma") ** 2)
    good = latex(expr)
    assert check(good, expr) == good
    for wrong in [
        good.replace("y_{i} - f", "f_{\\theta}(x_{i}) + y"),
        good.replace("^{2}", "^{3}", 1),
        good.replace("2 \\sigma", "\\sigma"),
        good.replace("i=1", "i=2"),
    ]:
        assert wrong != good
        with pytest.raises(PrintError):
            check(wrong, expr)


def test_text_that_does_not_parse_is_refused():
    for text in [r"\frac{1}{", r"\unknowncommand x", r"\left( x", "x +", r"\sum_{i=1} x"]:
        with pytest.raises(PrintError, match="cannot read back"):
            read(text)


def test_a_misprinting_printer_stops_the_document(monkeypatch):
    """Break the printer the way it was broken: the derivation is never rendered."""
    real = readback.latex

    def misprint(expr):
        return real(expr).replace(r"\frac{1}{\sum", r"- {\sum")

    monkeypatch.setattr(readback, "latex", misprint)
    readback.check.cache_clear()
    with pytest.raises(PrintError):
        mlesym.derive("exponential").to_markdown()
    readback.check.cache_clear()


GALLERY = [(name, link, variant) for name in names() for link, variant in variants_of(name)]


def _flat(block: str) -> str:
    return " ".join(readback.flatten(block).split())


@pytest.mark.parametrize(
    "name, link, variant", GALLERY, ids=[f"{a}-{b}-{c}" for a, b, c in GALLERY]
)
def test_every_display_formula_of_the_gallery_was_read_back(name, link, variant, monkeypatch):
    """Render each gallery document while recording what the read-back check compared:
    every $$ block of the Markdown ends with (or underbraces) a formula that was checked."""
    checked: set[str] = set()
    real = readback.check

    def recording(tex, expr):
        checked.add(" ".join(tex.split()))
        return real(tex, expr)

    monkeypatch.setattr(readback, "check", recording)
    d = mlesym.derive(name, link=link, **variant)
    d._memo.clear()
    text = d.to_markdown()
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)
    assert len(blocks) >= 8
    for block in blocks:
        shown = _flat(block)
        forms = {shown, shown.removesuffix(" = 0")}  # a stationarity condition, shown "= 0"
        assert any(
            flat.endswith(t) or rf"\underbrace{{{t}}}" in flat for t in checked for flat in forms
        ), f"{name} {link} {variant}: {block} was shown but not read back"
