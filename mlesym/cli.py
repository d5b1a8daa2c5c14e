"""The ``mlesym`` command: list, derive, export, build."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .engine import supports
from .errors import MlesymError, VerificationError
from .export import backends
from .export.backends import REDUCTIONS
from .render import formats


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit with status 2.

    Abbreviations are off: a family's parameter options (``--r`` for the negative binomial's
    dispersion) must never be taken for a prefix of a fixed option (``--reduction``).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _parser() -> _Parser:
    from .render import formats

    parser = _Parser(
        prog="mlesym",
        description="Derive maximum-likelihood losses from distributions, step by step.",
    )
    parser.add_argument("--version", action="version", version=f"mlesym {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    commands.add_parser("list", help="list the families, their links and losses")

    derive = commands.add_parser("derive", help="print a step-by-step derivation")
    derive.add_argument("family", metavar="NAME", nargs="?", help="a family, or use --pdf")
    _pdf_options(derive)
    derive.add_argument("--link", metavar="L", help="link function (default: the family's first)")
    derive.add_argument("--format", choices=formats.names(), default="md")
    derive.add_argument(
        "--no-plot",
        action="store_true",
        help="HTML without the picture of the loss (which needs matplotlib)",
    )
    derive.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    _templates_option(derive)
    _force_option(derive)

    export = commands.add_parser("export", help="print the Python source of the numeric loss")
    export.add_argument("family", metavar="NAME", nargs="?", help="a family, or use --pdf")
    _pdf_options(export)
    export.add_argument("--link", metavar="L")
    export.add_argument("--backend", choices=backends.names(), default="numpy")
    export.add_argument("--full", action="store_true", help="the exact NLL, every constant kept")
    export.add_argument(
        "--deviance", action="store_true", help="2 (NLL - NLL of the saturated model)"
    )
    export.add_argument("--reduction", choices=REDUCTIONS, default="mean")
    export.add_argument("-o", "--output", metavar="FILE")
    _force_option(export)

    verify = commands.add_parser(
        "verify", help="decide whether a loss formula is a family's NLL up to c > 0 and d"
    )
    verify.add_argument("loss", metavar="LOSS", help="per-sample formula in y and f (or z)")
    verify.add_argument("--family", required=True, metavar="NAME")
    verify.add_argument("--link", metavar="L")
    verify.add_argument(
        "--classes",
        type=int,
        default=3,
        metavar="K",
        help="vector families: the number of components y1..yK, f1..fK (default: 3)",
    )
    verify.add_argument("--timeout", type=float, default=20.0, metavar="S", help="default: 20")
    verify.add_argument(
        "-o", "--output", metavar="FILE", help="write the verdict, step by step, to FILE"
    )
    verify.add_argument("--format", choices=formats.names(), default="md")
    _templates_option(verify)
    _force_option(verify)

    identify = commands.add_parser(
        "identify", help="search the catalogue for the model whose NLL a loss formula is"
    )
    identify.add_argument("loss", metavar="LOSS", help="per-sample formula in y and f (or z)")
    identify.add_argument(
        "--support",
        choices=[s.name for s in supports.IDENTIFY_SUPPORTS],
        default=None,
        help="where the targets live, for the normalizer when nothing matches (default: real; "
        "onehot for formulas in y1, y2, ...; multilabel for binary vectors)",
    )
    identify.add_argument("--timeout", type=float, default=60.0, metavar="S", help="default: 60")
    identify.add_argument(
        "-o", "--output", metavar="FILE", help="write the verdict, step by step, to FILE"
    )
    identify.add_argument("--format", choices=formats.names(), default="md")
    _templates_option(identify)
    _force_option(identify)

    build = commands.add_parser("build", help="write the derivation gallery")
    build.add_argument("--out", metavar="DIR", default="outputs", help="default: outputs")
    build.add_argument(
        "--jobs", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    _templates_option(build)
    _force_option(build)
    return parser


def _templates_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--templates",
        metavar="DIR",
        help="a folder of Jinja2 templates overriding mlesym's (rendered in a sandbox)",
    )


def _force_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--force", action="store_true", help="overwrite files that mlesym did not generate"
    )


def _pdf_options(command: argparse.ArgumentParser) -> None:
    """The options that declare a user's density (derive --pdf, export --pdf)."""
    command.add_argument(
        "--pdf", metavar="EXPR", help="a density of your own, in --var and --theta"
    )
    command.add_argument("--var", default="y", help="the density's variable (default: y)")
    command.add_argument(
        "--theta", default="mu", help="the predicted parameter[:domain] (default: mu:real)"
    )
    command.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME:DOMAIN",
        help="a fixed parameter of the density and its domain (positive, real, unit)",
    )
    command.add_argument(
        "--support",
        default="real",
        choices=list(supports.by_name(supports.DENSITY_SUPPORTS)),
        help="where the variable lives (default: real)",
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="for --pdf: the limit on each stage of symbolic work (default: 60)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 internal failure, 2 bad input)."""
    parser = _parser()
    try:
        argv = sys.argv[1:] if argv is None else list(argv)
        if not argv:
            raise _UsageError(
                "a command is required; choose from: list, derive, export, verify, identify, build"
            )
        args, extra = parser.parse_known_args(argv)
        args.variants = _variant_options(parser, args, extra)
        return _run(args)
    except _UsageError as error:
        return _fail(str(error), 2)
    except VerificationError as error:
        return _fail(f"derivation failed verification: {error}", 1)
    except MlesymError as error:
        return _fail(str(error), 2)
    except OSError as error:
        return _fail(f"cannot write {error.filename or ''}: {error.strerror or error}", 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


def _fail(message: str, status: int) -> int:
    print(f"mlesym: error: {message}", file=sys.stderr)
    return status


def _variant_options(parser: _Parser, args: argparse.Namespace, extra: list[str]) -> dict[str, str]:
    """Options named after a family's parameters, such as ``--sigma learned``."""
    from .families import get

    params = []
    if args.command in ("derive", "export", "verify") and args.family is not None:
        params = [p.name for p in get(args.family).params]
    variants: dict[str, str] = {}
    words = list(extra)
    while words:
        word = words.pop(0)
        name, _, value = word.removeprefix("--").partition("=")
        if not word.startswith("--") or name not in params:
            raise _UsageError(_unknown_argument(parser, args, word, params))
        if not value:
            if not words:
                raise _UsageError(f"option --{name} needs a value, such as 'learned'")
            value = words.pop(0)
        variants[name] = value
    return variants


def _unknown_argument(
    parser: _Parser, args: argparse.Namespace, word: str, params: list[str]
) -> str:
    sub = parser._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr]
    options = sorted(
        [opt for action in sub._actions for opt in action.option_strings if opt.startswith("--")]
        + [f"--{name}" for name in params]
    )
    return f"unrecognized argument {word!r} for '{args.command}'; valid options: " + (
        ", ".join(options)
    )


def _run(args: argparse.Namespace) -> int:
    from . import api

    chosen = formats.get(args.format) if getattr(args, "format", None) else None
    if chosen is not None and chosen.binary and not args.output:
        raise MlesymError(f"--format {chosen.name} writes a file: give -o FILE{chosen.suffix}")
    if getattr(args, "no_plot", False) and args.format != "html":
        raise MlesymError("--no-plot applies to --format html (other formats have no plot)")

    if args.command == "list":
        return _list()
    if args.command in ("derive", "export") and args.pdf is not None:
        if args.family is not None:
            raise MlesymError("give a family NAME or --pdf, not both")
        if args.link is not None or args.variants:
            raise MlesymError("a density given with --pdf has one link (identity) and no variants")
        params = {}
        for item in args.param:
            name, _, domain = item.partition(":")
            params[name] = domain or "positive"
        theta, _, theta_domain = args.theta.partition(":")
        d = api.derive_pdf(
            args.pdf, args.var, theta, params, args.support, theta_domain or "real", args.timeout
        )
        if args.command == "export":
            from .export.source import source

            if args.deviance:
                raise MlesymError("--deviance is derived for the named families, not for --pdf")

            return _emit(args, source(d, args.full, args.reduction, args.backend))
        return _emit(args, _derivation_document(d, args))
    if args.command == "derive":
        if args.family is None:
            raise MlesymError("give a family NAME (see mlesym list) or a density with --pdf")
        d = api.derive(args.family, args.link, **args.variants)
        return _emit(args, _derivation_document(d, args))
    if args.command == "export":
        if args.family is None:
            raise MlesymError("give a family NAME (see mlesym list) or a density with --pdf")
        code = api.export_source(
            args.family,
            backend=args.backend,
            full=args.full,
            reduction=args.reduction,
            deviance=args.deviance,
            link=args.link,
            **args.variants,
        )
        return _emit(args, code)
    if args.command == "verify":
        from .check.verify import verify

        verdict = verify(
            args.loss,
            args.family,
            args.link,
            seconds=args.timeout,
            classes=args.classes,
            **args.variants,
        )
        if args.output:
            document = verdict.document(seconds=args.timeout)
            _emit(args, _document(document, args.format, args.templates))
        print(verdict.summary())
        return verdict.status
    if args.command == "identify":
        from .check.identify import identify

        found = identify(args.loss, args.support, seconds=args.timeout)
        if args.output:
            document = found.document()
            _emit(args, _document(document, args.format, args.templates))
        print(found.summary())
        return found.status
    if args.command == "build":
        from .build.gallery import build

        if args.jobs is not None and args.jobs < 1:
            raise MlesymError(f"--jobs must be at least 1; got {args.jobs}")

        def progress(line: str) -> None:
            print(line, file=sys.stderr, flush=True)

        report = build(
            Path(args.out),
            force=args.force,
            jobs=args.jobs,
            progress=progress,
            templates=args.templates,
        )
        for path in report.written:
            print(f"wrote {path}")
        for path in report.deleted:
            print(f"deleted {path} (its family is gone)")
        print(
            f"{len(report.derived)} families derived, {len(report.cached)} unchanged (cache), "
            f"{len(report.written)} files written, {len(report.deleted)} deleted, "
            f"in {report.seconds:.1f} s",
            file=sys.stderr,
        )
        return 0
    raise AssertionError(args.command)


def _list() -> int:
    from .engine.model import Model
    from .families import get, names, variants_of

    rows = [("family", "link", "options", "loss", "torch.nn.functional")]
    for name in names():
        for link, variants in variants_of(name):
            c = get(name).convention(link, variants)
            options = Model.of(get(name), link, variants).variant_args.strip() or "-"
            rows.append((name, link, options, f"{c.loss_name} ({c.long_name})", c.torch or "-"))
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def _derivation_document(d, args: argparse.Namespace) -> str | bytes:
    """A derivation in the format asked for; its HTML shows the plot unless --no-plot."""
    plot = None
    if args.format == "html" and not args.no_plot:
        from .render.plots import loss_figure

        plot = loss_figure(d)
    return _document(d, args.format, args.templates, plot)


def _document(document, fmt: str, templates: str | None = None, plot=None) -> str | bytes:
    """A derivation or verdict in ``fmt``: Markdown, HTML, LaTeX, or LaTeX compiled to PDF;
    ``templates``: the user's folder of templates, if any."""
    from .engine.derivation import Derivation
    from .render.document import render

    chosen = formats.get(fmt)
    source = chosen.source or fmt
    if isinstance(document, Derivation):
        text = render(document, source, plot=plot, templates=templates)
    else:
        text = document.render(source, templates)
    return chosen.compile(text) if chosen.compile is not None else text


def _emit(args: argparse.Namespace, text: str | bytes) -> int:
    """``text`` to -o FILE (a PDF is always bound there, as _run checks first) or stdout."""
    if args.output is None or args.output == "-":
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
    else:
        from .safety.output import write_atomically

        write_atomically(Path(args.output), text, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
