"""A verdict as a document: the steps by which mlesym decided what a loss formula is.

``verify`` and ``identify`` reach their verdicts by computations (derivatives compared by
SymPy, a counterexample evaluated at 40 digits, a normalizer integrated); a Report lists
them in order, each with its equation and how it was established, and renders through the
templates like a derivation.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnknownChoiceError
from . import formats


@dataclass(frozen=True)
class Finding:
    """One step of a verdict: a titled equation, why it holds, and how it was checked."""

    title: str
    explanation: str  # prose; inline math between $...$
    equation: str  # LaTeX, displayed
    check: str  # how mlesym established it


@dataclass(frozen=True)
class Report:
    """The verdict on a loss formula, step by step."""

    title: str
    verdict: str  # one sentence, the conclusion
    findings: tuple[Finding, ...]

    def render(self, fmt: str, templates: str | None = None) -> str:
        """The report in ``fmt``; ``templates``: a folder of the user's templates."""
        from .environment import plain_record, render_template

        chosen = formats.get(fmt)
        if chosen.source is not None:
            raise UnknownChoiceError("format", fmt, formats.rendered())
        report = {
            "title": self.title,
            "verdict": self.verdict,
            "findings": tuple(plain_record(finding) for finding in self.findings),
        }
        return render_template(fmt, chosen.report_template, templates, report=report)

    def to_markdown(self) -> str:
        return self.render("md")

    def to_latex(self) -> str:
        return self.render("tex")

    def to_html(self) -> str:
        return self.render("html")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()
