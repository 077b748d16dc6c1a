#!/usr/bin/env bash
# The audited switch demo: epa-simulator on a free loopback port, a throwaway ledger, and the
# whole lifecycle: upload → status --wait → switch → one rejected switch per documented reason →
# approvals: propose → approve → switch → rollback → log → verify (intact) → a tampered copy →
# verify (caught).
#
#   scripts/demo.sh [BIN_DIR]        (make demo builds and passes the bin dir)
#   DEMO_REPORT_HTML=FILE also writes the HTML report of the demo ledger to FILE (scripts/report-example.sh)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/.build/debug}"
work="$(mktemp -d "${TMPDIR:-/tmp}/model-ledger-demo.XXXXXX")"
sim_pid=""

cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null
    wait "$sim_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo interrupted"; exit 130' INT TERM

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
step() { echo; bold "# $*"; }
# Prints a command, runs it, and shows its exit code.
run() {
  printf '$ %s\n' "$*"
  "$@"
  local rc=$?
  echo "  → exit $rc"
  return 0
}
ledger() { "$bin/ledger" "$@"; }

for exe in ledger epa-simulator; do
  [ -x "$bin/$exe" ] || { echo "demo: $bin/$exe is missing; run 'make demo'" >&2; exit 1; }
done

step "Start the API simulator on a free loopback port (fixture: demo/fixture.json)"
mkfifo "$work/sim.out"
"$bin/epa-simulator" --fixture "$root/demo/fixture.json" --host 127.0.0.1 --port 0 \
  --request-log "$work/requests.jsonl" > "$work/sim.out" 2> "$work/sim.err" &
sim_pid=$!
exec 3< "$work/sim.out"
if ! read -r -t 30 port <&3; then
  echo "demo: the simulator did not start:" >&2; cat "$work/sim.err" >&2; exit 1
fi
cat <&3 > /dev/null &
echo "epa-simulator listening on 127.0.0.1:$port"

export EPA_BASE_URL="http://127.0.0.1:$port/v1/external"
export LEDGER_DB="$work/ledger.sqlite"
export LEDGER_KEY_FILE="$work/ledger.key"
export LEDGER_ACTOR="alice@example.com"
umask 077
printf 'demo-key-churn\n' > "$work/churn.apikey"
printf 'model,label\n1,0\n2,1\n' > "$work/churn-2026-11.csv"
echo "EPA_BASE_URL=$EPA_BASE_URL"
echo "LEDGER_DB=$LEDGER_DB  LEDGER_KEY_FILE=$LEDGER_KEY_FILE  LEDGER_ACTOR=$LEDGER_ACTOR"

step "Create the ledger (and its HMAC key, mode 0600)"
run ledger init

step "Upload retraining data: the ledger records the file's name, size and SHA-256 and the issued job id"
printf '$ %s\n' "ledger retrain upload $work/churn-2026-11.csv --model churn --reason CHG-1234 --api-key-file $work/churn.apikey --format json"
upload_json=$(ledger retrain upload "$work/churn-2026-11.csv" --model churn --reason CHG-1234 \
  --api-key-file "$work/churn.apikey" --format json)
echo "  → exit $?"
job=$(printf '%s\n' "$upload_json" | sed -n 's/^  "retrain_job_id": "\(.*\)",*$/\1/p')
printf '%s\n' "$upload_json" | grep -E '"(retrain_job_id|outcome|details|seq)"'
echo "issued retrain job: $job"

step "Wait for retraining to finish (polls with backoff; each status change is recorded)"
run ledger retrain status "$job" --model churn --wait --interval 0.2 --api-key-file "$work/churn.apikey"

step "Switch the churn model to the retrained job (pre-flight status check, then the audited PUT)"
run ledger switch "$job" --model churn --reason "CHG-1234 weekly retrain" --api-key-file "$work/churn.apikey"

step "Pre-flight refuses a job that is still running (nothing is sent to update_model)"
run ledger switch churn-2026-11-running --model churn --reason CHG-1235 --api-key-file "$work/churn.apikey"

