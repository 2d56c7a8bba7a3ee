"""Keep the start-up heap out of the garbage collector's way once a server is ready.

A `lab serve` process imports the whole lab (pydantic models, SQLAlchemy mappers, the
recognizers, the model formats): some 300,000 long-lived objects. Each full collection of
Python's cyclic garbage collector walks all of them, and it holds the GIL while it does:
about 100–350 ms on this kind of machine, during which every request in the process stands
still. Under load those pauses were the slowest requests the clients saw.

`settle()` collects what start-up left behind, then freezes the survivors into the
permanent generation (`gc.freeze`), so later collections walk only what requests allocate.
Called once per serving process, after its app is built; never in tests, where apps are
built and dropped many times and freezing would keep each one's garbage forever.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect start-up garbage and freeze the rest; returns the objects now frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
