"""The gallery in outputs/: fresh, compiled by a real pdflatex, parsed by a real KaTeX."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import require_tool

ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ROOT / "outputs"
KATEX = Path(os.environ.get("MLESYM_KATEX_DIR", ROOT / ".cache/node/node_modules/katex"))


def test_every_family_and_link_has_both_documents():
    from mlesym.families import get, names

    for name in names():
        for link in get(name).links:
            stem = name if link is get(name).links[0] else f"{name}-{link.name}"
            assert (OUTPUTS / f"{stem}.md").is_file() and (OUTPUTS / f"{stem}.tex").is_file()


TEX_FILES = sorted(OUTPUTS.glob("*.tex"))


@pytest.mark.parametrize("path", TEX_FILES, ids=[p.name for p in TEX_FILES])
def test_latex_compiles_with_pdflatex(path, tmp_path):
    pdflatex = require_tool("pdflatex", "MLESYM_REQUIRE_TEX")
    (tmp_path / path.name).write_text(path.read_text())
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    log = (tmp_path / path.with_suffix(".log").name).read_text(errors="replace")
    assert result.returncode == 0, log[-2000:]
    assert (tmp_path / path.with_suffix(".pdf").name).stat().st_size > 1000
    assert not re.search(r"^! ", log, re.MULTILINE), log[-2000:]
    assert "Overfull \\hbox" not in log, "an equation runs off the page"


def _math_of_markdown(text: str) -> list[tuple[str, bool]]:
    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^\$\$\n.*?\n\$\$$", "", text, flags=re.MULTILINE | re.DOTALL)
    inline = re.findall(r"(?<![\\$])\$([^$\n]+)\$", prose)
    return [(b, True) for b in blocks] + [(m, False) for m in inline]


def test_markdown_math_is_delimited_as_blocks():
    for path in OUTPUTS.glob("*.md"):
        text = path.read_text()
        assert text.count("$$") % 2 == 0, path.name
        if path.name != "README.md":
            assert _math_of_markdown(text), path.name


def test_markdown_math_parses_with_katex():
    node = require_tool("node", "MLESYM_REQUIRE_KATEX")
    if not KATEX.is_dir():
        message = f"KaTeX is not installed at {KATEX} (npm install --prefix .cache/node katex)"
        if os.environ.get("MLESYM_REQUIRE_KATEX") == "1":
            pytest.fail(message)
        pytest.skip(message)
    formulas = [
        f for path in sorted(OUTPUTS.glob("*.md")) for f in _math_of_markdown(path.read_text())
    ]
    assert len(formulas) > 50
    result = subprocess.run(
        [node, str(Path(__file__).parent / "katex_check.js")],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KATEX_MODULE": str(KATEX)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
