"""Arrow's memory allocator for the lab's processes.

jemalloc, with freed memory returned to the system at once, keeps a long import's resident
memory flat (measured: mimalloc and the system allocator let it grow with the rows read).
"""

from __future__ import annotations

import pyarrow as pa


def use_jemalloc() -> str:
    """Make jemalloc Arrow's default pool when this pyarrow has it; the pool's name."""
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return str(pa.default_memory_pool().backend_name)
    pa.set_memory_pool(pool)
    return str(pool.backend_name)
