#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and the benchmark: Unix socket only (no TCP
# listener), trust authentication, in a directory of its own.
#
#   scripts/pg-test-cluster.sh start [DIR]   initdb + pg_ctl start; prints the superuser URL
#                                            postgresql://postgres@/postgres?host=DIR/socket
#   scripts/pg-test-cluster.sh stop DIR      pg_ctl stop -m fast, then removes DIR
#   scripts/pg-test-cluster.sh restart DIR   pg_ctl restart -m fast (the tests' restart case)
#
# As root, the server runs as the `postgres` OS user (PostgreSQL refuses to run as root); as
# anyone else, as that user. The binaries: $PG_BIN, else the newest /usr/lib/postgresql/*/bin,
# else the PATH. Exit 3 when no PostgreSQL server binaries are installed (callers skip loudly).
set -euo pipefail
# Close every descriptor but 0-2 that the caller let us inherit: the server is a daemon that lives on,
# and a pipe end it kept would leave a caller reading our output to EOF waiting forever.
for fd in /proc/$$/fd/*; do
  fd="${fd##*/}"
  case "$fd" in 0 | 1 | 2 | '*') ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done
cmd="${1:-}"
dir="${2:-}"

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return 0; fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return 0; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}
bin="$(find_bin)" || { echo "pg-test-cluster: no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql package" >&2; exit 3; }

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    if [ -z "$dir" ]; then dir="$(mktemp -d /tmp/ledger-pg.XXXXXX)"; fi
    mkdir -p "$dir/socket"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || { echo "pg-test-cluster: no postgres OS user (install the postgresql package)" >&2; exit 3; }
      chown -R postgres: "$dir"
      chmod 0755 "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      { echo "pg-test-cluster: initdb failed (see $dir/initdb.log)" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir/socket -c max_connections=200" start >/dev/null ||
      { echo "pg-test-cluster: pg_ctl start failed (see $dir/server.log)" >&2; exit 1; }
    echo "postgresql://postgres@/postgres?host=$dir/socket"
    ;;
  stop)
    [ -n "$dir" ] || { echo "usage: $0 stop DIR" >&2; exit 64; }
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 stop -m fast >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  restart)
    [ -n "$dir" ] || { echo "usage: $0 restart DIR" >&2; exit 64; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir/socket -c max_connections=200" restart -m fast >/dev/null
    ;;
  *)
    echo "usage: $0 start [DIR] | stop DIR | restart DIR" >&2
    exit 64
    ;;
esac
