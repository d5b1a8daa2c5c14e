"""The helpers of the exported losses, one module per backend, as real Python.

They are linted and unit-tested like any other code, and never imported by an exported
loss: ``helper_source`` copies the source of the helpers an expression needs, and of the
helpers those call, into the generated file, which stays standalone. The modules are read
as text (``ast``), so writing PyTorch source needs no PyTorch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@cache
def _definitions(module: str) -> dict[str, tuple[int, str, frozenset[str]]]:
    """name -> (position, source, names it uses) for each top-level definition of a runtime
    module: a ``def``, or a ``try:`` that assigns a name (a SciPy import with a fallback)."""
    text = (HERE / f"{module}.py").read_text()
    found: dict[str, tuple[int, str, frozenset[str]]] = {}
    for position, node in enumerate(ast.parse(text).body):
        if isinstance(node, ast.FunctionDef):
            name = node.name
        elif isinstance(node, ast.Try):
            targets = [t for n in ast.walk(node) if isinstance(n, ast.Assign) for t in n.targets]
            imported = [
                a.asname for n in ast.walk(node) if isinstance(n, ast.ImportFrom) for a in n.names
            ]
            names = [t.id for t in targets if isinstance(t, ast.Name)] + [a for a in imported if a]
            if not names:
                continue
            name = names[0]
        else:
            continue
        used = frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
        found[name] = (position, ast.get_source_segment(text, node), used)
    return found


def names(module: str) -> frozenset[str]:
    """The helpers a runtime module defines."""
    return frozenset(_definitions(module))


def closure(module: str, wanted: Iterable[str]) -> list[str]:
    """``wanted`` and every helper they call, in the order of the module."""
    definitions = _definitions(module)
    missing = set(wanted) - set(definitions)
    if missing:
        raise KeyError(f"runtime/{module}.py defines no {', '.join(sorted(missing))}")
    todo, seen = list(wanted), set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(sorted(definitions[name][2] & set(definitions) - seen))
    return sorted(seen, key=lambda name: definitions[name][0])


def helper_source(module: str, wanted: Iterable[str]) -> tuple[str, bool]:
    """The source of ``wanted`` and the helpers they call, and whether it uses ``math``."""
    definitions = _definitions(module)
    chosen = closure(module, wanted)
    text = "\n\n\n".join(definitions[name][1] for name in chosen)
    return text, any("math" in definitions[name][2] for name in chosen)
