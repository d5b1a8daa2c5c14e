"""Shared fixtures: every (family, link) pair in the registry, and optional-tool guards."""

from __future__ import annotations

import os
import shutil

import pytest

from mlesym.families import get, names

VARIANTS = [(name, link.name) for name in names() for link in get(name).links]


def variant_id(variant: tuple[str, str]) -> str:
    return "-".join(variant)


@pytest.fixture(params=VARIANTS, ids=variant_id)
def variant(request) -> tuple[str, str]:
    return request.param


def require_tool(program: str, env_var: str) -> str:
    """The path of ``program``; skip when absent, but fail when ``env_var`` demands it."""
    path = shutil.which(program)
    if path is None:
        message = f"{program} is not installed"
        if os.environ.get(env_var) == "1":
            pytest.fail(f"{message}, and {env_var}=1 requires it")
        pytest.skip(message)
    return path


def require_torch():
    try:
        import torch
    except ImportError:
        if os.environ.get("MLESYM_REQUIRE_TORCH") == "1":
            pytest.fail("torch is not installed, and MLESYM_REQUIRE_TORCH=1 requires it")
        pytest.skip("torch is not installed (pip install torch==2.13.0)")
    return torch


def require_jax():
    try:
        import jax
    except ImportError:
        if os.environ.get("MLESYM_REQUIRE_JAX") == "1":
            pytest.fail("jax is not installed, and MLESYM_REQUIRE_JAX=1 requires it")
        pytest.skip("jax is not installed (pip install jax)")
    jax.config.update("jax_enable_x64", True)  # float64 parity, as the tests compare in float64
    return jax


@pytest.fixture(autouse=True)
def _backend_is_installed(request):
    """A test parametrized with `backend` needs that backend: skip without it (fail in CI)."""
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("backend") if callspec else None
    if backend == "torch":
        require_torch()
    elif backend == "jax":
        require_jax()
