#!/usr/bin/env bash
# Fuzzing with libFuzzer (`make fuzz`, `make fuzz-regress`).
#
#   scripts/fuzz.sh [fuzz|regress|build] [TARGET…]
#
#   fuzz     build, then run every target for FUZZ_SECONDS (default 30) seconds
#   regress  build, then run every input of the committed corpus (Tests/FuzzCorpus/<target>/) once
#   build    only build
#
# The targets (Fuzz/<target>.swift) are built with swiftc directly, not SwiftPM: the harness plus exactly
# the source files it needs (LedgerPrimitives and LedgerCore as one module each; the EPAClient files that do
# not use AsyncHTTPClient, on LedgerPrimitives only; the simulator's fixture files), with -sanitize=fuzzer,address, into .build-fuzz/ (not committed).
# Each run starts from the committed seeds in Tests/FuzzCorpus/<target>/ and grows a scratch corpus in
# .build-fuzz/corpus/<target>/, so new inputs are never committed by accident. A crash, timeout or
# out-of-memory input is copied to Tests/FuzzCorpus/<target>/ as a regression input (commit it with
# the fix) and the script exits 1.
#
# Environment: FUZZ_SECONDS (default 30), FUZZ_TARGETS (space-separated targets, default all), SWIFTC, CLANG,
# FUZZ_SANITIZERS (default fuzzer,address).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.build-fuzz
mode=${1:-fuzz}
[ $# -gt 0 ] && shift
all_targets=(CanonicalJSON ServiceAnswers BundleLines Checkpoint SimulatorFixtures)
if [ $# -gt 0 ]; then targets=("$@"); else read -r -a targets <<<"${FUZZ_TARGETS:-${all_targets[*]}}"; fi
seconds=${FUZZ_SECONDS:-30}
swiftc=${SWIFTC:-swiftc}
clang=${CLANG:-$(dirname "$(command -v "$swiftc")")/clang}
[ -x "$clang" ] || clang=clang
sanitizers=${FUZZ_SANITIZERS:-fuzzer,address}
case "$mode" in fuzz | regress | build) ;; *) echo "usage: $0 [fuzz|regress|build] [target…]" >&2; exit 64 ;; esac

mkdir -p "$out/obj" "$out/modules" "$out/bin" "$out/include/CLedgerCrypto" "$out/include/CLibPQ" "$out/logs"

swift_flags=(-parse-as-library -O -swift-version 6 -sanitize="$sanitizers" -package-name model_ledger
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
    -I "$out/modules" -I "$out/include/CLedgerCrypto" -I "$out/include/CLibPQ" -I "$root/Sources/CSQLite")
link_flags=(-lcrypto -lsqlite3 -ldl)

