"""Where mlesym's data files are: the Jinja2 templates, shipped inside the wheel as
``mlesym/templates`` and kept at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    """The templates: inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "derivation.md.j2").is_file():
            return candidate
    raise FileNotFoundError("mlesym's templates are missing from this installation")
