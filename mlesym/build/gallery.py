"""The gallery: every family, link and learned variant as Markdown, LaTeX and HTML with a
picture of its loss, the regression losses side by side, and an index in Markdown and HTML.

``build`` derives the families in parallel worker processes (one per core) and keeps a
cache in the output folder (``.mlesym-cache.json``): each family's documents are keyed by
the hash of its declaration file, of mlesym's engine and of the templates, so an unchanged
rebuild derives nothing and a changed family rebuilds alone. Documents of families that no
longer exist are deleted; files mlesym did not generate are never touched unless forced.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..engine.model import Model
from ..errors import MlesymError
from ..families import get, names, variants_of
from ..render import formats
from ..render.document import document_name, document_title, render_all
from ..render.environment import check_templates, render_template
from ..render.plots import COMPARISON
from ..resources import templates_dir
from ..safety.output import check_writable, inside, is_generated, write_atomically

CACHE = ".mlesym-cache.json"
INDEXES = {"README.md": "index.md.j2", "index.html": "index.html.j2"}
INDEX_ENTRY = "(indexes)"  # the cache remembers the index pages it wrote, as it does documents
PLOT = "svg"  # each derivation's plot, beside its documents
# what a build may delete when it is stale: its documents and plots
GENERATED = (*(f.suffix for f in formats.gallery()), f".{PLOT}")


def family_documents(
    name: str, templates: str | None = None
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """One family's documents (file name -> text) and its rows of the index; ``templates``:
    a folder of the user's templates, overriding mlesym's."""
    files: dict[str, str] = {}
    rows = []
    for link, variants in variants_of(name):
        variant_files, row = variant_documents(name, link, variants, templates)
        files.update(variant_files)
        rows.append(row)
    return files, rows


def variant_documents(
    name: str, link: str, variants: dict[str, str], templates: str | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """The documents and index row of one link and variant of a family."""
    from ..pipeline.verified import derived as derive
    from ..printing.readback import shown_latex
    from ..render.plots import loss_figure

    d = derive(name, link, **variants)
    stem = document_name(d)
    figure = loss_figure(d, path=f"{stem}.svg")
    files = {figure.path: figure.svg}
    for fmt, text in render_all(d, [f.name for f in formats.gallery()], figure, templates).items():
        files[f"{stem}.{fmt}"] = text
    c = d.convention
    row = {
        "stem": stem,
        "title": document_title(d),
        "link": d.link.name,
        "loss": f"{c.loss_name} ({c.long_name})",
        "formula": shown_latex(d.textbook_loss),
        "mle": _mle_cell(d),
        "convex": _convex_cell(d),
        "torch": c.torch or "",
    }
    return files, row


def file_names(name: str) -> list[str]:
    """The names of a family's documents, known before deriving it."""
    if name == COMPARISON:
        return [COMPARISON]
    family = get(name)
    return [
        f"{Model.of(family, link, variants).stem}.{suffix}"
        for link, variants in variants_of(name)
        for suffix in (*(f.suffix[1:] for f in formats.gallery()), PLOT)
    ]


def _convex_cell(d) -> str:
    """Whether the loss is convex in the raw output(s): yes (proved), no (refuted at a
    point), undecided."""
    from ..engine.second_order import convexity

    try:
        decided = convexity(d)
    except NotImplementedError:  # a fixed covariance: its Hessian is not derived yet
        return "not derived"
    return {"proved": "yes", "refuted": "no"}.get(decided.kind, "undecided")


def _mle_cell(d) -> str:
    """The constant model's MLE for the index: a formula when solved, else its name."""
    from ..engine.mle import constant_mle
    from ..printing.readback import shown_latex

    result = constant_mle(d)
    if result is not None and result.parameter is not None:
        return f"${shown_latex(result.parameter)}$"
    return d.mle_name or "no closed form"


def indexes(
    rows: list[dict[str, str]], comparison: str, templates: str | None = None
) -> dict[str, str]:
    """The gallery's index pages, README.md and index.html, listing every document."""
    return {
        name: render_template(
            name.rsplit(".", 1)[1],
            template,
            templates,
            rows=rows,
            comparison=comparison,
            formats=_FORMAT_NAMES,
        )
        for name, template in INDEXES.items()
    }


_FORMAT_NAMES = {**{f.suffix[1:]: f.label for f in formats.gallery()}, PLOT: "plot"}


def comparison_key() -> str:
    """The comparison figure depends on the engine and the families it draws."""
    from ..families import source_of
    from ..render.plots import REGRESSION

    digest = hashlib.sha256(_engine_hash().encode() + repr(REGRESSION).encode())
    for name, _, _ in REGRESSION:
        digest.update(source_of(name).read_bytes())
    return digest.hexdigest()


# -- the cache key: what a family's documents depend on ----------------------------------


