"""The document formats: a registry read by the command line, the gallery, ``Derivation``
and reports. A format is one ``Format`` entry plus its templates; PDF is LaTeX compiled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import UnknownChoiceError


@dataclass(frozen=True)
class Format:
    """One kind of document.

    ``source``: the format it is rendered in first, when it is made from another (PDF from
    LaTeX), and ``compile`` what makes it from that; ``latex_syntax``: templates written with
    ``\\VAR{...}`` and ``\\BLOCK{...}`` (LaTeX's braces would clash with Jinja's);
    ``escape``: the name of the text filter of ``render.text`` that templates use for prose.
    """

    name: str
    label: str  # for the gallery's index: "Markdown"
    suffix: str
    derivation_template: str = ""
    report_template: str = ""
    escape: str = "md_text"
    autoescape: bool = False
    latex_syntax: bool = False
    mathml: bool = False  # the math, display and plain filters: MathML for inline math
    embeds_plot: bool = False  # its document shows the loss plot (as inline SVG)
    in_gallery: bool = True
    index_rank: int = 0  # the order of its links in the gallery's index (HTML first)
    source: str | None = None
    compile: Callable[[str], bytes] | None = None

    @property
    def binary(self) -> bool:
        return self.compile is not None


def _compile_pdf(tex: str) -> bytes:
    from .pdf import compile_pdf

    return compile_pdf(tex)


_REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    _REGISTRY[fmt.name] = fmt
    return fmt


def get(name: str) -> Format:
    if name not in _REGISTRY:
        raise UnknownChoiceError("format", name, _REGISTRY)
    return _REGISTRY[name]


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def rendered() -> tuple[str, ...]:
    """The formats rendered from templates directly (all but compiled ones such as PDF)."""
    return tuple(name for name, fmt in _REGISTRY.items() if fmt.source is None)


def gallery() -> tuple[Format, ...]:
    """The formats the gallery writes for each derivation, in the order of its index."""
    return tuple(
        sorted((f for f in _REGISTRY.values() if f.in_gallery), key=lambda f: f.index_rank)
    )


MARKDOWN = register(
    Format(
        "md", "Markdown", ".md", "derivation.md.j2", "report.md.j2", embeds_plot=True, index_rank=1
    )
)
LATEX = register(
    Format(
        "tex",
        "LaTeX",
        ".tex",
        "derivation.tex.j2",
        "report.tex.j2",
        escape="tex_text",
        latex_syntax=True,
        index_rank=2,
    )
)
HTML = register(
    Format(
        "html",
        "HTML",
        ".html",
        "derivation.html.j2",
        "report.html.j2",
        escape="html_text",
        autoescape=True,
        mathml=True,
        embeds_plot=True,
    )
)
PDF = register(Format("pdf", "PDF", ".pdf", in_gallery=False, source="tex", compile=_compile_pdf))
