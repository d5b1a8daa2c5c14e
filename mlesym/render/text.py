"""Prose inside documents: text escaped for each format, with inline math between $...$
kept as it is (LaTeX, MathML or Markdown math). A value a template prints can never inject
markup: LaTeX commands, HTML tags or Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from ..printing.mathml import mathml, plain


class TeX(str):
    """A string that is LaTeX already (an equation, escaped prose): printed as it is, where
    any other value a .tex template prints is escaped as text."""


def finalize_tex(value):
    """What ``\\VAR{...}`` prints in a LaTeX template: TeX and numbers as they are, all else
    escaped, so that a value can never inject LaTeX commands."""
    if isinstance(value, TeX | Markup | int | float):
        return value
    return tex_text(str(value))


_MATH = re.compile(r"(\$[^$]+\$)")


_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


_CODE = re.compile(r"`([^`]+)`")


def _transcribe(
    text: str,
    math: Callable[[str], str],
    prose: Callable[[str], str],
    code: Callable[[str], str] | None = None,
) -> str:
    """``text`` with each inline $...$ formula, each `code` span (when ``code`` is given)
    and the prose between them put through its own function."""

    def outside(part: str) -> str:
        if code is None:
            return prose(part)
        pieces = _CODE.split(part)  # odd positions are code spans
        return "".join(code(p) if index % 2 else prose(p) for index, p in enumerate(pieces))

    parts = _MATH.split(text)  # odd positions are formulas; a lone "$" stays prose
    return "".join(
        math(part[1:-1]) if index % 2 else outside(part) for index, part in enumerate(parts)
    )


def _inline(formula: str) -> str:
    return f"${formula}$"


def _tex_escape(part: str) -> str:
    return "".join(_TEX_SPECIALS.get(c, c) for c in part)


def tex_text(text: str) -> TeX:
    """Escape LaTeX specials in prose, keeping inline $...$ math as it is; `code` becomes
    typewriter text that may break after its dots and underscores."""

    def typewriter(piece: str) -> str:
        breakable = _tex_escape(piece).replace(".", r".\allowbreak{}")
        return r"\texttt{" + breakable.replace(r"\_", r"\_\allowbreak{}") + "}"

    return TeX(_transcribe(text, _inline, _tex_escape, typewriter))


def html_text(text: str) -> Markup:
    """Prose as HTML: escaped, `code` in <code>, inline $...$ math as MathML."""
    return Markup(
        _transcribe(text, mathml, lambda p: str(escape(p)), lambda c: f"<code>{escape(c)}</code>")
    )


def plain_text(text: str) -> str:
    """Prose with its inline math read as text, for places without markup (<title>)."""
    return _transcribe(text, plain, str)


def md_text(text: str) -> str:
    """Escape Markdown emphasis in prose, keeping inline $...$ math as it is."""
    return _transcribe(text, _inline, lambda part: re.sub(r"([*_`<>])", r"\\\1", part))
