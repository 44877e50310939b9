#!/bin/sh
# Scores HTML main-text extraction on trafilatura's evaluation pages and prints the extraction speed.
# Usage: scripts/bench-html.sh [BENCHMARKS_DIR]   (default ../shared/benchmarks)
set -eu
cd "$(dirname "$0")/.."
benchmarks="${1:-../shared/benchmarks}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
NIGHTSHIFT_HTML_BENCH_PAGES="$benchmarks/html/trafilatura-eval/pages" NIGHTSHIFT_HTML_BENCH_OUT="$out" \
    swift test -c release --scratch-path "${SCRATCH_PATH:-.build-bench}" --filter HTMLBenchmarkDump 2>&1 \
    | grep 'html benchmark:' || true
python3 "$benchmarks/score_html.py" --dir "$out"
