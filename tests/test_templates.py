"""--templates DIR: the user's templates override mlesym's, render in Jinja2's sandbox, are
escaped for their format, and a broken one is reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_mlesym
from mlesym.build import gallery
from mlesym.render.document import render
from mlesym.render.environment import TemplateError


def _folder(tmp_path: Path, **templates: str) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, text in templates.items():
        (folder / name.replace("_", ".")).write_text(text)
    return folder


def test_a_user_template_overrides_only_its_own_format(tmp_path):
    folder = _folder(
        tmp_path, derivation_md_j2="# {{ title | text }}\n{{ steps | length }} steps\n"
    )
    result = run_mlesym("derive", "gaussian", "--templates", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "# Gaussian, $\\sigma$ fixed: mean squared error\n9 steps\n"
    latex = run_mlesym("derive", "gaussian", "--format", "tex", "--templates", str(folder))
    assert "\\begin{document}" in latex.stdout  # mlesym's own LaTeX template still serves


def test_html_values_are_escaped_and_mlesyms_partials_can_be_included(tmp_path):
    import mlesym

    folder = _folder(
        tmp_path,
        derivation_html_j2=(
            '<style>{% include "style.css.j2" %}</style>\n'
            "<p>{{ '<script>alert(1)</script>' }}</p>\n<p>{{ loss | display }}</p>\n"
        ),
    )
    page = render(mlesym.derive("laplace"), "html", templates=str(folder))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "<math" in page and "max-width" in page


def test_latex_values_are_escaped_unless_they_are_latex_already(tmp_path):
    import mlesym

    folder = _folder(
        tmp_path,
        derivation_tex_j2=(
            "\\VAR{'50% & #1 \\\\input{x} {}_^~'}\n\\VAR{family.name}\n\\VAR{loss}\n"
            "\\VAR{step_count}\\VAR{steps | length}\n"
        ),
    )
    with pytest.raises(
        TemplateError, match=r"derivation\.tex\.j2, line 4: 'step_count' is undefined"
    ):
        render(mlesym.derive("laplace"), "tex", templates=str(folder))
    (folder / "derivation.tex.j2").write_text(
        "\\VAR{'50% & #1 \\\\input{x} {}_^~'}\n\\VAR{family.name}\n\\VAR{loss}\n"
    )
    text = render(mlesym.derive("laplace"), "tex", templates=str(folder))
    first, name, loss = text.splitlines()
    assert first == (
        r"50\% \& \#1 \textbackslash{}input\{x\} \{\}\_\textasciicircum{}\textasciitilde{}"
    )
    assert name == "laplace"
    assert loss == r"\text{loss}_i = \left|y_{i} - f_{\theta}(x_{i})\right|"  # an equation, as is


@pytest.mark.parametrize(
    "template, message",
    [
        ("{{ family.__class__.__mro__ }}", "line 1: access to attribute '__class__'"),
        ("ok\n{{ ''.__class__.__subclasses__() }}", "line 2: access to attribute '__class__'"),
        ("{% set x = [] %}{{ x.append(1) }}", "line 1: access to attribute 'append'"),
        ("a\nb\n{% for x in %}", "line 3: Expected an expression"),
        ("{{ nosuch.attribute }}", "line 1: 'nosuch' is undefined"),
    ],
)
def test_a_broken_or_unsafe_template_is_one_line_naming_file_and_line(tmp_path, template, message):
    folder = _folder(tmp_path, derivation_md_j2=template)
    target = tmp_path / "out.md"
    result = run_mlesym("derive", "gaussian", "--templates", str(folder), "-o", str(target))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert str(folder / "derivation.md.j2") in result.stderr and message in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("command", [["derive", "gaussian"], ["build", "--out", "OUT"]])
def test_templates_must_be_a_folder(tmp_path, command):
    command = [str(tmp_path / "out") if word == "OUT" else word for word in command]
    result = run_mlesym(*command, "--templates", str(tmp_path / "missing"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is not a folder of Jinja2 templates" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing built


def test_verdicts_use_the_users_report_template(tmp_path):
    folder = _folder(tmp_path, report_md_j2="VERDICT {{ report.verdict }}\n")
    target = tmp_path / "v.md"
    result = run_mlesym(
        "verify", "abs(y - f)**3", "--family", "laplace", "-o", str(target),
        "--templates", str(folder),
    )  # fmt: skip
    assert result.returncode == 1  # not equivalent
    assert target.read_text().startswith("VERDICT ")


def test_the_gallery_builds_with_user_templates_and_keys_its_cache_on_them(tmp_path, monkeypatch):
    from mlesym.render import plots

    monkeypatch.setattr(gallery, "names", lambda: ["laplace"])
    monkeypatch.setattr(plots, "REGRESSION", plots.REGRESSION[1:2])
    folder = _folder(
        tmp_path, derivation_md_j2="{{ convention.loss_name }}\n", index_md_j2="{{ rows | length }}"
    )
    out = tmp_path / "gallery"
    gallery.build(out, jobs=1, templates=str(folder))
    assert (out / "laplace.md").read_text() == "MAE\n" and (out / "README.md").read_text() == "3"
    assert "<math" in (out / "laplace.html").read_text()
    assert gallery.family_key("laplace", str(folder)) != gallery.family_key("laplace")
    (folder / "derivation.md.j2").write_text("{{ convention.long_name }}\n")
    again = gallery.build(out, jobs=1, templates=str(folder))
    assert again.derived == ["laplace"]
    assert (out / "laplace.md").read_text() == "mean absolute error\n"


def test_prose_filters_keep_formulas_and_escape_everything_else_even_after_a_lone_dollar():
    from mlesym.render.text import html_text, md_text, plain_text, tex_text

    text = r"a_b `x.y` $\sigma^2$$5 & <b>"  # the prose after the formula starts with "$"
    assert tex_text(text) == (
        r"a\_b \texttt{x.\allowbreak{}y} $\sigma^2$$5 \& <b>"
    )  # fmt: skip
    assert md_text(text) == r"a\_b \`x.y\` $\sigma^2$$5 & \<b\>"
    assert plain_text(text) == "a_b `x.y` σ2$5 & <b>"
    page = html_text(text)
    assert page.startswith("a_b <code>x.y</code> <math")
    assert page.endswith("</math>$5 &amp; &lt;b&gt;")
