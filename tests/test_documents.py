"""The gallery in outputs/: fresh, compiled by a real pdflatex, parsed by a real KaTeX."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import compile_latex, katex_errors, math_of_markdown

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "outputs"


def test_every_family_and_link_has_both_documents():
    from mlesym.families import get, names

    for name in names():
        for link in get(name).links:
            stem = name if link is get(name).links[0] else f"{name}-{link.name}"
            assert (OUTPUTS / f"{stem}.md").is_file() and (OUTPUTS / f"{stem}.tex").is_file()


TEX_FILES = sorted(OUTPUTS.glob("*.tex"))


@pytest.mark.parametrize("path", TEX_FILES, ids=[p.name for p in TEX_FILES])
def test_latex_compiles_with_pdflatex(path, tmp_path):
    compile_latex(path.read_text(), tmp_path, path.stem)


def test_markdown_math_is_delimited_as_blocks():
    for path in OUTPUTS.glob("*.md"):
        text = path.read_text()
        assert text.count("$$") % 2 == 0, path.name
        if path.name != "README.md":
            assert math_of_markdown(text), path.name


def test_markdown_math_parses_with_katex():
    formulas = [
        f for path in sorted(OUTPUTS.glob("*.md")) for f in math_of_markdown(path.read_text())
    ]
    assert len(formulas) > 50
    assert katex_errors(formulas) == []
