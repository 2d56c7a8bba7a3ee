"""A finished Python job's message: the exception's class at most, never its text."""

from __future__ import annotations

import pytest

from jobs.engines.python import PythonLimits
from jobs.engines.python_status import outcome
from jobs.sandbox.process import Finished

LIMITS = PythonLimits(wall_seconds=10, memory_mb=256, cpu_seconds=10)
FRAMES = 'Traceback (most recent call last):\n  File "/job/main.py", line 3, in <module>\n    x\n'

# (case, log, message)
CASES = [
    ("key_error", FRAMES + "KeyError: 'Zhang San'\n", "the job exited with code 1: KeyError"),
    (
        "dotted",
        FRAMES + "pandas.errors.ParserError: 13812345678\n",
        "the job exited with code 1: pandas.errors.ParserError",
    ),
    ("no_text", FRAMES + "StopIteration\n", "the job exited with code 1: StopIteration"),
    (
        "multi_line_text",
        FRAMES + "ValueError: first\nZhangSan\n",
        "the job exited with code 1: ValueError",
    ),
    (
        "chained",
        FRAMES
        + "KeyError: 'a'\n\nDuring handling of the above exception, another exception occurred:\n\n"
        + FRAMES
        + "RuntimeError: 李四\n",
        "the job exited with code 1: RuntimeError",
    ),
    ("non_ascii_class", FRAMES + "张三: boom\n", "the job exited with code 1"),
    ("not_a_name", FRAMES + "Zhang San: x\n", "the job exited with code 1"),
    (
        "printed_after",
        FRAMES + "KeyError: 'x'\nprinted later: 李四\n",
        "the job exited with code 1: KeyError",
    ),
    ("no_traceback", "rows: Zhang San\n", "the job exited with code 1"),
]


@pytest.mark.parametrize(("log", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_failed_job_names_the_class_only(log: str, message: str) -> None:
    status, shown = outcome(Finished(1, False, 0.1), LIMITS, log, oom_kills=0)
    assert (status, shown) == ("failed", message)
