"""Benchmark: two source trees of mlesym side by side, interleaved in one run.

Run from the repository root:  python benchmarks/bench_trees.py BEFORE [AFTER]
BEFORE and AFTER are checkouts (AFTER defaults to this one), e.g. made by
`git worktree add /tmp/before <commit>`. For each tree, in alternation, it times a cold
`mlesym derive gaussian`, a cold `mlesym build` into an empty folder and an unchanged
rebuild, and prints medians, every run and the after/before ratios (a machine's noise hits
both trees alike). It writes benchmarks/TREES.md.
"""

from __future__ import annotations

import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def once(tree: Path, args: list[str]) -> float:
    """Wall time of a fresh `python -m mlesym ARGS` running ``tree``'s code."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mlesym", *args],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def runs(times: list[float]) -> str:
    listed = ", ".join(f"{t:.2f}" for t in sorted(times))
    return f"{statistics.median(times):.2f} s ({listed})"


def main() -> None:
    before = Path(sys.argv[1]).resolve()
    after = Path(sys.argv[2]).resolve() if len(sys.argv) > 2 else ROOT
    trees = {"before": before, "after": after}
    for tree in trees.values():  # as after `pip install`, which compiles the package
        compileall.compile_dir(tree / "mlesym", quiet=1)
    derive = {name: [] for name in trees}
    cold = {name: [] for name in trees}
    warm = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(9):
            for name, tree in trees.items():
                derive[name].append(once(tree, ["derive", "gaussian"]))
        for run in range(3):
            for name, tree in trees.items():
                cold[name].append(once(tree, ["build", "--out", f"{scratch}/{name}{run}"]))
        for _ in range(15):
            for name, tree in trees.items():
                warm[name].append(once(tree, ["build", "--out", f"{scratch}/{name}0"]))

    def row(what: str, times: dict) -> str:
        ratio = statistics.median(times["after"]) / statistics.median(times["before"])
        return f"| {what} | {runs(times['before'])} | {runs(times['after'])} | {ratio:.2f}x |"

    commits = {
        name: subprocess.run(
            ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        for name, tree in trees.items()
    }
    lines = [
        "# Two trees side by side",
        "",
        f"Command: `python benchmarks/bench_trees.py BEFORE` with BEFORE at {commits['before']}"
        f" and this tree at {commits['after']} (plus its uncommitted changes, if any).",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; the trees alternate run by run; medians.",
        "",
        "| command (fresh process) | before | after | after / before |",
        "|---|---|---|---|",
        row("`mlesym derive gaussian` (9 runs each)", derive),
        row("`mlesym build`, cold: empty folder (3 runs each)", cold),
        row("`mlesym build`, warm: unchanged rebuild (15 runs each)", warm),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "TREES.md").write_text(text)


if __name__ == "__main__":
    main()
