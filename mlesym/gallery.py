"""The gallery: every family and link as Markdown and LaTeX, plus an index, in one folder."""

from __future__ import annotations

from pathlib import Path

from .api import derive
from .families import get, names
from .render import FORMATS, document_name, environment, render


def documents() -> dict[str, str]:
    """File name -> contents, for the whole gallery."""
    files: dict[str, str] = {}
    rows = []
    for name in names():
        for link, variants in variants_of(name):
            d = derive(name, link, **variants)
            stem = document_name(d)
            for fmt in FORMATS:
                files[f"{stem}.{fmt}"] = render(d, fmt)
            rows.append({"stem": stem, "derivation": d, "mle": _mle_cell(d)})
    files["README.md"] = environment("md").get_template("index.md.j2").render(rows=rows)
    return files


def _mle_cell(d) -> str:
    """The constant model's MLE for the index: a formula when solved, else its name."""
    from .mle import constant_mle
    from .printing import latex

    result = constant_mle(d)
    if result is not None and result.parameter is not None:
        return f"${latex(result.parameter)}$"
    return d.mle_name or "no closed form"


def variants_of(name: str) -> list[tuple[str, dict[str, str]]]:
    """Every link with all parameters fixed, then each learned form of each parameter."""
    family = get(name)
    chosen: list[tuple[str, dict[str, str]]] = [(link.name, {}) for link in family.links]
    for param in family.params:
        for option in param.learned:
            chosen.append((family.links[0].name, {param.name: option.variant}))
    return chosen


def build(out: Path) -> list[Path]:
    """Write the gallery into ``out``; return the paths written."""
    from .cli import write_atomically

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in documents().items():
        path = out / filename
        write_atomically(path, text)
        written.append(path)
    return written
