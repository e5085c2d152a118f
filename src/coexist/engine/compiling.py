"""The compiled kernels' start-up: whether this machine's cache already holds them, and the
time a run spends compiling them or loading them from the cache.

Numba compiles a kernel the first time it is called with new argument types and keeps the
machine code in its cache (``__pycache__`` beside the source, or ``NUMBA_CACHE_DIR``); the
first run on a machine spends about a minute there, later runs a second or so loading it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from numba.core import event

from coexist.engine import kernels

__all__ = ["COMPILE_NOTICE", "kernels_need_compiling", "compile_timer"]

COMPILE_NOTICE = "compiling the simulation kernels for this machine (about a minute, once)..."

# The two monthly passes hold most of the compile time and are compiled together with the
# smaller kernels by the first run, so their cache entries speak for the lot.
_MONTHLY_PASSES = (kernels.host_month, kernels.home_month)


def _cached_for_this_machine(dispatcher: Any) -> bool:
    """Whether numba's cache index of ``dispatcher`` has an entry for this machine and this
    source (any argument types). Reads numba's cache objects (numba 0.5x-0.6x); if their
    shape changes, it answers yes: a missing notice costs less than a wrong one."""
    try:
        cache = dispatcher._cache
        if not cache._enabled:
            return False
        # the index key is (signature, machine, source hashes); the signature is not known before a call
        wanted = cache._index_key((), dispatcher.targetctx.codegen())[1:]
        index = cache._cache_file._load_index()
    except (AttributeError, TypeError, ValueError, OSError, EOFError, pickle.UnpicklingError):
        return True
    return any(isinstance(key, tuple) and key[1:] == wanted for key in index)


def kernels_need_compiling() -> bool:
    """Whether the next run in a fresh process on this machine will compile the monthly passes
    (about a minute) rather than load them from numba's cache. False once this process has
    them."""
    return any(not dispatcher.signatures and not _cached_for_this_machine(dispatcher) for dispatcher in _MONTHLY_PASSES)


class CompileTimer:
    """Seconds spent holding numba's compiler lock (compiling, or loading from the cache) while active."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def _add(self, seconds: float) -> None:
        self.seconds += seconds


@contextmanager
def compile_timer() -> Iterator[CompileTimer]:
    """Time the kernels' compiling and cache loading inside the ``with`` block (numba's event
    API; nested compilations count once). Changes nothing in what the kernels compute."""
    timer = CompileTimer()
    with event.install_timer("numba:compiler_lock", timer._add):
        yield timer
