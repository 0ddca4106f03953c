"""Process-wide tuning done once at start-up (never by the engine itself).

On Linux with glibc, arrays above 128 kB are mapped and unmapped on every allocation and
freed heap memory is trimmed back to the system, so each recomputation page-faults its
temporaries in afresh: about 40 % of a 1,000-row recompute. Raising the mmap and trim
thresholds keeps that memory for reuse (at most 256 MB held free). Elsewhere it does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3
_done = False


def tune_allocator() -> bool:
    """Keep freed memory for numpy's next temporaries; True if the settings took effect."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return _done
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = (
        mallopt(M_MMAP_THRESHOLD, 32 * 2**20) == 1
        and mallopt(M_TRIM_THRESHOLD, 256 * 2**20) == 1
        and mallopt(M_TOP_PAD, 16 * 2**20) == 1
    )
    _done = ok
    return ok
