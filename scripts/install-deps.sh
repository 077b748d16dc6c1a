#!/usr/bin/env bash
# Installs the system packages model-ledger needs, when any is missing (Debian/Ubuntu):
#   build: libsqlite3-dev libssl-dev libpq-dev
#   PostgreSQL tests: postgresql (a throwaway cluster on a Unix socket: scripts/pg-test-cluster.sh)
#   tests and demo: sqlite3 openssl python3 python3-cryptography curl (independent verification: the format,
#   signed notes, proofs and bundles checked by Python; the manual's curl example), man-db (the
#   installed man pages rendered with `man -l` by the make-install test)
# Uses sudo when not root. On systems without apt-get it names what is missing and leaves the
# installing to you (exit 0), except under CI (CI set, e.g. CI=true): there a missing package
# fails the run (exit 1), because the tests that need it would otherwise not check anything.
set -euo pipefail
packages=(libsqlite3-dev libssl-dev libpq-dev postgresql sqlite3 openssl python3 python3-cryptography curl man-db)
in_ci() { case "${CI:-}" in "" | 0 | false | FALSE | False | no) return 1 ;; *) return 0 ;; esac; }
# Without dpkg: judge by the commands and headers each package provides.
present_without_dpkg() {
  case "$1" in
    libsqlite3-dev) [ -e /usr/include/sqlite3.h ] || [ -e /usr/local/include/sqlite3.h ] ;;
    libssl-dev) [ -e /usr/include/openssl/evp.h ] || [ -e /usr/local/include/openssl/evp.h ] ;;
    libpq-dev) [ -e /usr/include/postgresql/libpq-fe.h ] ;;
    postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 ;;
    man-db) command -v man >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}
missing=()
for p in "${packages[@]}"; do
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  else
    present_without_dpkg "$p" || missing+=("$p")
  fi
done
# scripts/check-openapi.py (the service's OpenAPI tests) needs python3's jsonschema and openapi_spec_validator (PyPI).
python_modules() {
  command -v python3 >/dev/null 2>&1 || return 0
  python3 -c "import jsonschema, openapi_spec_validator" 2>/dev/null && return 0
  echo "install-deps: installing the Python modules jsonschema openapi-spec-validator" >&2
  python3 -m pip install -q jsonschema openapi-spec-validator || python3 -m pip install -q --break-system-packages jsonschema openapi-spec-validator || {
    in_ci && { echo "install-deps: CI: cannot install jsonschema openapi-spec-validator for python3" >&2; exit 1; }
    echo "install-deps: please install the Python modules jsonschema openapi-spec-validator (the OpenAPI tests are skipped, loudly)" >&2
  }
}
[ ${#missing[@]} -eq 0 ] && { python_modules; exit 0; }
if ! command -v apt-get >/dev/null 2>&1; then
  if in_ci; then
    echo "install-deps: CI: missing packages and no apt-get to install them: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: please install: ${missing[*]} (tests that need them are skipped, loudly; under CI=true they fail)" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}" >/dev/null
python_modules