# True when $1 is missing or older than any of the other files.
stale() {
    local target=$1; shift
    [ -e "$target" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$target" ] && return 0; done
    return 1
}

# Quiet compiler output: the gold linker warns about ASan's local symbols on every link.
compile() {
    local log=$out/logs/build.log
    if ! "$@" >"$log" 2>&1; then
        grep -v "Cannot export local symbol" "$log" >&2 || true
        echo "fuzz: build failed: $*" >&2
        exit 2
    fi
}

script=$root/scripts/fuzz.sh
primitives_sources=()
while IFS= read -r f; do primitives_sources+=("$f"); done < <(find "$root/Sources/LedgerPrimitives" -name '*.swift' | sort)
ledger_sources=()
while IFS= read -r f; do ledger_sources+=("$f"); done < <(find "$root/Sources/LedgerCore" -name '*.swift' | sort)
client_sources=()
while IFS= read -r f; do client_sources+=("$f"); done < <(
    find "$root/Sources/EPAClient" -name '*.swift' | sort | while IFS= read -r f; do
        grep -qE '^import (AsyncHTTPClient|NIO)' "$f" || echo "$f"
    done)
fixture_sources=("$root"/Sources/EPASimulator/SimulatorFixture*.swift "$root/Sources/EPASimulator/StrictDecoding.swift"
    "$root/Sources/EPASimulator/SimulatorError.swift")

build_core() {
    # SwiftPM generates CLedgerCrypto's module map; this is the same one.
    local map=$out/include/CLedgerCrypto/module.modulemap
    printf 'module CLedgerCrypto {\n    header "%s"\n    link "crypto"\n    export *\n}\n' \
        "$root/Sources/CLedgerCrypto/include/CLedgerCrypto.h" >"$map.new"
    cmp -s "$map.new" "$map" && rm "$map.new" || mv "$map.new" "$map"
    if stale "$out/obj/ledger_crypto.o" "$root/Sources/CLedgerCrypto/ledger_crypto.c" \
        "$root/Sources/CLedgerCrypto/include/CLedgerCrypto.h" "$script"; then
        echo "fuzz: compiling CLedgerCrypto" >&2
        compile "$clang" -c -O1 -g -fsanitize=fuzzer-no-link,address -I "$root/Sources/CLedgerCrypto/include" \
            "$root/Sources/CLedgerCrypto/ledger_crypto.c" -o "$out/obj/ledger_crypto.o"
    fi
    # CLibPQ (libpq loaded on first use) is part of LedgerCore's graph: its module map and loader too.
    local pqmap=$out/include/CLibPQ/module.modulemap
    printf 'module CLibPQ {\n    header "%s"\n    export *\n}\n' "$root/Sources/CLibPQ/include/CLibPQ.h" >"$pqmap.new"
    cmp -s "$pqmap.new" "$pqmap" && rm "$pqmap.new" || mv "$pqmap.new" "$pqmap"
    if stale "$out/obj/libpq_loader.o" "$root/Sources/CLibPQ/libpq_loader.c" "$root/Sources/CLibPQ/include/CLibPQ.h" "$script"; then
        echo "fuzz: compiling CLibPQ" >&2
        compile "$clang" -c -O1 -g -fsanitize=fuzzer-no-link,address -I "$root/Sources/CLibPQ/include" \
            "$root/Sources/CLibPQ/libpq_loader.c" -o "$out/obj/libpq_loader.o"
    fi
    if stale "$out/obj/LedgerPrimitives.o" "${primitives_sources[@]}" "$script"; then
        echo "fuzz: compiling LedgerPrimitives (${#primitives_sources[@]} files, whole module)" >&2
        compile "$swiftc" "${swift_flags[@]}" -wmo -module-name LedgerPrimitives -emit-module \
            -emit-module-path "$out/modules/LedgerPrimitives.swiftmodule" -c -o "$out/obj/LedgerPrimitives.o" "${primitives_sources[@]}"
    fi
    [ "${1:-core}" = primitives ] && return 0
    if stale "$out/obj/LedgerCore.o" "${ledger_sources[@]}" "$out/obj/LedgerPrimitives.o" "$script"; then
        echo "fuzz: compiling LedgerCore (${#ledger_sources[@]} files, whole module)" >&2
        compile "$swiftc" "${swift_flags[@]}" -wmo -module-name LedgerCore -emit-module \
            -emit-module-path "$out/modules/LedgerCore.swiftmodule" -c -o "$out/obj/LedgerCore.o" "${ledger_sources[@]}"
    fi
}

# build_target NAME MODULE-NAME LINKS(none|primitives|core) SOURCES…
build_target() {
    local name=$1 module=$2 links=$3; shift 3
    local harness=$root/Fuzz/$name.swift bin=$out/bin/$name
    local deps=("$harness" "$@" "$script")
    local objects=()
    case "$links" in
    primitives) objects=("$out/obj/LedgerPrimitives.o" "$out/obj/ledger_crypto.o") ;;
    core) objects=("$out/obj/LedgerCore.o" "$out/obj/LedgerPrimitives.o" "$out/obj/ledger_crypto.o" "$out/obj/libpq_loader.o") ;;
    esac
    deps+=(${objects[@]+"${objects[@]}"})
    if stale "$bin" "${deps[@]}"; then
        echo "fuzz: linking $name" >&2
        compile "$swiftc" "${swift_flags[@]}" -wmo -module-name "$module" "$harness" "$@" ${objects[@]+"${objects[@]}"} \
            "${link_flags[@]}" -o "$bin"
    fi
}

