"""Shared fixtures: every (family, link) pair in the registry, and optional-tool guards."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from mlesym.export import backends
from mlesym.families import get, names

VARIANTS = [(name, link.name) for name in names() for link in get(name).links]


def variant_id(variant: tuple[str, str]) -> str:
    return "-".join(variant)


@pytest.fixture(params=VARIANTS, ids=variant_id)
def variant(request) -> tuple[str, str]:
    return request.param


def require_tool(program: str, env_var: str) -> str:
    """The path of ``program``; skip when absent, but fail when ``env_var`` demands it."""
    path = shutil.which(program)
    if path is None:
        message = f"{program} is not installed"
        if os.environ.get(env_var) == "1":
            pytest.fail(f"{message}, and {env_var}=1 requires it")
        pytest.skip(message)
    return path


def require_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("MLESYM_REQUIRE_TORCH") == "1":
            pytest.fail("torch is not installed, and MLESYM_REQUIRE_TORCH=1 requires it")
        pytest.skip("torch is not installed (pip install torch==2.13.0)")
    return torch


def require_boosting(module: str):
    """xgboost or lightgbm; MLESYM_REQUIRE_BOOSTING=1 (set by .ci/run) makes them mandatory."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("MLESYM_REQUIRE_BOOSTING") == "1":
            pytest.fail(f"{module} is not installed, and MLESYM_REQUIRE_BOOSTING=1 requires it")
        pytest.skip(f"{module} is not installed (pip install 'mlesym[boosting]')")


def require_jax():
    try:
        import jax
    except ImportError:
        if os.environ.get("MLESYM_REQUIRE_JAX") == "1":
            pytest.fail("jax is not installed, and MLESYM_REQUIRE_JAX=1 requires it")
        pytest.skip("jax is not installed (pip install jax)")
    jax.config.update("jax_enable_x64", True)  # float64 parity, as the tests compare in float64
    return jax


def require_backend(name: str):
    """The array library of backend ``name`` (numpy, torch, jax): skip without it, but fail
    when MLESYM_REQUIRE_<NAME>=1 demands it."""
    if name == "torch":
        return require_torch()
    if name == "jax":
        return require_jax()
    return pytest.importorskip(backends.get(name).module)


@pytest.fixture(autouse=True)
def _backend_is_installed(request):
    """A test parametrized with `backend` needs that backend: skip without it (fail in CI)."""
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("backend") if callspec else None
    if backend is not None:
        require_backend(backend)


def compile_latex(text: str, directory, name: str = "doc") -> str:
    """Compile ``text`` with a real pdflatex (no shell escape); its log, after asserting that
    it compiled with no error and no overfull box."""
    import re
    import subprocess

    pdflatex = require_tool("pdflatex", "MLESYM_REQUIRE_TEX")
    (directory / f"{name}.tex").write_text(text)
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    log = (directory / f"{name}.log").read_text(errors="replace")
    assert result.returncode == 0, log[-2000:]
    assert (directory / f"{name}.pdf").stat().st_size > 1000
    assert not re.search(r"^! ", log, re.MULTILINE), log[-2000:]
    assert "Overfull \\hbox" not in log, "an equation runs off the page"
    return log


def katex_errors(formulas: list[tuple[str, bool]]) -> list:
    """What a real KaTeX says about each (formula, display) pair: [] when all parse."""
    return _katex("katex_check.js", formulas)


def katex_mathml(formulas: list[tuple[str, bool]]) -> list[str]:
    """KaTeX's MathML of each (formula, display) pair."""
    return _katex("katex_mathml.js", formulas)


def _katex(script: str, formulas: list[tuple[str, bool]]):
    import json
    import subprocess
    from pathlib import Path

    node = require_tool("node", "MLESYM_REQUIRE_KATEX")
    root = Path(__file__).resolve().parent.parent
    katex = Path(os.environ.get("MLESYM_KATEX_DIR", root / ".cache/node/node_modules/katex"))
    if not katex.is_dir():
        message = f"KaTeX is not installed at {katex} (npm install --prefix .cache/node katex)"
        if os.environ.get("MLESYM_REQUIRE_KATEX") == "1":
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        [node, str(Path(__file__).parent / script)],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KATEX_MODULE": str(katex)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def math_of_markdown(text: str) -> list[tuple[str, bool]]:
    """The display ($$...$$ blocks) and inline ($...$) math of a Markdown document."""
    import re

    blocks = re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^\$\$\n.*?\n\$\$$", "", text, flags=re.MULTILINE | re.DOTALL)
    inline = re.findall(r"(?<![\\$])\$([^$\n]+)\$", prose)
    return [(b, True) for b in blocks] + [(m, False) for m in inline]


def run_mlesym(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m mlesym ARGS`` from the repository root, with no standard input."""
    import sys
    from pathlib import Path

    return subprocess.run(
        [sys.executable, "-m", "mlesym", *args],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
