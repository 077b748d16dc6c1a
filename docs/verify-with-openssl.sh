#!/usr/bin/env bash
# An independent verifier of a model-ledger database, using only the sqlite3 and
# openssl command-line tools (format: docs/ledger-format.md). It shares no code
# with model-ledger. Slow (two processes per row): for spot checks and audits of
# small ledgers, not for routine use.
#
#   docs/verify-with-openssl.sh LEDGER.sqlite KEYFILE [SEQ]
#
# Exit status: 0 every checked row verifies, 1 a row does not, 2 usage error.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 LEDGER.sqlite KEYFILE [SEQ]" >&2; exit 2; }
db=$1 keyfile=$2 only=${3:-}

# P = the RFC 8785 canonical JSON of every column except mac whose value is not NULL.
# json_object keeps the (sorted) member order given here; json_patch('{}', …) drops NULL members;
# SQLite escapes strings exactly as RFC 8785 requires.
payload_sql="SELECT json_patch('{}', json_object(
  'actor', actor, 'api_key_id', api_key_id, 'details', details, 'duration_ms', duration_ms,
  'error_code', error_code, 'error_message', error_message, 'host', host, 'http_status', http_status,
  'key_id', key_id, 'kind', kind, 'ledger_id', ledger_id, 'model', model, 'model_id', model_id,
  'os_user', os_user, 'outcome', outcome, 'prev_mac', prev_mac, 'reason', reason,
  'recorded_at', recorded_at, 'ref_seq', ref_seq, 'request_method', request_method,
  'request_url', request_url, 'response_body', response_body, 'retrain_job_id', retrain_job_id,
  'seq', seq)) FROM entries WHERE seq = "

# key_id -> hex key, for every line of the key file.
declare -A keys
while IFS= read -r hexkey; do
  [ -n "$hexkey" ] || continue
  id=$(printf "$(printf '%s' "$hexkey" | sed 's/../\\x&/g')" | openssl dgst -sha256 -r | cut -c1-16)
  keys[$id]=$hexkey
done < "$keyfile"

status=0 previous_mac=$(printf '%064d' 0) previous_seq=0 ledger_id=""
where=""; [ -n "$only" ] && where="WHERE seq >= $((only - 1)) AND seq <= $only"
while IFS='|' read -r seq row_ledger key_id prev_mac mac; do
  [ -n "$ledger_id" ] || ledger_id=$row_ledger
  if [ -n "$only" ] && [ "$seq" != "$only" ]; then previous_mac=$mac previous_seq=$seq; continue; fi
  problems=()
  [ "$row_ledger" = "$ledger_id" ] || problems+=("foreign ledger_id")
  if [ -z "$only" ] || [ "$previous_seq" != 0 ] || [ "$seq" = 1 ]; then
    [ "$seq" = $((previous_seq + 1)) ] || problems+=("gap after seq $previous_seq")
    [ "$prev_mac" = "$previous_mac" ] || problems+=("prev_mac does not link")
  fi
  if [ -z "${keys[$key_id]:-}" ]; then
    problems+=("unknown key_id $key_id")
  else
    computed=$(sqlite3 "$db" "$payload_sql $seq" | tr -d '\n' \
      | openssl dgst -sha256 -mac HMAC -macopt "hexkey:${keys[$key_id]}" -r | cut -d' ' -f1)
    [ "$computed" = "$mac" ] || problems+=("mac mismatch")
  fi
  if [ ${#problems[@]} -eq 0 ]; then echo "seq $seq ok"; else echo "seq $seq FAILED: ${problems[*]}"; status=1; fi
  previous_mac=$mac previous_seq=$seq
done < <(sqlite3 -separator '|' "$db" "SELECT seq, ledger_id, key_id, prev_mac, mac FROM entries $where ORDER BY seq")
exit $status
