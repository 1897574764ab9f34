"""Child processes that die with their parent.

Why: a ``kill -9``'d worker cannot clean up, and its render processes (the variant pool, the
ffmpeg encoders) would go on writing into folders a retry is about to use. Linux can send a
child a signal when its parent dies (``prctl(PR_SET_PDEATHSIG)``): the render pool's
initializer and every ffmpeg we start ask for SIGKILL. Elsewhere it is a no-op, and the
encoders still stop on their own when their stdin pipe closes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1

_prctl: Callable[..., int] | None = None
if sys.platform.startswith("linux"):
    try:  # resolved once here, so the call after fork (preexec_fn) only calls
        _prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        _prctl = None


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies.

    ``parent_pid``: the pid the caller expects as parent. If the parent is already gone (it
    died between the fork and this call), exit now rather than run as an orphan.
    """
    if _prctl is None:
        return
    _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def child_options() -> dict[str, Any]:
    """``subprocess.Popen`` keywords for a child that must not outlive this process (ffmpeg).

    Note: PR_SET_PDEATHSIG fires when the *thread* that started the child ends; our encoders
    are started and waited for by the same thread, so that is never earlier than wanted.
    """
    return {"preexec_fn": functools.partial(die_with_parent, os.getpid())} if _prctl is not None else {}
