"""Render a verified derivation through the Jinja2 templates in ``templates/``.

Templates hold layout only; every formula comes from the printer and every relation
symbol from the step's Relation.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from ..engine.derivation import Derivation, Step
from ..errors import MlesymError, UnknownChoiceError
from ..printing.mathml import mathml, plain
from ..printing.readback import shown_equation, shown_latex
from ..resources import templates_dir

FORMATS = {"md": "derivation.md.j2", "tex": "derivation.tex.j2", "html": "derivation.html.j2"}
ARGMIN = r"\operatorname*{arg\,min}_{\theta}"
ARGMAX = r"\operatorname*{arg\,max}_{\theta}"


class TeX(str):
    """A string that is LaTeX already (an equation, escaped prose): printed as it is, where
    any other value a .tex template prints is escaped as text."""


def _finalize_tex(value):
    """What ``\\VAR{...}`` prints in a LaTeX template: TeX and numbers as they are, all else
    escaped, so that a value can never inject LaTeX commands."""
    if isinstance(value, TeX | Markup | int | float):
        return value
    return tex_text(str(value))


class TemplateError(MlesymError):
    """A template that does not parse or does not render, named with its file and line."""


def check_templates(templates: str) -> Path:
    """The user's folder of templates, or a one-line error when there is none."""
    folder = Path(templates)
    if not folder.is_dir():
        raise MlesymError(f"--templates: {templates} is not a folder of Jinja2 templates")
    return folder


@cache
def environment(fmt: str, templates: str | None = None) -> jinja2.Environment:
    """A sandboxed Jinja2 environment for ``fmt``: HTML autoescaped, LaTeX escaped (and
    written with \\VAR{...} and \\BLOCK{...}); ``templates``, a folder whose templates
    override mlesym's own of the same name."""
    loaders = [jinja2.FileSystemLoader(str(templates_dir()))]
    if templates is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(check_templates(templates))))
    options: dict = {
        "loader": jinja2.ChoiceLoader(loaders),
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": fmt == "html",
    }
    if fmt == "tex":
        options.update(
            block_start_string=r"\BLOCK{",
            block_end_string="}",
            variable_start_string=r"\VAR{",
            variable_end_string="}",
            comment_start_string=r"\#{",
            comment_end_string="}",
            line_comment_prefix="%#",
            finalize=_finalize_tex,
        )
    env = ImmutableSandboxedEnvironment(**options)
    env.filters["text"] = {"tex": tex_text, "html": html_text}.get(fmt, md_text)
    if fmt == "html":
        env.filters["math"] = lambda tex: Markup(mathml(tex))
        env.filters["display"] = lambda tex: Markup(mathml(tex, display=True))
        env.filters["plain"] = plain_text
    env.filters["sentence"] = lambda text: text if text.rstrip().endswith(".") else f"{text}."
    env.filters["title"] = document_title
    return env


RENDER_SECONDS = 30.0  # a user's template renders in a bounded worker, like a user's formula
RENDER_MEMORY_MB = 512


def render_template(fmt: str, name: str, templates: str | None = None, /, **context) -> str:
    """Render template ``name``; a broken template is an error naming its file and line.
    The context must be plain data (``require_plain``): a template, which may be the
    user's, never sees a live object whose methods could run code. With a folder of the
    user's templates, rendering runs in a worker bounded in time and memory (a loop over
    ``range(10**9)`` is an error, not a hang)."""
    require_plain(context)
    if templates is None:
        return _render(fmt, name, None, context)
    from ..safety.bounded import UndecidedError, run_bounded

    try:
        return run_bounded(
            _render, fmt, name, templates, context,
            seconds=RENDER_SECONDS, memory_mb=RENDER_MEMORY_MB,
        )  # fmt: skip
    except UndecidedError:
        raise TemplateError(
            f"template {name} from {templates}: rendering did not finish within "
            f"{RENDER_SECONDS:g} s and {RENDER_MEMORY_MB} MB"
        ) from None
    except MlesymError as error:  # the worker's TemplateError, by its message
        raise TemplateError(str(error)) from None


