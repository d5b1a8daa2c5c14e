"""The model as a typed key: (family, link, variant), frozen and hashable, owning its names."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import mlesym
from mlesym.engine.family import Convention
from mlesym.engine.model import Model
from mlesym.engine.references import LearnedReferences
from mlesym.errors import UnknownChoiceError
from mlesym.families import get, names, variants_of

OUTPUTS = Path(__file__).resolve().parent.parent / "outputs"


def test_a_model_is_frozen_hashable_and_ignores_fixed_parameters():
    a = Model.of(get("gaussian"), None, {"sigma": "fixed"})
    b = Model.of(get("gaussian"), "identity")
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.link = "log"  # type: ignore[misc]
    learned = Model.of(get("gaussian"), variants={"sigma": "learned"})
    assert learned != a and learned.key == "gaussian|identity|sigma=learned"
    with pytest.raises(UnknownChoiceError, match="unknown value for sigma 'learnt'"):
        Model.of(get("gaussian"), variants={"sigma": "learnt"})


@pytest.mark.parametrize("name", names())
def test_every_gallery_model_names_its_committed_documents(name):
    for link, variants in variants_of(name):
        model = Model.of(get(name), link, variants)
        assert (OUTPUTS / f"{model.stem}.md").is_file(), model
        d = mlesym.derive(name, link, **variants)
        assert d.model == model
        assert d.loss_function().__name__ == model.function_name(d.convention.loss_name, False)


def test_command_line_arguments_derive_the_same_model():
    from mlesym.cli import main

    model = Model.of(get("laplace"), variants={"b": "learned-log"})
    assert model.cli_args == ["--b", "learned-log"]
    assert main(["derive", "laplace", *model.cli_args, "-o", "-"]) == 0
    beta = Model.of(get("beta"), "logit")
    assert (
        beta.stem == "beta"
        and beta.cli_args == []
        and beta.function_name("Beta NLL", True) == ("beta_logit_nll")
    )


def test_learned_variants_carry_typed_conventions_and_references():
    for name in names():
        for param in get(name).params:
            for option in param.learned:
                assert isinstance(option.convention, Convention), (name, option.variant)
                assert isinstance(option.references, LearnedReferences), (name, option.variant)
                assert callable(option.references.logpdf)
