"""PDF documents: the LaTeX of a derivation or verdict compiled by a real pdflatex.

pdflatex runs in a fresh temporary folder with shell escape off and file access limited
to that folder (TeX's paranoid ``openin_any``/``openout_any``), so a document cannot run
programs or read the user's files; it must finish within a time limit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import MlesymError

SECONDS = 120


def compile_pdf(tex: str, seconds: float = SECONDS) -> bytes:
    """The PDF of the LaTeX document ``tex``; MlesymError with TeX's first error otherwise."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise MlesymError(
            "--format pdf needs pdflatex, which is not installed (a TeX distribution such as "
            "TeX Live: apt-get install texlive-latex-recommended); --format tex writes the source"
        )
    with tempfile.TemporaryDirectory(prefix="mlesym-pdf-") as folder:
        (Path(folder) / "document.tex").write_text(tex, encoding="utf-8")
        environment = {
            **os.environ,
            "openin_any": "p",  # read nothing outside the folder (nor hidden files)
            "openout_any": "p",
            "shell_escape": "f",
            "TEXMFOUTPUT": folder,
        }
        try:
            result = subprocess.run(
                [
                    pdflatex,
                    "-interaction=nonstopmode",
                    "-halt-on-error",
                    "-no-shell-escape",
                    "document.tex",
                ],
                cwd=folder,
                env=environment,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=seconds,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise MlesymError(f"pdflatex did not finish within {seconds:g} s") from None
        output = Path(folder) / "document.pdf"
        if result.returncode != 0 or not output.is_file():
            raise MlesymError(f"pdflatex failed: {_first_error(folder, result.stdout)}")
        return output.read_bytes()


def _first_error(folder: str, stdout: str) -> str:
    try:
        log = (Path(folder) / "document.log").read_text(errors="replace")
    except OSError:
        log = stdout
    found = re.search(r"^! (.*)$", log, re.MULTILINE) or re.search(
        r"^(pdflatex: .*)$", log + "\n" + stdout, re.MULTILINE
    )
    return found.group(1).strip() if found else "see its log (no error line found)"