def _render(fmt: str, name: str, templates: str | None, context: dict) -> str:
    try:
        template = environment(fmt, templates).get_template(name)
        return template.render(**context)
    except jinja2.TemplateSyntaxError as error:
        where = error.filename or error.name or name
        raise TemplateError(f"template {where}, line {error.lineno}: {error.message}") from None
    except RecursionError:
        raise TemplateError(
            f"template {name}: recursion too deep (a macro or an extends loop)"
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise TemplateError(f"template {_failing_line(error, name)}: {error}") from None


PLAIN = (str, int, float, bool, type(None))


def require_plain(value: object, where: str = "context") -> None:
    """Raise TypeError unless ``value`` is plain data: strings (LaTeX already printed),
    numbers, booleans, None, and tuples, lists and string-keyed mappings of them."""
    if isinstance(value, PLAIN):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key {key!r} that is not a string")
            require_plain(item, f"{where}.{key}")
    elif isinstance(value, tuple | list):
        for position, item in enumerate(value):
            require_plain(item, f"{where}[{position}]")
    else:
        raise TypeError(f"{where} is a {type(value).__name__}, not plain data")


def plain_record(record: object, fields: Iterable[str] | None = None) -> dict:
    """A dataclass (or any object's named attributes) as a mapping of plain values."""
    names = fields if fields is not None else [f.name for f in dataclasses.fields(record)]
    return {name: getattr(record, name) for name in names}


def _failing_line(error: BaseException, name: str) -> str:
    """'FILE, line N' of the innermost template frame of a rendering error."""
    where = name
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.endswith(".jinja"):
            where = f"{filename}, line {traceback.tb_lineno}"
        traceback = traceback.tb_next
    return where


@dataclass(frozen=True)
class RenderedStep:
    """One step as the templates see it: all strings, all LaTeX already printed."""

    number: int
    title: str
    explanation: str
    equation: str
    relation_symbol: str
    relation_text: str
    check: str


def render(derivation: Derivation, fmt: str, plot=None, templates: str | None = None) -> str:
    """The document of ``derivation`` in format ``fmt`` ('md', 'tex' or 'html'), after
    verifying it; ``plot`` (a plots.Figure) is shown in the Markdown and HTML; ``templates``
    is a folder of the user's templates, overriding mlesym's."""
    return render_all(derivation, [fmt], plot, templates)[fmt]


def render_all(
    derivation: Derivation, formats: Iterable[str], plot=None, templates: str | None = None
) -> dict[str, str]:
    """The documents of ``derivation`` in each of ``formats`` (format -> text), from one
    context: printing the steps is most of the work, and the same for every format."""
    for fmt in formats:
        if fmt not in FORMATS:
            raise UnknownChoiceError("format", fmt, FORMATS)
    derivation.verify()
    context = document_context(derivation)
    figure = None if plot is None else plain_record(plot, ("caption", "path", "svg"))
    return {
        fmt: render_template(fmt, FORMATS[fmt], templates, **context, plot=figure)
        for fmt in formats
    }


def document_context(d: Derivation) -> dict:
    """Everything a derivation template may use, as plain data."""
    senses = d.senses()
    steps = tuple(
        plain_record(
            RenderedStep(
                number=index + 1,
                title=step.title,
                explanation=step.explanation,
                equation=TeX(_equation(step, senses[index])),
                relation_symbol=TeX(_relation_symbol(step, senses)),
                relation_text=_relation_text(step, index, senses),
                check=_check_text(d.checks[index]),
            )
        )
        for index, step in enumerate(d.steps)
    )
    convention = d.convention
    family = d.family
    return {
        "family": {
            "name": family.name,
            "title": family.title,
            "summary": family.summary,
            "statement": TeX(family.statement(r"\cdot")),
            "support": {"name": family.support.name, "latex": TeX(family.support.latex)},
            "notes": tuple(tuple(note) for note in family.notes),
        },
        "link": {"name": d.link.name, "description": d.link.description},
        "convention": plain_record(convention, ("loss_name", "long_name", "sum_name", "torch")),
        "name": document_name(d),
        "title": f"{document_title(d)}: {convention.long_name}",
        "steps": steps,
        "loss": TeX(shown_equation(r"\text{loss}_i", d.loss)),
        "nll": TeX(shown_equation(r"-\log p_{\theta}(y_i \mid x_i)", d.nll)),
        "params": tuple((TeX(shown_latex(p.symbol)), p.description) for p in family.params),
        "checks": _check_summary(d),
        "gradients": tuple(
            TeX(
                shown_equation(
                    rf"\frac{{\partial\, \text{{loss}}_i}}{{\partial {shown_latex(output)}}}", value
                )
            )
            for output, value in _gradient(d).items()
        ),
        "mle": _mle_context(d),
        "canonical": family.canonical_link,
        "regenerate": _regenerate(d),
    }


def _regenerate(d: Derivation) -> str:
    """How a reader makes this document again: the gallery build, or the --pdf command."""
    if d.family.recipe is not None:
        from ..engine.model import command

        return command(d.family, "derive")
    return "mlesym build"


def _gradient(d: Derivation) -> dict:
    from ..engine.mle import gradient

    return gradient(d)


def _mle_context(d: Derivation) -> dict:
    """The constant model's stationarity conditions and solution, as LaTeX, for templates."""
    from ..engine.mle import constant_mle

    result = constant_mle(d)
    context: dict = {"note": d.mle_note, "conditions": (), "solution": (), "parameter": None}
    if result is None:
        return context
    if result.solution is None and d.mle_note:
        return context  # the note states the condition readably; SymPy's form can be a page wide
    context["conditions"] = tuple(TeX(shown_latex(condition)) for condition in result.conditions)
    if result.solution is not None:
        context["solution"] = tuple(
            (TeX(shown_latex(c)), TeX(shown_latex(v))) for c, v in result.solution.items()
        )
        context["parameter"] = TeX(shown_latex(result.parameter))
    return context


def document_title(d: Derivation) -> str:
    """'Gaussian, $\\sigma$ fixed', 'Bernoulli', 'Gaussian, $\\sigma$ learned'."""
    parts = [d.family.title]
    for param in d.family.params:
        parts.append(f"${shown_latex(param.symbol)}$ {d.variant.get(param.name, 'fixed')}")
    return ", ".join(parts)


def document_name(d: Derivation) -> str:
    """File stem of a derivation's documents: the family, the link unless it is the first,
    and the learned parameters: ``gaussian``, ``bernoulli-logit``, ``gaussian-sigma-learned``."""
    return document_stem(d.family, d.link.name, d.variant)


def document_stem(family, link: str, variants) -> str:
    """``document_name`` before deriving: from the family, the link's name and the variants."""
    parts = [family.name]
    if link != family.links[0].name:
        parts.append(link)
    parts += [f"{name}-{value}" for name, value in sorted(variants.items()) if value != "fixed"]
    return "-".join(parts)


def _equation(step: Step, sense: str | None) -> str:
    if step.optimize:
        keyword = ARGMIN if sense == "min" else ARGMAX
        broken = shown_equation(rf"{shown_latex(step.lhs)} = {keyword}", step.rhs, relation="")
        if broken.startswith(r"\begin{aligned}"):
            return broken  # too wide for one line: no underbrace, the title names the loss
        rhs = shown_latex(step.rhs)
        if step.name:
            rhs = rf"\underbrace{{{rhs}}}_{{\mathrm{{{step.name}}}(\theta)}}"
        return rf"{shown_latex(step.lhs)} = {keyword} {rhs}"
    return shown_equation(step.lhs, step.rhs)


def _relation_symbol(step: Step, senses: list[str | None]) -> str:
    rel = step.relation
    if rel.kind == "definition":
        return r"\equiv"
    if rel.kind == "equal":
        return "="
    if rel.kind == "log":
        return r"\log"
    before = senses[step.ref]
    if before is None:  # an identity between equations, not between objectives
        return rf"\times\,({shown_latex(rel.scale)})"
    after = ("min" if before == "max" else "max") if rel.flips_sense else before
    return rf"\arg\{before} \to \arg\{after}" if before != after else rf"\arg\{after}"


def _relation_text(step: Step, index: int, senses: list[str | None]) -> str:
    rel = step.relation
    if step.ref is None:
        ref = "the left-hand side, as the family declares it"
    else:
        ref = f"step {step.ref + 1}"
    if rel.kind == "definition":
        return "definition: the starting point"
    if rel.kind == "equal":
        return f"equal to {ref}"
    if rel.kind == "log":
        return f"the logarithm of {ref}, which keeps the maximizer"
    sign = ">" if rel.sign > 0 else "<"
    if senses[index] is None:
        return (
            rf"affine in {ref}: new $= c \cdot$ old $+ d$ with $c = {shown_latex(rel.scale)}$ "
            rf"and $d = {shown_latex(rel.offset)}$"
        )
    effect = (
        f"the arg{senses[step.ref]} of {ref} becomes an arg{senses[index]}"
        if rel.flips_sense
        else f"same arg{senses[index]} as {ref}"
    )
    return (
        rf"affine in {ref}: new $= c \cdot$ old $+ d$ with $c = {shown_latex(rel.scale)} {sign} 0$ "
        rf"and $d = {shown_latex(rel.offset)}$ free of $\theta$; {effect}"
    )


def _check_text(check) -> str:
    if check.method == "definition":
        return "definition"
    if check.method == "symbolic":
        return "verified symbolically"
    return f"verified numerically at {check.trials} random points (50 digits)"


def _check_summary(d: Derivation) -> dict[str, int]:
    summary: dict[str, int] = {}
    for check in d.checks:
        summary[check.method] = summary.get(check.method, 0) + 1
    return summary


# -- text filters: escape prose for its format, leave $...$ math untouched ---------------

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