step "Each documented rejection, recorded (--skip-preflight so that the PUT itself is refused)"
run env EPA_API_KEY=demo-key-unknown "$bin/ledger" switch churn-2026-11-a --model churn --reason CHG-1236 --skip-preflight
run env EPA_API_KEY=demo-key-inactive "$bin/ledger" switch churn-2026-11-a --model churn --reason CHG-1237 --skip-preflight
run env EPA_API_KEY=demo-key-gone "$bin/ledger" switch churn-2026-11-a --model churn --reason CHG-1238 --skip-preflight
run ledger switch churn-2026-11-nope --model churn --reason CHG-1239 --skip-preflight --api-key-file "$work/churn.apikey"
run env EPA_API_KEY=demo-key-fraud "$bin/ledger" switch fraud-2026-11-a --model fraud --reason CHG-1240 --skip-preflight
run ledger switch churn-2026-11-running --model churn --reason CHG-1241 --skip-preflight --api-key-file "$work/churn.apikey"

step "A service failure (HTTP 500) is recorded as failed, never retried"
run ledger switch churn-2026-11-flaky --model churn --reason CHG-1242 --api-key-file "$work/churn.apikey"

step "Input that could change the URL never reaches the network or the ledger"
run ledger switch "../admin" --model churn --reason CHG-1243 --api-key-file "$work/churn.apikey"

step "Approvals (four eyes): a policy file requires one approver other than the requester (docs/policy.md)"
cat > "$work/policy.toml" <<'POLICY'
[default]
approvals_required = 1
requester_may_approve = false
approval_ttl = "24h"
emergency_allowed = true
POLICY
cat "$work/policy.toml"
export LEDGER_POLICY="$work/policy.toml"
echo "LEDGER_POLICY=$LEDGER_POLICY"

step "Without an approved proposal the switch is refused (exit 7: nothing written, nothing sent)"
run ledger switch churn-2026-11-a --model churn --reason CHG-1250 --api-key-file "$work/churn.apikey"

step "alice proposes the switch (the policy in force is recorded first, as policy.set)"
printf '$ %s\n' "ledger propose churn-2026-11-a --model churn --reason CHG-1250 --format json"
proposal=$(ledger propose churn-2026-11-a --model churn --reason CHG-1250 --format json | sed -n 's/^  "seq": \([0-9]*\),*$/\1/p')
echo "  → proposal $proposal"

step "alice may not approve her own proposal; bob approves it"
run ledger approve "$proposal" --reason "my own change"
run env LEDGER_ACTOR=bob@example.com "$bin/ledger" approve "$proposal" --reason "CHG-1250 reviewed"

step "The approved switch runs; switch.requested names the proposal, the approval and the policy"
run ledger switch --proposal "$proposal" --api-key-file "$work/churn.apikey"

step "Rollback: back to the job live before (from the ledger's own history), as an approved switch"
printf '$ %s\n' "ledger propose $job --model churn --reason INC-7 --format json"
rollback=$(ledger propose "$job" --model churn --reason "INC-7 rollback" --format json | sed -n 's/^  "seq": \([0-9]*\),*$/\1/p')
echo "  → proposal $rollback"
run env LEDGER_ACTOR=bob@example.com "$bin/ledger" approve "$rollback" --reason "INC-7 approved"
run ledger rollback --model churn --reason "INC-7 accuracy dropped" --proposal "$rollback" --api-key-file "$work/churn.apikey"
unset LEDGER_POLICY

step "What the reviewer sees: the log"
run ledger log

step "Verify: every entry's signature and link"
run ledger verify

step "A reviewer's questions: what was live just now, and the switch report"
run ledger report --as-of "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
run ledger report --limit 5

if [ -n "${DEMO_REPORT_HTML:-}" ]; then
  # scripts/report-example.sh: the HTML report of this demo ledger, for docs/.
  ledger report --format html --out "$DEMO_REPORT_HTML"
fi

step "Anchor the head outside the database: a checkpoint (verify --checkpoint catches a ledger cut short)"
run ledger checkpoint --out "$work/checkpoint.json"

step "Tamper with a copy: an attacker drops the triggers and rewrites who switched"
cp "$LEDGER_DB" "$work/tampered.sqlite"
sqlite_tamper="DROP TRIGGER entries_no_update; UPDATE entries SET actor = 'mallory' WHERE kind = 'switch.completed' AND outcome = 'succeeded';"
printf '$ sqlite3 tampered.sqlite "%s"\n' "$sqlite_tamper"
if command -v sqlite3 >/dev/null; then
  sqlite3 "$work/tampered.sqlite" "$sqlite_tamper"
else
  echo "(sqlite3 CLI not installed; skipping the tamper step)"
fi
run ledger verify --db "$work/tampered.sqlite"

step "What the simulator received (the API key itself is never logged)"
cut -c1-150 "$work/requests.jsonl" | head -n 30
echo
bold "Demo complete. Everything ran against 127.0.0.1:$port; the throwaway ledger is removed on exit."
