#!/usr/bin/env bash
# Install what gridsvc needs on Debian, idempotently: system packages when missing,
# then a .venv with the package in editable mode (redone only when pyproject.toml changes).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bootstrap: installing ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

pg_major() {
  ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sed -E 's#.*/postgresql/([0-9]+)/.*#\1#' | sort -n | tail -1
}

# PostgreSQL server binaries and the PostGIS build for the same major version.
[ -n "$(pg_major)" ] || apt_install postgresql
apt_install "postgresql-$(pg_major)-postgis-3"
# MQTT broker for camera-event tests; Python venv support.
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
# Node and npm for the command map's front-end libraries (Leaflet, VectorGrid).
command -v npm >/dev/null || apt_install nodejs npm
# Headless Chromium (driven by Playwright in the browser tests; never `playwright install`)
# and a CJK font so that Chinese labels render in screenshots.
apt_install chromium chromium-driver fonts-wqy-microhei

PY=python3
if ! $PY -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python >= 3.11 is required (found $($PY --version))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || $PY -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The command map's front-end libraries: `npm ci` from the lock file (offline-served by the
# app at /static/vendor/), redone only when node_modules is missing or the lock file changed.
fe_stamp="maps/frontend/node_modules/.installed-$(sha256sum maps/frontend/package-lock.json | cut -c1-16)"
if [ ! -f "$fe_stamp" ]; then
  echo "bootstrap: installing the map's front-end libraries (npm ci)"
  (cd maps/frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch "$fe_stamp"
fi
