#!/usr/bin/env bash
# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "==> installing Debian's chromium for the browser tests"
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
  echo "error: $CHROMIUM is missing; install Debian's 'chromium' package (as root) and rerun" >&2
  exit 1
fi
SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
# The binary, not Debian's launcher script (whose /dev/shm check prints shell noise).
/usr/lib/chromium/chromium --version 2>/dev/null || "$CHROMIUM" --version 2>/dev/null
