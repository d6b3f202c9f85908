#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies (constraints.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/3.10.13/bin/python" \
      python3.10 "$HOME/.pyenv/versions/3.10.13/bin/python"; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  if ! python=$(find_python); then
    echo "error: Python 3.10 is required (Rasa Open Source 3.6 supports 3.8-3.10) and none was found." >&2
    echo "Install it, e.g. 'pyenv install 3.10.13' or your system's python3.10 + python3.10-venv," >&2
    echo "or point PYTHON=/path/to/python3.10 at one, then run make again." >&2
    exit 1
  fi
  echo "==> creating .venv with $python"
  "$python" -m venv .venv
fi

echo "==> installing pinned dependencies into .venv (first run takes a few minutes)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check "pip==24.0" 2>&1 | { grep -v "is ignored" || true; }
.venv/bin/python -m pip install --quiet --disable-pip-version-check --progress-bar off \
  -r requirements.txt -r requirements-dev.txt -c constraints.txt 2>&1 | { grep -v "is ignored" || true; }
.venv/bin/python -m pip check >/dev/null || { .venv/bin/python -m pip check; exit 1; }
touch .venv/.installed
