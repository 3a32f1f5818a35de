#!/usr/bin/env bash
# Sets up livesim: finds a Python >= 3.12 (PATH first, then pyenv's versions),
# creates .venv and installs the project with its development extras.
# Re-running is quick: nothing is reinstalled unless pyproject.toml or the
# chosen interpreter changed.
set -euo pipefail
cd "$(dirname "$0")"

version_ok() {  # $1: an interpreter; true if it is Python >= 3.12
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local c
  for c in python3 python3.13 python3.12 python; do
    if command -v "$c" >/dev/null 2>&1 && version_ok "$(command -v "$c")"; then
      command -v "$c"; return 0
    fi
  done
  local roots=()
  if command -v pyenv >/dev/null 2>&1; then roots+=("$(pyenv root)"); fi
  roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
  local root cand
  for root in "${roots[@]}"; do
    [ -d "$root/versions" ] || continue
    # newest first: sort by version number
    for cand in $(ls -d "$root"/versions/3.*/bin/python3 2>/dev/null | sort -t/ -k1,1 -V -r); do
      if version_ok "$cand"; then echo "$cand"; return 0; fi
    done
  done
  return 1
}

PY=$(find_python) || {
  echo "setup.sh: livesim needs Python >= 3.12, and none was found on PATH or under pyenv's versions." >&2
  echo "setup.sh: install one (for example 'pyenv install 3.12') and run this again." >&2
  exit 1
}

# The browser tests drive the Debian chromium package through Playwright
# (a browser download by Playwright cannot work without network beyond the
# package registries). Installed with apt-get when missing and we are root.
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: installing the chromium package for the browser tests (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup.sh: $CHROMIUM is missing and this is not root (or has no apt-get): the browser tests will fail;" >&2
    echo "setup.sh: install it as root with 'apt-get install chromium' and run this again." >&2
  fi
elif [ "$(id -u)" != "0" ]; then
  echo "setup.sh: not root: apt step skipped ($CHROMIUM is already installed)"
fi

stamp_of() { { "$PY" -c 'import sys; print(sys.version)'; echo "$PY"; cat pyproject.toml; } | sha256sum | cut -d' ' -f1; }
want=$(stamp_of)
if [ -x .venv/bin/python ] && [ "$(cat .venv/.livesim-stamp 2>/dev/null)" = "$want" ]; then
  exit 0
fi

echo "setup.sh: using $PY ($("$PY" -c 'import platform; print(platform.python_version())'))"
rm -rf .venv
"$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
echo "$want" > .venv/.livesim-stamp
echo "setup.sh: environment ready in .venv"
