"""The Jinja2 environment of the documents: sandboxed, fed plain data only, and, for a
user's folder of templates, rendering in a worker bounded in time and memory."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..errors import MlesymError
from ..printing.mathml import mathml
from ..resources import templates_dir
from . import formats, text
from .text import finalize_tex


def _title(d) -> str:
    from .document import document_title  # the title filter, for a Derivation

    return document_title(d)


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
    chosen = formats.get(fmt)
    options: dict = {
        "loader": jinja2.ChoiceLoader(loaders),
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "autoescape": chosen.autoescape,
    }
    if chosen.latex_syntax:
        options.update(
            block_start_string=r"\BLOCK{",
            block_end_string="}",
            variable_start_string=r"\VAR{",
            variable_end_string="}",
            comment_start_string=r"\#{",
            comment_end_string="}",
            line_comment_prefix="%#",
            finalize=finalize_tex,
        )
    env = ImmutableSandboxedEnvironment(**options)
    env.filters["text"] = getattr(text, chosen.escape)
    if chosen.mathml:
        env.filters["math"] = lambda tex: Markup(mathml(tex))
        env.filters["display"] = lambda tex: Markup(mathml(tex, display=True))
        env.filters["plain"] = text.plain_text
    env.filters["sentence"] = lambda text: text if text.rstrip().endswith(".") else f"{text}."
    env.filters["title"] = _title
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
