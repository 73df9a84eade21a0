#!/usr/bin/env bash
# Create the virtual environment and install what is missing. With `--system`, also install
# Debian's PostgreSQL, Redis, Chromium and CJK fonts when running as root; without root, say
# so loudly and let the caller skip only what needs them.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ "${1:-}" = "--system" ]; then
  need=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null || need+=(redis-server)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto.*CJK" || need+=(fonts-noto-cjk)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo ">>> installing Debian packages: ${need[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
      echo "!!! ======================================================================="
      echo "!!! NOT ROOT: cannot install ${need[*]}."
      echo "!!! The layers that need them (PostgreSQL / Redis / browser tests) will be SKIPPED."
      echo "!!! ======================================================================="
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo ">>> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo ">>> installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
