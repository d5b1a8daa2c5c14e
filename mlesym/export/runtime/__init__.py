"""The helpers of the exported losses, one module per backend, as real Python.

They are linted and unit-tested like any other code, and never imported by an exported
loss: ``helper_source`` copies the source of the helpers an expression needs, and of the
helpers those call, into the generated file, which stays standalone. The modules are read
as text (``ast``), so writing PyTorch source needs no PyTorch. A helper alike in every
backend but for the namespace is written once, in ``common.py``, over ``xp``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


COMMON = "common"


@cache
def _definitions(module: str) -> dict[str, tuple[int, str, frozenset[str]]]:
    """name -> (position, source, names it uses) for each helper a backend's module has:
    its own top-level definitions (a ``def``, or a ``try:`` that assigns a name, such as a
    SciPy import with a fallback), then those of ``common.py`` it does not define itself."""
    own = _parsed(module)
    if module == COMMON:
        return own
    shared = {k: (len(own) + p, s, u) for k, (p, s, u) in _parsed(COMMON).items() if k not in own}
    return {**own, **shared}


@cache
def _parsed(module: str) -> dict[str, tuple[int, str, frozenset[str]]]:
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


def helper_source(
    module: str, wanted: Iterable[str], namespace: str | None = None
) -> tuple[str, bool]:
    """The source of ``wanted`` and the helpers they call, ``xp.`` spelled ``namespace.``
    (the module's name by default), and whether it uses ``math``."""
    definitions = _definitions(module)
    chosen = closure(module, wanted)
    text = "\n\n\n".join(definitions[name][1] for name in chosen)
    text = re.sub(r"\bxp\.", f"{namespace or module}.", text)
    return text, any("math" in definitions[name][2] for name in chosen)
