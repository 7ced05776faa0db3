"""The long-running commands fix glibc's mmap threshold (bot/memory.py): large short-lived buffers go
back to the system when freed, instead of leaving holes in the heap that the RSS keeps."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import ctypes, sys

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd",
                "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "pinned":
    from bot.memory import pin_mmap_threshold
    assert pin_mmap_threshold()
libc.free(libc.malloc(4 << 20))  # glibc would now take blocks up to 4 MiB from the heap
before = libc.mallinfo2().hblkhd
block = libc.malloc(1 << 20)
print("mapped" if libc.mallinfo2().hblkhd - before >= 1 << 20 else "heap")
libc.free(block)
"""


def _where(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60)
    if done.returncode and "mallinfo2" in done.stderr:
        pytest.skip("not glibc 2.33 or newer: no mallinfo2 to look with")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_large_block_is_mapped_and_given_back_however_large_the_last_one_was() -> None:
    assert _where("as glibc does") == "heap"  # what the pin is for: glibc raised its threshold
    assert _where("pinned") == "mapped"