build() {
    local t needs=none
    for t in "${targets[@]}"; do
        case "$t" in
        BundleLines | Checkpoint) needs=core ;;
        CanonicalJSON | ServiceAnswers) [ "$needs" = none ] && needs=primitives ;;
        esac
    done
    [ "$needs" != none ] && build_core "$needs"
    for t in "${targets[@]}"; do
        case "$t" in
        BundleLines | Checkpoint) build_target "$t" "Fuzz$t" core ;;
        CanonicalJSON) build_target "$t" "Fuzz$t" primitives ;;
        # Compiled into the EPAClient module so that the harness reaches the internal ResponseDecoding;
        # like EPAClient itself, it links LedgerPrimitives, not LedgerCore.
        ServiceAnswers) build_target "$t" EPAClient primitives "${client_sources[@]}" ;;
        SimulatorFixtures) build_target "$t" EPASimulator none "${fixture_sources[@]}" ;;
        *) echo "fuzz: unknown target $t (known: ${all_targets[*]})" >&2; exit 64 ;;
        esac
    done
}

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

run() {
    local t failed=0 total_start
    total_start=$(date +%s.%N)
    printf '%-18s %8s %12s %10s  %s\n' target seconds executions exec/s result
    for t in "${targets[@]}"; do
        local seeds=$root/Tests/FuzzCorpus/$t scratch=$out/corpus/$t artifacts=$out/artifacts/$t/
        local log=$out/logs/$t.log dict=$root/Fuzz/json.dict
        mkdir -p "$seeds" "$scratch" "$artifacts"
        rm -f "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/leak-* "$artifacts"/slow-unit-*
        local args=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts" -dict="$dict")
        if [ "$mode" = regress ]; then
            args+=(-runs=0 "$seeds")
        else
            # FUZZ_SEED fixes libFuzzer's random seed (CI sets one so a run is repeatable); 0 = random.
            args+=(-seed="${FUZZ_SEED:-0}" -max_total_time="$seconds" "$scratch" "$seeds")
        fi
        local start end rc=0
        start=$(date +%s.%N)
        # Swift's own crash backtracer would race libFuzzer's and ASan's reports.
        SWIFT_BACKTRACE=enable=no "$out/bin/$t" "${args[@]}" >"$log" 2>&1 || rc=$?
        end=$(date +%s.%N)
        local units eps result=ok
        units=$(stat_of number_of_executed_units "$log")
        eps=$(stat_of average_exec_per_sec "$log")
        if [ "$rc" != 0 ]; then
            result="FAILED (exit $rc, log $log)"
            failed=1
            local a
            for a in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/leak-*; do
                [ -e "$a" ] || continue
                local known="" s
                for s in "$seeds"/*; do cmp -s "$a" "$s" && known=$s && break; done
                if [ -n "$known" ]; then
                    result="$result; committed input Tests/FuzzCorpus/$t/$(basename "$known")"
                else
                    cp "$a" "$seeds/regress-$(basename "$a")"
                    result="$result; input saved as Tests/FuzzCorpus/$t/regress-$(basename "$a")"
                fi
            done
        fi
        printf '%-18s %8s %12s %10s  %s\n' "$t" "$(elapsed "$start" "$end")" "${units:-?}" "${eps:-?}" "$result"
        if [ "$rc" != 0 ]; then
            grep -E "FUZZ PROPERTY FAILED|ERROR: (AddressSanitizer|libFuzzer)|Fatal error|SUMMARY" "$log" | head -5 >&2 || true
        fi
    done
    printf 'fuzz: %s finished in %s s\n' "$mode" "$(elapsed "$total_start" "$(date +%s.%N)")"
    return "$failed"
}

build
[ "$mode" = build ] && exit 0
run
