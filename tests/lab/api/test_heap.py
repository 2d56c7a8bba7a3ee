"""A serving process freezes its start-up heap, so full collections skip it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_settle_freezes_what_start_up_left_and_collects_its_garbage() -> None:
    probe = textwrap.dedent(
        """
        import gc
        import lab.api.app  # the whole API's import graph, as a serving process has it
        from lab.api import heap

        class Cycle:
            pass

        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        del a, b  # garbage only the cyclic collector can free
        before = len(gc.get_objects())
        frozen = heap.settle()
        assert not [o for o in gc.get_objects() if type(o).__name__ == "Cycle"]
        # what survived is frozen: a full collection no longer walks it
        assert frozen > 100_000, (frozen, before)
        assert len(gc.get_objects()) < before / 10, (len(gc.get_objects()), before)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
