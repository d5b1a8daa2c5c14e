"""The README's Python example runs as written, and its commands are the ones CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_python_example_runs():
    example = re.search(r"^```python\n(.*?)^```", README, re.MULTILINE | re.DOTALL).group(1)
    assert "mlesym.derive" in example and "d.plot()" in example
    result = subprocess.run(
        [sys.executable, "-c", example], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_ci_runs_the_readme_test_command():
    commands = re.search(r"^```sh\n(.*?)^```", README, re.MULTILINE | re.DOTALL).group(1)
    build, test = (line.split("#")[0].strip() for line in commands.strip().splitlines()[:2])
    assert build.endswith("python -m mlesym build") and test.endswith("python -m pytest")
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith(test)
