#!/usr/bin/env bash
# Installs the system packages model-ledger needs, when any is missing (Debian/Ubuntu):
#   build: libsqlite3-dev libssl-dev
#   tests and demo: sqlite3 openssl python3 curl (independent verification, the manual's curl example)
# Uses sudo when not root. Does nothing on systems without apt-get (install them your way).
set -euo pipefail
packages=(libsqlite3-dev libssl-dev sqlite3 openssl python3 curl)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: please install: ${missing[*]}" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
