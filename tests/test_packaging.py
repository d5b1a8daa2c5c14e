"""A plain, non-editable install renders: the templates travel inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_renders_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)],
        check=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    (wheel,) = wheels.glob("mlesym-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mlesym/templates/derivation.md.j2" in names
    assert "mlesym/templates/derivation.tex.j2" in names

    # dependencies come from this interpreter's site-packages; mlesym only from the wheel
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", str(wheel)],
        check=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [env_dir / "bin" / "mlesym", "derive", "gaussian", "--format", "tex"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert r"\begin{document}" in run.stdout
    located = subprocess.run(
        [python, "-c", "import mlesym.resources as r; print(r.templates_dir())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert str(env_dir) in located.stdout, "templates were not found inside the install"
