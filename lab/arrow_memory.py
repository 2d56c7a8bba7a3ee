"""Arrow's memory allocator for the lab's processes.

jemalloc keeps a long import's resident memory flat (measured: mimalloc and the system
allocator let it grow with the rows read). It returns freed pages to the system after
`DECAY_MS`: at once (0) made every large scan fault its buffers in again, so DuckDB over an
encrypted 10M-row dataset took 340 ms instead of 180; a quarter of a second keeps the reuse
and still bounds memory (bench/import_bench.py: 554 MiB peak at 1M rows, 607 at 3M, 620 at
6M).
"""

from __future__ import annotations

import pyarrow as pa

DECAY_MS = 250


def use_jemalloc() -> str:
    """Make jemalloc Arrow's default pool when this pyarrow has it; the pool's name."""
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(DECAY_MS)
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return str(pa.default_memory_pool().backend_name)
    pa.set_memory_pool(pool)
    return str(pool.backend_name)
