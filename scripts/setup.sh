#!/usr/bin/env bash
# Create (or update) everything the lab and its checks need: Debian packages (bubblewrap
# to isolate user Python jobs, a Java runtime for Spark) and the Python environment in
# .venv. Idempotent: a second run only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# to build the lab's one C extension (a batch loop over OpenSSL's HMAC); optional: without
# them the lab builds and runs, with slower keyed pseudonyms
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -f /usr/include/openssl/hmac.h ] || need+=(libssl-dev)
# the headless browser of the console's end-to-end tests (Playwright drives it through
# executable_path: the lab runs offline, so Playwright's own browser download is not used)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian packages: ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
        echo "the lab starts without them, but refuses Python (bubblewrap) / Spark (java) jobs" >&2
    fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.installed
# the C helper is built by the install: again when its source changed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ setup.py -nt "$stamp" ] ||
    [ connectors/operators/_hmacbatch.c -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    touch "$stamp"
fi
