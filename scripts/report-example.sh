#!/usr/bin/env bash
# Regenerates docs/report-example.html (the HTML report of the demo ledger: switches, rejections,
# a failure, approvals and a rollback) and, when chromium is installed, docs/report-screenshot.png.
#
#   scripts/report-example.sh [BIN_DIR]     (default .build/debug; build ledger and epa-simulator first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/.build/debug}"
DEMO_REPORT_HTML="$root/docs/report-example.html" "$root/scripts/demo.sh" "$bin" > /dev/null
echo "wrote docs/report-example.html"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "no chromium: docs/report-screenshot.png not regenerated (apt-get install chromium)" >&2
  exit 0
fi
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1700 \
  --screenshot="$root/docs/report-screenshot.png" "file://$root/docs/report-example.html" 2> /dev/null
echo "wrote docs/report-screenshot.png"
