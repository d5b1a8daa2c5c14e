"""HTML documents: MathML checked against KaTeX's own translation, and every page opened in
a real headless Chromium (no console errors, every formula laid out with a size)."""

from __future__ import annotations

import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import SCREENSHOT, Browser, chromium_path

import mlesym
from conftest import katex_mathml, math_of_markdown, run_mlesym
from mlesym.printing.mathml import MathMLError, mathml, plain
from mlesym.render.report import Finding, Report

OUTPUTS = Path(__file__).resolve().parent.parent / "outputs"
PAGES = sorted(OUTPUTS.glob("*.html"))


# -- the translation ---------------------------------------------------------------------


def _text(markup: str) -> str:
    """What a formula reads as, symbol by symbol: text content, TeX annotations dropped,
    invisible operators, spaces and accents' spelling variants normalized away."""
    root = ET.fromstring(markup)
    for parent in root.iter():
        for child in list(parent):
            if child.tag.endswith("annotation"):
                parent.remove(child)
    text = unicodedata.normalize("NFKD", "".join(root.itertext()))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\s\u2061-\u2064\u200b\u00a0¯ˉ―‾]", "", text)
    return text.replace("−", "-").replace("∣", "|").replace("⋅", "·")


def test_the_argmin_is_an_operator_with_theta_beneath():
    markup = mathml(r"\hat\theta = \operatorname*{arg\,min}_{\theta} L", display=True)
    root = ET.fromstring(markup)
    under = [e for e in root.iter() if e.tag.endswith("munder")]
    assert under and _text(ET.tostring(under[0], encoding="unicode")) == "argminθ"
    assert "*" not in _text(markup)  # latex2mathml alone shows the star of \operatorname*


def test_aligned_lines_become_a_table_without_stray_ampersands():
    markup = mathml(r"\begin{aligned} L &= a + b \\ &\quad + c \end{aligned}", display=True)
    root = ET.fromstring(markup)
    rows = [e for e in root.iter() if e.tag.endswith("mtr")]
    assert len(rows) == 2
    assert all(len([c for c in row if c.tag.endswith("mtd")]) == 2 for row in rows)
    assert _text(markup) == "L=a+b+c"


def test_an_operator_name_with_a_digit_stays_one_upright_name():
    markup = mathml(r"\operatorname{xlog1py}{\left(a, b\right)}")
    root = ET.fromstring(markup)
    assert not [e for e in root.iter() if e.tag.endswith("mo") and not (e.text or len(e))]
    letters = [e for e in root.iter() if e.tag.endswith("mi") and e.text in set("xlogpy")]
    assert letters and all(e.get("mathvariant") == "normal" for e in letters)
    assert _text(markup).startswith("xlog1py(")


def test_sim_is_a_relation_and_plain_text_reads_the_symbols():
    markup = mathml(r"y \sim \mathcal{N}(\mu, \sigma^{2})")
    assert "<mo>&#x0223C;</mo>" in markup
    assert plain(r"\sigma") == "σ"


@pytest.mark.parametrize("tex", [r"\unknowncommand{x}", r"a & b", r"\frac{1}{"])
def test_untranslatable_math_raises_instead_of_reaching_a_reader(tex):
    with pytest.raises(MathMLError, match="formula"):
        mathml(tex)


def test_every_gallery_formula_reads_as_katex_reads_it():
    """An independent translation: KaTeX's MathML has the same symbols, in the same order,
    for each of the gallery's formulas (after the Markdown, which holds the same LaTeX)."""
    formulas = list(
        dict.fromkeys(
            f for path in OUTPUTS.glob("*.md") for f in math_of_markdown(path.read_text())
        )
    )
    assert len(formulas) > 900
    theirs = katex_mathml(formulas)
    differ = [
        (tex, _text(mathml(tex, display)), _text(reference))
        for (tex, display), reference in zip(formulas, theirs, strict=True)
        if _text(mathml(tex, display)) != _text(reference)
    ]
    assert differ == []


# -- the pages, as HTML ------------------------------------------------------------------


