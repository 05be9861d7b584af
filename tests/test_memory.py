"""rapport.memory: freed arrays kept for reuse (glibc), the setting, and leaving it alone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from rapport.errors import ConfigError
from rapport.memory import retain_freed_memory, retained_mib

# In a fresh interpreter: apply the setting, free a 20 MiB array, and report how much freed
# memory the heap still holds (glibc's mallinfo2: fordblks, free bytes in the heap).
_PROBE = textwrap.dedent(
    """
    import ctypes, sys
    import numpy as np
    from rapport.memory import retain_freed_memory

    class Info(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = Info
    applied = retain_freed_memory()
    block = np.ones(20 * 1024 * 1024 // 8)
    mapped = libc.mallinfo2().hblkhd  # bytes in mappings of their own
    del block
    print(applied, mapped >= 20 * 1024 * 1024, libc.mallinfo2().fordblks >= 20 * 1024 * 1024)
    """
)


def _probe(setting: str) -> str:
    env = {"RAPPORT_MEMORY_RETAIN_FREED_MIB": setting, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_freed_arrays_stay_in_the_heap_for_reuse() -> None:
    # applied; the array came from the heap, not a mapping of its own; freed, it stays there
    assert _probe("512") == "True False True"


def test_zero_leaves_the_allocator_alone() -> None:
    # glibc's default: a 20 MiB array is a mapping of its own, handed back when freed
    assert _probe("0") == "False True False"


def test_bad_values_are_config_errors_that_name_the_setting() -> None:
    for bad in ("-1", "lots", "1.5"):
        with pytest.raises(ConfigError, match=r"memory\.retain_freed_mib.*RAPPORT_MEMORY"):
            retained_mib(bad)
    assert retained_mib("64") == 64
    with pytest.raises(ConfigError):
        retain_freed_memory("-5")
