#!/usr/bin/env bash
# Nightshift's first command: installs what the build needs, builds the release binary, ingests the sample
# knowledge base (fixtures/docs) into the embedded store and asks it a question. No server and no API keys.
#
#   scripts/setup.sh ["a question"]
#
# Safe to run again: the second run finds every document unchanged and stores nothing new. The binary is
# left at .build/release/nightshift; the store at $NIGHTSHIFT_DB (default ./nightshift.sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."

question=${1:-"Until when can I cancel a session without paying?"}

scripts/deps.sh
printf '\n== building (release; the first build takes a few minutes)\n' >&2
swift build -c release --product nightshift
bin=$(swift build -c release --show-bin-path)/nightshift
printf '\n== nightshift ingest fixtures/docs\n' >&2
"$bin" ingest fixtures/docs
printf '\n== nightshift search "%s"\n' "$question" >&2
"$bin" search "$question"
printf '\nThe binary is %s; try "%s --help", or "%s serve" for the chat endpoint.\n' "$bin" "$bin" "$bin" >&2
