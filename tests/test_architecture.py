"""The import contract: mlesym's subpackages form layers, and no module imports upward.

The graph is built from the source with ``ast``: every ``import`` and ``from ... import`` of
an mlesym module, at module level and inside functions alike (a function-level import is a
dependency too; only ``if TYPE_CHECKING:`` blocks, which never run, are left out). A layer
may import any layer below it; siblings on one line may not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mlesym"

# Highest first. Names on one line are independent siblings.
LAYERS = [
    ["__main__"],
    ["cli"],
    ["__init__"],
    ["boosting"],
    ["api"],
    ["build"],
    ["check"],
    ["render"],
    ["export"],
    ["pipeline"],
    ["printing", "families"],
    ["engine"],
    ["safety"],
    ["errors", "_version", "resources"],
]

# The deliberate upward imports, each with its reason. Every one is a function-level import.
EXCEPTIONS = {
    ("engine.derivation", "render.document"): "Derivation.to_markdown/to_latex/to_html "
    "and _repr_html_, the notebook facade (as SymPy's Basic.__str__ reaches sympy.printing)",
    ("engine.derivation", "render.plots"): "Derivation.plot, the notebook facade",
    ("engine.derivation", "export.source"): "Derivation.loss_function, the notebook facade",
    ("engine.derivation", "printing.readback"): "Derivation._repr_latex_, the notebook facade",
    ("engine.family", "families"): "Family.__reduce__ pickles a catalogue family by its "
    "registry name",
}


def layer_of(module: str) -> int:
    top = module.split(".")[0]
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"mlesym.{module} is in no layer of the import contract")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The mlesym module that ``name`` (dotted, without the ``mlesym.`` prefix) names."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: str) -> list[tuple[str, bool]]:
    """(imported module, at module level) for each import in ``module``."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if module == "__init__":
        package = []
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            inner = top and not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - child.level + 1]
                elif child.module and child.module.split(".")[0] == "mlesym":
                    base = []
                else:
                    continue
                stem = (child.module or "").removeprefix("mlesym").lstrip(".")
                if not child.level:
                    stem = (child.module or "").removeprefix("mlesym").lstrip(".")
                prefix = ".".join(base + ([stem] if stem else []))
                for alias in child.names:
                    target = _resolve(f"{prefix}.{alias.name}" if prefix else alias.name)
                    if target is None and prefix:
                        target = _resolve(prefix)
                    if target is not None and target != module:
                        found.append((target, inner))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "mlesym":
                        target = _resolve(alias.name.removeprefix("mlesym").lstrip("."))
                        if target and target != module:
                            found.append((target, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text()), True)
    return found


def test_every_module_is_in_a_layer_and_has_a_docstring():
    for module, path in MODULES.items():
        layer_of(module)
        assert ast.get_docstring(ast.parse(path.read_text())), f"mlesym.{module}: no docstring"


def test_no_module_imports_a_higher_layer_or_a_sibling():
    violations = []
    for module in MODULES:
        for target, _ in imports(module):
            if (module, target) in EXCEPTIONS or (module, target.split(".")[0]) in EXCEPTIONS:
                continue
            mine, theirs = layer_of(module), layer_of(target)
            same_top = module.split(".")[0] == target.split(".")[0]
            if theirs < mine or (theirs == mine and not same_top):
                violations.append(f"mlesym.{module} imports mlesym.{target}")
    assert not violations, "\n".join(sorted(set(violations)))


def test_every_exception_is_still_needed():
    used = {
        key
        for module in MODULES
        for target, _ in imports(module)
        for key in ((module, target), (module, target.split(".")[0]))
    }
    assert set(EXCEPTIONS) <= used, set(EXCEPTIONS) - used


def test_exceptions_are_function_level_imports():
    for module in MODULES:
        for target, top in imports(module):
            if (module, target) in EXCEPTIONS or (module, target.split(".")[0]) in EXCEPTIONS:
                assert not top, f"mlesym.{module} imports mlesym.{target} at module level"


def test_no_import_cycle_at_module_level():
    graph = {m: {t for t, top in imports(m) if top} for m in MODULES}
    # a package __init__ importing its submodules is not a cycle through them
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            connect(v)
    assert not cycles, cycles


@pytest.mark.parametrize("package", sorted({m.split(".")[0] for m in MODULES if "." in m}))
def test_subpackage_init_is_light(package):
    """An __init__ that imported its modules would slow every cold start (test_cold_start)."""
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text())
    if package == "families":  # the registry: discovers the family files, imports nothing else
        return
    assert all(isinstance(node, ast.Expr) for node in tree.body), f"mlesym/{package}/__init__.py"


def _defined(module: str) -> set[str]:
    """The names a module defines at its top level (what ``from it import name`` may ask)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def test_every_internal_import_names_something_that_exists():
    """Function-level imports are invisible to the linter: a name moved away from a module
    would only fail when that function runs. Every ``from mlesym.x import name`` is checked."""
    missing = []
    for module, path in MODULES.items():
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        if module == "__init__":
            package = []
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[: len(package) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "mlesym":
                prefix = node.module.removeprefix("mlesym").lstrip(".")
            else:
                continue
            for alias in node.names:
                target = f"{prefix}.{alias.name}" if prefix else alias.name
                if target in MODULES:
                    continue  # a submodule
                if prefix not in MODULES:
                    missing.append(f"mlesym.{module}: no module mlesym.{prefix}")
                elif alias.name not in _defined(prefix):
                    missing.append(f"mlesym.{module}: mlesym.{prefix} has no {alias.name}")
    assert not missing, "\n".join(sorted(set(missing)))