def engine_sources() -> list[Path]:
    """The files every document depends on: all of mlesym's code in every subpackage, except
    each family's own file (that one is in its ``family_key``), and the templates."""
    package = Path(__file__).resolve().parent.parent
    families = package / "families"
    code = [
        path
        for path in sorted(package.rglob("*.py"))
        if path.parent != families or path.name == "__init__.py"
    ]
    return [*code, *sorted(templates_dir().glob("*.j2"))]


@cache
def _engine_hash() -> str:
    """mlesym's own code (not the family files) and the templates."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in engine_sources():
        name = path.relative_to(package) if path.is_relative_to(package) else path.name
        digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def family_key(name: str, templates: str | None = None) -> str:
    """The hash of the family's declaration file, the engine and the templates (mlesym's
    and the user's)."""
    from ..families import source_of

    return hashlib.sha256(
        _engine_hash().encode() + _templates_hash(templates).encode() + source_of(name).read_bytes()
    ).hexdigest()


def _templates_hash(templates: str | None) -> str:
    if templates is None:
        return ""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(templates).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(templates)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# -- the build ---------------------------------------------------------------------------


@dataclass
class BuildReport:
    """What a build did: the families derived, those taken from the cache, files changed."""

    derived: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    seconds: float = 0.0


def build(
    out: Path,
    force: bool = False,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    templates: str | None = None,
) -> BuildReport:
    """Write the gallery into ``out``, deriving only what changed since the last build;
    ``templates``: a folder of the user's templates, overriding mlesym's."""
    start = time.perf_counter()
    if templates is not None:
        check_templates(templates)
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport()
    previous, problem = _load_cache(out)
    if problem and progress:
        progress(f"warning: ignoring {out / CACHE} ({problem}); rebuilding everything")
    entries: dict[str, dict] = {}
    pending = []
    for name in names():
        key = family_key(name, templates)
        entry = previous.get(name)
        if entry and entry["key"] == key and _intact(out, entry["files"]):
            entries[name] = entry
            report.cached.append(name)
        else:
            pending.append((name, key))
    comparison, key = previous.get(COMPARISON), comparison_key()
    if not (comparison and comparison["key"] == key and _intact(out, comparison["files"])):
        pending.append((COMPARISON, key))  # drawn by a worker, like a family
    written_before = {n: h for e in previous.values() for n, h in e.get("files", {}).items()}
    for name in [*INDEXES, *(f for n, _ in pending for f in file_names(n))]:
        path = inside(out, name)  # refuse before deriving or writing
        if not _intact(out, {name: written_before.get(name, "")}):  # not as the build left it
            check_writable(path, force)
    if pending:
        from ..render.plots import require_matplotlib

        require_matplotlib()  # one clear line now, not one per worker later
    total = len(pending) - any(n == COMPARISON for n, _ in pending)  # families to derive
    for name, key, files, rows, seconds in _derive_all(pending, jobs, templates):
        if name == COMPARISON:
            entries[name] = {"key": key, "files": _hashed(files), "rows": [], "texts": files}
            continue
        entries[name] = {"key": key, "files": _hashed(files), "rows": rows, "texts": files}
        report.derived.append(name)
        if progress:
            done = len(report.derived)
            progress(f"[{done:2d}/{total}] {name}: {len(files)} files, {seconds:.1f} s")
    entries.setdefault(COMPARISON, comparison)
    rows = [row for name in names() for row in entries[name]["rows"]]
    new_files = {n: t for e in entries.values() if "texts" in e for n, t in e["texts"].items()}
    index_pages = indexes(rows, COMPARISON, templates)
    new_files.update(index_pages)
    targets = {inside(out, n): t for n, t in new_files.items()}  # all checked before deriving
    wanted = {n for e in entries.values() for n in e["files"]} | set(INDEXES)
    stale = [  # only what an earlier build wrote, still as it wrote it, and marked as ours
        inside(out, n)
        for n, digest in sorted(written_before.items())
        if n not in wanted
        and Path(n).suffix in GENERATED
        and _intact(out, {n: digest})
        and is_generated(out / n)
    ]
    for path, text in targets.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomically(path, text, force=True)
            report.written.append(path)
    for path in stale:
        path.unlink()
        report.deleted.append(path)
    for path in out.iterdir():  # temporaries of an earlier build that was killed mid-write
        left = _TEMPORARY.fullmatch(path.name)
        if left and left.group(1) in wanted | {CACHE} and path.is_file():
            path.unlink()
    cache_entries = {
        name: {k: v for k, v in e.items() if k != "texts"} for name, e in entries.items()
    }
    cache_entries[INDEX_ENTRY] = {"key": "", "files": _hashed(index_pages), "rows": []}
    write_atomically(out / CACHE, json.dumps(cache_entries, indent=1, sort_keys=True) + "\n", True)
    report.seconds = time.perf_counter() - start
    return report


