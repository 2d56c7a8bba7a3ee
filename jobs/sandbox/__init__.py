"""The pieces of the Python job sandbox: what the job sees (`layout`), how bubblewrap is
called (`bwrap`), its cgroups, seccomp filter and rlimits (`cgroups`, `seccomp`, `process`),
its captured output (`logs`) and its directories on the host (`workspace`)."""
