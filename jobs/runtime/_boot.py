"""Start a job inside the sandbox: `python -I -S _boot.py <entrypoint>` (run by the engine).

The interpreter starts isolated (no environment variables, no user site, no site-packages of
its own); this sets the import path to the job's directory, the runtime (`labjob`) and the
packages bound for jobs, then runs the entry point as `__main__`. A traceback shows the job's
own frames, not these.
"""

from __future__ import annotations

import os
import runpy
import site
import sys
import traceback

JOB = "/job"
WORKSPACE = "/workspace"
LIB = "/opt/lab/lib"
SITE = "/opt/lab/site"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: _boot.py ENTRYPOINT", file=sys.stderr)
        return 2
    script = f"{JOB}/{argv[1]}"
    os.chdir(WORKSPACE)
    os.umask(0o077)
    sys.path[:] = [script.rpartition("/")[0], LIB, *sys.path]
    site.addsitedir(SITE)
    site.setquit()
    sys.argv = [script]
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(JOB + "/"):
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
