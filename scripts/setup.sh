#!/usr/bin/env bash
# Installs what consent needs into .venv, and the tests' OpenID provider (tests/oidc_provider,
# npm `oidc-provider` from its lock file, run with the machine's Node.js); with --with-browser also Debian's Chromium for the
# browser tests (never a downloaded browser), with --with-bench Debian's wrk for
# bench/pages.py (not needed by the tests). Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=false
with_bench=false
for option in "$@"; do
  case "$option" in
    --with-browser) with_browser=true ;;
    --with-bench) with_bench=true ;;
    *) echo "unknown option: $option (known: --with-browser --with-bench)" >&2; exit 2 ;;
  esac
done

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages"
  # uv (from PyPI) resolves and installs the same packages as pip in a fifth of the time: about
  # 10 s instead of 50 on a fresh machine, which every CI run pays. --compile-bytecode as pip
  # does: where PYTHONDONTWRITEBYTECODE is set (these machines set it), nothing else ever
  # writes the .pyc files, and every process the tests start (workers, gunicorn, the CLI)
  # would compile every module it imports again, 1.8 s each.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv>=0.4"
  .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The project's own modules compiled ahead too (see above; an edited file's stale .pyc is
# ignored, never used). compileall skips what is up to date.
.venv/bin/python -m compileall -q -j 0 consent tests config.py wsgi.py >/dev/null

# Compiled translations (.mo) are not committed: build them when a catalog (.po) is newer.
for po in consent/translations/*/LC_MESSAGES/messages.po; do
  if [ -f "$po" ] && [ ! "${po%.po}.mo" -nt "$po" ]; then
    echo "Compiling translations"
    .venv/bin/pybabel -q compile -d consent/translations
    break
  fi
done

# The real OpenID Connect provider the SSO tests (and the demo's SSO) run on loopback: exactly
# the versions in its package-lock.json, installed again only when the lock file changes.
provider=tests/oidc_provider
if [ ! -f "$provider/node_modules/.package-lock.json" ] \
  || [ "$provider/package-lock.json" -nt "$provider/node_modules/.package-lock.json" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "Installing the tests' OpenID provider (npm ci)"
    (cd "$provider" && npm ci --no-audit --no-fund --silent)
  else
    echo "Node.js and npm are needed for the single sign-on tests (apt-get install nodejs npm)" >&2
    exit 1
  fi
fi

if $with_browser && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if $with_bench && ! command -v wrk >/dev/null 2>&1; then
  echo "Installing Debian's wrk for bench/pages.py"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
