"""Symbolic work on user input, run in a worker process under a wall-clock and memory limit.

SymPy's simplify, integrate and solve can run for hours or exhaust memory on a hostile (or
just unlucky) formula. ``run_bounded`` forks a worker, caps the memory it may add to what
the parent already maps, and kills it at the deadline: the caller gets the result or an
``UndecidedError`` ("could not decide within N s"), never a hang.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable
from typing import Any

from ..errors import MlesymError

DEFAULT_SECONDS = 20.0
DEFAULT_MEMORY_MB = 1024


class UndecidedError(MlesymError):
    """The symbolic work did not finish within its time or memory limit."""


MAX_SECONDS = 86400.0


def check_seconds(seconds: object) -> float:
    """``seconds`` as a time limit: a finite number above 0 and at most a day; anything
    else (None, text, nan, inf, 0, -1, 1e300) is a one-line error, never a missing bound."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise MlesymError(
            f"the time limit must be a number of seconds; got {type(seconds).__name__} {seconds!r}"
        )
    if not 0 < seconds <= MAX_SECONDS:  # also false for nan
        raise MlesymError(
            f"the time limit must be above 0 and at most {MAX_SECONDS:g} seconds; got {seconds!r}"
        )
    return float(seconds)


def run_bounded(
    function: Callable[..., Any],
    *args: Any,
    seconds: float = DEFAULT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Any:
    """``function(*args)`` computed in a forked worker; its (picklable) result.

    Raises UndecidedError past ``seconds`` of wall time or ``memory_mb`` of new memory, and
    re-raises an MlesymError from the worker with its message.
    """
    seconds = check_seconds(seconds)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(sender, function, args, memory_mb), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise UndecidedError(f"could not decide within {seconds:g} s")
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise UndecidedError(
                f"could not decide: the symbolic work stopped (over {memory_mb} MB of memory?)"
            ) from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiver.close()
    if status == "ok":
        return payload
    if status == "memory":
        raise UndecidedError(f"could not decide within {memory_mb} MB of memory")
    if status == "mlesym":
        raise MlesymError(payload)
    raise MlesymError(f"the symbolic work failed: {payload}")


def _work(sender, function: Callable[..., Any], args: tuple, memory_mb: int) -> None:
    try:
        mapped = _mapped_bytes()
        limit = mapped + memory_mb * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        try:
            outcome = ("ok", function(*args))
        except MemoryError:
            outcome = ("memory", None)
        except MlesymError as error:
            outcome = ("mlesym", str(error))
        except RecursionError:
            outcome = ("error", "too deeply nested (recursion limit)")
        except Exception as error:  # noqa: BLE001  (reported to the caller, not swallowed)
            outcome = ("error", f"{type(error).__name__}: {error}")
        sender.send(outcome)
    finally:
        sender.close()
        os._exit(0)  # skip the parent's atexit handlers and buffered output in the fork


def _mapped_bytes() -> int:
    """The address space this process maps now (VmSize), so the limit only bounds growth."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
