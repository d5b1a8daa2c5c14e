"""The example notebook runs top to bottom in a real Jupyter kernel, and shows the
derivation as HTML with MathML, a picture, and a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "mlesym.ipynb"


@pytest.mark.slow
def test_the_example_notebook_executes_and_displays_the_derivation():
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o.get("data", {}) for o in outputs if o.output_type == "execute_result"]
    html = [data["text/html"] for data in shown if "text/html" in data]
    assert any("Gaussian" in page and "<math" in page for page in html)
    assert any("<svg" in data.get("image/svg+xml", "") for data in shown)
    assert any("The given loss" in page for page in html)  # the verified formula, a step
    assert any("text/markdown" in data and "text/latex" in data for data in shown)


STUDENT_T = NOTEBOOK.parent / "student_t_xgboost.ipynb"


@pytest.mark.slow
def test_the_student_t_xgboost_notebook_executes_and_beats_squared_error():
    """Student-t regression with XGBoost through mlesym's objective, on data with 8 %
    outliers: it runs top to bottom, plots, and its fit is closer to the noise-free curve
    and has the lower held-out NLL than the squared-error model."""
    import re

    import nbformat
    from nbclient import NotebookClient

    from conftest import require_boosting

    require_boosting("xgboost")
    notebook = nbformat.read(STUDENT_T, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    rmse = dict(
        re.findall(r"^(Student-t \(mlesym\)|squared error)\s+RMSE.*: ([\d.]+)$", printed, re.M)
    )
    assert float(rmse["Student-t (mlesym)"]) < 0.5 * float(rmse["squared error"]), printed
    nll = re.search(r"'Student-t \(mlesym\)': ([\d.]+), 'squared error': ([\d.]+)", printed)
    assert float(nll.group(1)) < float(nll.group(2)), printed
    assert any("image/png" in o.get("data", {}) for o in outputs if o.output_type == "display_data")
