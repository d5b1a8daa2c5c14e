"""What a cold `mlesym derive` loads: not NumPy (only reference formulas and exports use it)
and not sympy.physics.units (SymPy's simplify imports it to look for physical quantities),
and the stand-in that spares the latter leaves no trace."""

from __future__ import annotations

import subprocess
import sys

import sympy as sp

from mlesym.engine.mle import UNITS, _tidy, _units_unloaded

DERIVE = """
import sys
import mlesym
text = mlesym.derive("gaussian").to_markdown()
assert "the predicted parameter is" in text, text
print(sorted(m for m in ("numpy", "sympy.physics.units", "sympy.physics") if m in sys.modules))
"""


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_deriving_the_gaussian_loads_neither_numpy_nor_the_units():
    assert _fresh(DERIVE) == "[]"


def test_after_mlesym_the_real_units_module_is_imported():
    code = """
import mlesym
mlesym.derive("gaussian").to_markdown()
from sympy.physics.units import Quantity, meter
print(type(meter).__name__, Quantity.__module__)
"""
    assert _fresh(code) == "Quantity sympy.physics.units.quantities"


def test_with_another_thread_running_the_real_module_is_imported():
    code = """
import sys, threading
import mlesym
waiting = threading.Event()
threading.Thread(target=waiting.wait, daemon=True).start()
mlesym.derive("gaussian").to_markdown()
print("sympy.physics.units" in sys.modules)
waiting.set()
"""
    assert _fresh(code) == "True"


def test_physical_quantities_still_simplify_as_in_sympy():
    from sympy.physics.units import centimeter, meter

    expr = meter / (100 * centimeter) + sp.Symbol("z")
    assert _tidy(expr) == sp.simplify(expr, doit=False) == 1 + sp.Symbol("z")


def test_the_stand_in_is_removed_even_when_simplify_fails():
    saved = sys.modules.pop(UNITS, None)
    try:
        try:
            with _units_unloaded():
                stand_in = sys.modules.get(UNITS)
                raise RuntimeError
        except RuntimeError:
            pass
        assert stand_in is not None and UNITS not in sys.modules
    finally:
        if saved is not None:
            sys.modules[UNITS] = saved
