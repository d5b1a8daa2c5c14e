"""--format pdf: the LaTeX compiled by a real pdflatex, which may neither run programs nor
read files outside its own folder."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import require_tool
from conftest import run_mlesym as mlesym
from mlesym.errors import MlesymError
from mlesym.render.pdf import compile_pdf


def test_derive_and_verify_write_pdfs(tmp_path):
    require_tool("pdflatex", "MLESYM_REQUIRE_TEX")
    pdftotext = require_tool("pdftotext", "MLESYM_REQUIRE_TEX")
    target = tmp_path / "gaussian.pdf"
    result = mlesym("derive", "gaussian", "--format", "pdf", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        [pdftotext, str(target), "-"], capture_output=True, text=True, timeout=60
    ).stdout
    assert "Gaussian" in text and "Likelihood" in text
    again = mlesym("derive", "gaussian", "--format", "pdf", "-o", str(target))
    assert again.returncode == 0, again.stderr  # its own PDF: replaced without --force
    report = tmp_path / "verdict.pdf"
    refused = mlesym(
        "verify", "abs(y - f)", "--family", "gaussian", "--format", "pdf", "-o", str(report)
    )
    assert refused.returncode == 1 and report.read_bytes().startswith(b"%PDF")


def test_pdf_needs_an_output_file():
    result = mlesym("derive", "gaussian", "--format", "pdf")
    assert result.returncode == 2 and "give -o FILE.pdf" in result.stderr
    assert result.stderr.count("\n") == 1


def test_pdflatex_cannot_run_programs_or_read_outside_its_folder(tmp_path):
    require_tool("pdflatex", "MLESYM_REQUIRE_TEX")
    canary = tmp_path / "canary"
    body = r"\documentclass{article}\begin{document}%s\end{document}"
    compile_pdf(body % rf"\immediate\write18{{touch {canary}}} shell escape is off")
    assert not canary.exists()
    secret = tmp_path / "secret.tex"
    secret.write_text("the user's file")
    with pytest.raises(MlesymError, match="pdflatex failed"):
        compile_pdf(body % rf"\input{{{secret}}}")


def test_a_missing_pdflatex_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(MlesymError, match="--format pdf needs pdflatex, which is not installed"):
        compile_pdf(r"\documentclass{article}\begin{document}x\end{document}")
