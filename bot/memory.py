"""Memory settings of the long-running processes (`mitsprache run`, `mitsprache web`).

glibc's malloc hands out blocks of 128 KiB and more by mmap, and returns them at free. But each time
such a block is freed it raises that threshold to the block's size (up to 32 MiB): from then on the
bot's large short-lived buffers (an HTTP answer, a batch of updates, a rendered page) come from the
heap, and the holes they leave are seldom given back. The bot's RSS crept up by about 0.8 MB per
1,000 people that way (benchmarks/memory.py), with no more live data. A fixed threshold, glibc's own
starting value, keeps those buffers in mmap: the same run grows by 0.4 MB over 3,000 people, at the
same speed.
"""

from __future__ import annotations

import os

M_MMAP_THRESHOLD = -3  # mallopt parameter, malloc.h
MMAP_THRESHOLD = 128 * 1024  # glibc's default, kept from now on


def pin_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold; True if done. An operator's MALLOC_MMAP_THRESHOLD_ stays as it is;
    without glibc (musl, macOS) nothing happens."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    import ctypes  # here: the command line's other commands do without it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
