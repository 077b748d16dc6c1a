#!/usr/bin/env python3
"""Start-up comparison of `ledger` builds: each build's `--version` and `switch --skip-preflight`
against `curl` doing the same PUT, all interleaved (one round runs every command once, in turn),
against one `epa-simulator` on a loopback port.

    scripts/startup-compare.py [--runs N] [--simulator PATH] NAME=BIN_DIR [NAME=BIN_DIR ...]

Each BIN_DIR holds a `ledger` (e.g. .build/release, or a build with --static-swift-stdlib). The
simulator is the first BIN_DIR's `epa-simulator` unless --simulator is given. Prints, per build,
the median (and p10–p90) of each command in ms and its ratio to curl's median. Interleaving makes
machine load (other builds on a shared machine) hit every command alike; the spread shows how
noisy the run was. Used to decide what `make release` / `make bench` build with (README, Performance).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

API_KEY = "bench-key-churn-5c0f1e"
JOB = "bench-job-finished"
FIXTURE = {
    "api_keys": [{"key": API_KEY, "model": "churn", "state": "active"}],
    "models": [{"name": "churn", "model_id": 101, "jobs": [{"id": JOB, "status": "finished"}]}],
}
WARMUP = 3


def timed(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed * 1000


def pct(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--simulator")
    parser.add_argument("builds", nargs="+", metavar="NAME=BIN_DIR")
    args = parser.parse_args()
    builds = []
    for spec in args.builds:
        name, sep, bin_dir = spec.partition("=")
        if not sep or not os.access(os.path.join(bin_dir, "ledger"), os.X_OK):
            sys.exit(f"not NAME=BIN_DIR with an executable ledger: {spec}")
        builds.append((name, os.path.abspath(os.path.join(bin_dir, "ledger"))))
    simulator_binary = args.simulator or os.path.join(args.builds[0].partition("=")[2], "epa-simulator")
    curl = shutil.which("curl") or sys.exit("curl is not on PATH")

    work = tempfile.mkdtemp(prefix="ledger-startup-")
    try:
        fixture = os.path.join(work, "fixture.json")
        with open(fixture, "w") as f:
            json.dump(FIXTURE, f)
        sim = subprocess.Popen(
            [simulator_binary, "--fixture", fixture, "--host", "127.0.0.1", "--port", "0",
             "--request-log", os.path.join(work, "requests.jsonl")],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            port = int(sim.stdout.readline().strip())
            base = f"http://127.0.0.1:{port}/v1/external"
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "LANG": "C.UTF-8", "NO_COLOR": "1",
                   "EPA_API_KEY": API_KEY, "EPA_BASE_URL": base, "LEDGER_ACTOR": "bench"}
            commands = [("curl PUT", [curl, "-s", "-o", "/dev/null", "-H", f"x-api-key:{API_KEY}", "-X", "PUT",
                                      f"{base}/retrain_jobs/{JOB}/update_model"])]
            for index, (name, ledger) in enumerate(builds):
                db, key = os.path.join(work, f"l{index}.sqlite"), os.path.join(work, f"l{index}.key")
                subprocess.run([ledger, "init", "--db", db, "--key-file", key], check=True, env=env,
                               stdout=subprocess.DEVNULL)
                commands.append((f"{name}: ledger --version", [ledger, "--version"]))
                commands.append((f"{name}: switch --skip-preflight",
                                 [ledger, "switch", JOB, "--model", "churn", "--reason", "CHG-bench", "--skip-preflight",
                                  "--db", db, "--key-file", key]))
            samples = {label: [] for label, _ in commands}
            for round_index in range(WARMUP + args.runs):
                for label, argv in commands:
                    ms = timed(argv, env)
                    if round_index >= WARMUP:
                        samples[label].append(ms)
        finally:
            sim.terminate()
            sim.wait()
        curl_median = statistics.median(samples["curl PUT"])
        print(f"{args.runs} interleaved runs after {WARMUP} warm-ups, against epa-simulator on {base}")
        print("| command | median ms | p10–p90 ms | median / curl |")
        print("| --- | --- | --- | --- |")
        for label, _ in commands:
            values = sorted(samples[label])
            median = statistics.median(values)
            print(f"| {label} | {median:.1f} | {pct(values, 0.1):.1f}–{pct(values, 0.9):.1f} | {median / curl_median:.2f}× |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
