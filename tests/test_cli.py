"""The mlesym command, run as a user runs it: exit codes, one-line errors, files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlesym.families import names

ROOT = Path(__file__).resolve().parent.parent


def mlesym(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlesym", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_list_shows_every_family_link_and_loss():
    result = mlesym("list")
    assert result.returncode == 0, result.stderr
    for fragment in ("gaussian", "MSE", "bernoulli", "logit", "categorical", "softmax", "MAE"):
        assert fragment in result.stdout


def test_derive_prints_markdown_and_latex():
    md = mlesym("derive", "gaussian")
    assert md.returncode == 0 and md.stdout.startswith("# Gaussian")
    assert r"\operatorname*{arg\,min}_{\theta}" in md.stdout
    tex = mlesym("derive", "bernoulli", "--link", "logit", "--format", "tex")
    assert tex.returncode == 0 and r"\begin{document}" in tex.stdout
    assert "softplus" in tex.stdout


def test_derive_writes_a_file(tmp_path):
    target = tmp_path / "laplace.md"
    result = mlesym("derive", "laplace", "-o", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert "MAE" in target.read_text()
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


def test_export_prints_source_that_computes_the_loss():
    result = mlesym("export", "categorical", "--link", "softmax")
    assert result.returncode == 0, result.stderr
    namespace: dict = {}
    exec(compile(result.stdout, "exported", "exec"), namespace)
    fn = namespace["categorical_softmax_ce"]
    logits = np.array([[2.0, 0.0, -1.0]])
    expected = -2.0 + np.log(np.exp(2.0) + 1.0 + np.exp(-1.0))  # by hand
    assert fn(logits, np.array([0])) == pytest.approx(expected, rel=1e-14)


def test_build_writes_the_gallery_and_the_committed_outputs_are_fresh(tmp_path):
    """`mlesym build` from the command line; what it writes must equal outputs/ (else run it)."""
    result = mlesym("build", "--out", str(tmp_path / "gallery"), timeout=900)  # ~2 min
    assert result.returncode == 0, result.stderr
    built = {p.name: p.read_text() for p in (tmp_path / "gallery").iterdir() if p.suffix != ".json"}
    count = len(names())  # every registered family, none from a cache
    assert f"{count} families derived, 0 unchanged (cache)" in result.stderr  # progress, totals
    assert re.search(rf"^\[ 1/{count}\] \w+: \d+ files", result.stderr, re.MULTILINE)
    assert {"README.md", "index.html", "gaussian.html", "gaussian.svg", "gaussian.tex"} <= set(
        built
    )
    assert "regression-losses.svg" in built and "categorical-softmax.md" in built
    outputs = Path(__file__).resolve().parents[1] / "outputs"
    present = {p.name for p in outputs.iterdir() if p.suffix in (".md", ".tex", ".html", ".svg")}
    assert present == set(built), "run `mlesym build` to regenerate outputs/"
    stale = [name for name, text in built.items() if (outputs / name).read_text() != text]
    assert not stale, f"stale files in outputs/ (run `mlesym build`): {stale}"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["derive", "gausian"],
            "unknown family 'gausian'; choose from: asymmetric_laplace, bernoulli",
        ),
        (["derive", "gaussian", "--link", "logit"], "unknown link 'logit' for family 'gaussian'"),
        (["derive", "gaussian", "--format", "docx"], "choose from 'md', 'tex'"),
        (
            ["derive", "gaussian", "--colour"],
            "valid options: --force, --format, --help, --link, --no-plot, --output",
        ),
        (
            ["export", "bernoulli", "--link", "tobit"],
            "choose from: identity, logit, probit, cloglog",
        ),
        (["export", "gaussian", "--reduction", "avg"], "choose from 'none', 'mean', 'sum'"),
        (["frobnicate"], "choose from 'list', 'derive', 'export', 'verify', 'identify', 'build'"),
        ([], "a command is required"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragment):
    result = mlesym(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert fragment in result.stderr


def test_bad_input_leaves_no_file(tmp_path):
    target = tmp_path / "out.md"
    result = mlesym("derive", "nonexistent", "-o", str(target))
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory_is_one_line(tmp_path):
    result = mlesym("derive", "gaussian", "-o", str(tmp_path / "no" / "such" / "dir.md"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_export_backend_source_runs(backend):
    from conftest import require_jax, require_torch

    (require_torch if backend == "torch" else require_jax)()
    result = mlesym("export", "bernoulli", "--link", "logit", "--backend", backend)
    assert result.returncode == 0, result.stderr
    namespace: dict = {}
    exec(compile(result.stdout, "exported", "exec"), namespace)
    value = namespace["bernoulli_logit_bce"](np.array([0.0, 2.0]), np.array([1.0, 0.0]))
    expected = np.mean([np.log(2.0), 2.0 + np.log1p(np.exp(-2.0))])  # softplus by hand
    assert float(value) == pytest.approx(expected, rel=1e-6)


def test_numpy_backend_imports_neither_torch_nor_jax():
    code = (
        "import sys, numpy, mlesym\n"
        "ce = mlesym.loss_function('categorical', link='softmax')\n"
        "ce(numpy.zeros((2, 3)), numpy.array([0, 1]))\n"
        "print(sorted(m for m in ('torch', 'jax', 'scipy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_parameter_option_is_not_taken_for_a_prefix_of_another_option():
    """--r (negative binomial dispersion) must not be read as --reduction."""
    result = mlesym("export", "negative_binomial", "--r", "learned")
    assert result.returncode == 0, result.stderr
    assert "def negative_binomial_log_r_learned_nb_nll(input, target, dispersion," in result.stdout
    result = mlesym("export", "gaussian", "--red", "sum")
    assert result.returncode == 2
    assert "unrecognized argument '--red'" in result.stderr