def _derive_all(pending: list[tuple[str, str]], jobs: int | None, templates: str | None):
    """(name, key, files, rows, seconds) for each pending family, in worker processes: one
    task per link and variant, so that a family with many variants does not hold up the
    others, and a family is reported when its last variant is done."""
    if not pending:
        return
    tasks = [
        (name, index, link, variants, templates)
        for name, _ in pending
        for index, (link, variants) in enumerate(_variants_or_comparison(name))
    ]
    keys = dict(pending)
    expected = Counter(task[0] for task in tasks)
    done: dict[str, list] = {name: [] for name in keys}
    workers = min(len(tasks), jobs or os.cpu_count() or 1)
    if workers == 1:
        results = map(_task, tasks)
    else:
        pool = multiprocessing.get_context("fork").Pool(workers)
        results = pool.imap_unordered(_task, tasks)
    try:
        for name, index, files, row, seconds in results:
            done[name].append((index, files, row, seconds))
            if len(done[name]) == expected[name]:
                parts = sorted(done.pop(name), key=lambda part: part[0])
                files = {n: t for _, part, _, _ in parts for n, t in part.items()}
                rows = [row for _, _, row, _ in parts if row is not None]
                yield name, keys[name], files, rows, sum(part[3] for part in parts)
    finally:
        if workers > 1:
            pool.terminate()


def _variants_or_comparison(name: str) -> list[tuple[str, dict[str, str]]]:
    return [("", {})] if name == COMPARISON else variants_of(name)


def _task(task: tuple[str, int, str, dict[str, str], str | None]):
    """One link and variant's documents (or the comparison figure), timed."""
    name, index, link, variants, templates = task
    start = time.perf_counter()
    if name == COMPARISON:
        from ..render.plots import comparison_figure

        figure = comparison_figure()
        files, row = {figure.path: figure.svg}, None
    else:
        files, row = variant_documents(name, link, variants, templates)
    return name, index, files, row, time.perf_counter() - start


def _hashed(files: dict[str, str]) -> dict[str, str]:
    return {n: hashlib.sha256(t.encode()).hexdigest() for n, t in files.items()}


def _intact(out: Path, files: dict[str, str]) -> bool:
    """Every file of a cached family is there, unchanged since it was written."""
    for name, digest in files.items():
        path = out / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return False
    return True


def _load_cache(out: Path) -> tuple[dict, str | None]:
    """The previous build's cache, and what was wrong with it (then it is ignored whole):
    each entry must name exactly the files the build would write for it, with their
    SHA-256, and its index rows must be strings whose stems are those files' stems."""
    path = out / CACHE
    if not path.exists():
        return {}, None
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return {}, f"unreadable: {type(error).__name__}"
    try:
        _check_cache(cache)
    except (TypeError, ValueError, KeyError, AttributeError, MlesymError) as error:
        return {}, str(error) or type(error).__name__
    return cache, None


_TEMPORARY = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")  # as output.write_atomically names them
_ROW_KEYS = {"stem", "title", "link", "loss", "formula", "mle", "convex", "torch"}
_DIGEST = re.compile(r"[0-9a-f]{64}")


def _check_cache(cache) -> None:
    if not isinstance(cache, dict):
        raise TypeError("not a mapping")
    known = set(names())
    for name, entry in cache.items():
        if not isinstance(entry, dict) or set(entry) != {"key", "files", "rows"}:
            raise ValueError(f"entry {name!r} is malformed")
        files, rows = entry["files"], entry["rows"]
        if not isinstance(entry["key"], str) or not isinstance(files, dict):
            raise ValueError(f"entry {name!r} is malformed")
        if not all(isinstance(d, str) and _DIGEST.fullmatch(d) for d in files.values()):
            raise ValueError(f"entry {name!r} has a malformed hash")
        if name == INDEX_ENTRY:
            expected = set(INDEXES)
        elif name in known or name == COMPARISON:
            expected = set(file_names(name))
        else:  # a family that no longer exists: its files may be deleted, if they are ours
            expected = set(files)
            if not all(isinstance(n, str) and Path(n).suffix in GENERATED for n in files):
                raise ValueError(f"entry {name!r} names files mlesym does not write")
        if set(files) != expected:
            raise ValueError(f"entry {name!r} does not name the files its build writes")
        for n in files:
            inside(Path("."), n)
        if not isinstance(rows, list):
            raise ValueError(f"entry {name!r} has malformed rows")
        stems = {Path(n).stem for n in expected}
        for row in rows:
            if not isinstance(row, dict) or set(row) != _ROW_KEYS:
                raise ValueError(f"entry {name!r} has a malformed row")
            if not all(isinstance(v, str) for v in row.values()) or row["stem"] not in stems:
                raise ValueError(f"entry {name!r} has a row for a document it does not hold")
