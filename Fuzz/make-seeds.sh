#!/usr/bin/env bash
# Regenerates the signed seeds of the BundleLines and Checkpoint fuzz targets (Tests/FuzzCorpus/) with the
# built `ledger` and `epa-simulator` and the fuzz key (bytes 0…31, id 630dcd2966c43366, public test
# material). The other seeds are written by hand. Usage: Fuzz/make-seeds.sh [bin dir] (after `swift build`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$(cd "$root" && swift build --show-bin-path)}"
work="$(mktemp -d "${TMPDIR:-/tmp}/fuzz-seeds.XXXXXX")"
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
umask 077
mkfifo "$work/sim.out"
"$bin/epa-simulator" --fixture "$root/demo/fixture.json" --host 127.0.0.1 --port 0 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
exec 3<"$work/sim.out"
read -r -t 30 port <&3
cat <&3 >/dev/null &
export EPA_BASE_URL="http://127.0.0.1:$port/v1/external" LEDGER_DB="$work/ledger.sqlite" LEDGER_KEY_FILE="$work/ledger.key"
export LEDGER_ACTOR="fuzz-seed"
python3 -c 'print(bytes(range(32)).hex())' >"$LEDGER_KEY_FILE"
printf 'demo-key-churn\n' >"$work/churn.apikey"
ledger() { "$bin/ledger" "$@"; }
ledger init >/dev/null
ledger switch churn-2026-11 --model churn --reason "CHG-1 \"quoted\" é ✓" --api-key-file "$work/churn.apikey" >/dev/null || true
ledger switch churn-2026-11-running --model churn --reason CHG-2 --api-key-file "$work/churn.apikey" >/dev/null 2>&1 || true
ledger checkpoint create --out "$work/cp-hmac.json" >/dev/null
ledger keys ed25519-generate --out "$work/ed.pem" >/dev/null
signer="$work/ed.pem"
ledger checkpoint create --out "$work/cp-ed25519.json" --sign-key "$signer" >/dev/null
ledger switch churn-2026-11-nope --model churn --reason CHG-3 --skip-preflight --api-key-file "$work/churn.apikey" >/dev/null 2>&1 || true
ledger export --out "$work/all.jsonl" >/dev/null
ledger export --out "$work/churn.jsonl" --model churn >/dev/null
umask 022
mkdir -p "$root/Tests/FuzzCorpus/BundleLines" "$root/Tests/FuzzCorpus/Checkpoint"
cp "$work/all.jsonl" "$root/Tests/FuzzCorpus/BundleLines/seed-all.jsonl"
cp "$work/churn.jsonl" "$root/Tests/FuzzCorpus/BundleLines/seed-model.jsonl"
cp "$work/cp-hmac.json" "$root/Tests/FuzzCorpus/Checkpoint/seed-hmac.json"
[ -f "$work/cp-ed25519.json" ] && cp "$work/cp-ed25519.json" "$root/Tests/FuzzCorpus/Checkpoint/seed-ed25519.json"
echo "seeds written to Tests/FuzzCorpus/{BundleLines,Checkpoint}"