class _Checker(HTMLParser):
    """Balanced tags and nothing loaded from elsewhere."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "mspace", "path", "use", "rect"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.external += [v for k, v in attrs if k in ("src", "href") and v and "://" in v]
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.external += [v for k, v in attrs if k in ("src", "href") and v and "://" in v]

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_pages_are_balanced_self_contained_and_script_free(path):
    checker = _Checker()
    checker.feed(path.read_text(encoding="utf-8"))
    assert checker.open == [] and checker.scripts == 0
    assert [u for u in checker.external if "w3.org" not in u] == []  # namespaces only


def test_prose_is_escaped_and_math_stays_math():
    report = Report(
        title="<script>alert(1)</script> & $\\sigma$",
        verdict="a < b, `code <x>`",
        findings=(Finding("t", "with $a < b$", "x", "checked"),),
    )
    page = report.to_html()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    assert "<code>code &lt;x&gt;</code>" in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; σ</title>" in page


def test_the_gaussian_page_shows_its_steps_plot_and_result():
    page = (OUTPUTS / "gaussian.html").read_text(encoding="utf-8")
    assert page.count('<section id="step-') == len(mlesym.derive("gaussian").steps)
    assert page.count("<svg") == 1 and '<section id="plot">' in page
    assert 'display="block"' in page and "Generated by mlesym" in page


def test_derive_writes_html_with_and_without_the_plot(tmp_path):
    with_plot, without = tmp_path / "a.html", tmp_path / "b.html"
    assert run_mlesym("derive", "laplace", "--format", "html", "-o", str(with_plot)).returncode == 0
    result = run_mlesym("derive", "laplace", "--format", "html", "--no-plot", "-o", str(without))
    assert result.returncode == 0
    assert "<svg" in with_plot.read_text() and "<svg" not in without.read_text()
    assert "<math" in without.read_text()
    wrong = run_mlesym("derive", "laplace", "--no-plot")
    assert wrong.returncode == 2 and "--no-plot applies to --format html" in wrong.stderr


def test_a_derivation_and_a_verdict_display_as_html_in_a_notebook():
    d = mlesym.derive("bernoulli", "logit")
    assert d._repr_html_().startswith("<!DOCTYPE html>") and "<math" in d._repr_html_()
    from mlesym.check.verify import verify

    verdict = verify("(y - f)**2 + 3", "gaussian").document()
    assert "<math" in verdict._repr_html_()


# -- in a real browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    missing = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "playwright is not installed (pip install playwright)"
    if executable is None:
        missing = "no Chromium found (apt-get install chromium, or set MLESYM_CHROMIUM)"
    if missing:
        if os.environ.get("MLESYM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing}, and MLESYM_REQUIRE_BROWSER=1 requires it")
        pytest.skip(missing)
    opened = Browser(executable)
    yield opened
    opened.close()


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_chromium_lays_out_every_formula_without_errors(browser, path):
    report = browser.open(path)
    assert report.errors == []
    assert report.math_in_source > 0 and len(report.math) == report.math_in_source
    assert {m["kind"] for m in report.math} == {"MathMLElement"}  # native MathML, no script
    assert all(m["width"] > 0 and m["height"] > 0 for m in report.math)
    if path.name != "index.html":  # one file: nothing else is fetched
        assert report.requests == [path.resolve().as_uri()]


def test_the_kept_screenshot_shows_the_current_gaussian_page(browser, tmp_path):
    """outputs/gaussian.png is what Chromium shows now (retake: python tests/browser.py)."""
    from PIL import Image, ImageChops

    fresh = tmp_path / "gaussian.png"
    browser.open(OUTPUTS / "gaussian.html", screenshot=fresh)
    kept, now = Image.open(SCREENSHOT).convert("L"), Image.open(fresh).convert("L")
    assert kept.size == now.size
    changed = sum(ImageChops.difference(kept, now).histogram()[65:])
    assert changed / (now.size[0] * now.size[1]) < 0.01
    assert sum(1 for count in now.histogram() if count) > 16  # text and formulas, not blank


def test_a_verdict_page_from_the_command_line_lays_out_in_chromium(browser, tmp_path):
    page = tmp_path / "hinge.html"
    result = run_mlesym(
        "identify", "max(0, 1 - (2*y - 1)*z)", "--support", "binary",
        "-o", str(page), "--format", "html",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr  # not an NLL: its normalizer depends on z
    report = browser.open(page)
    assert report.errors == [] and len(report.math) == report.math_in_source > 3
    assert all(m["width"] > 0 and m["height"] > 0 for m in report.math)
    assert "Verdict" in page.read_text()
