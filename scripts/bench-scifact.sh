#!/usr/bin/env bash
# Retrieval quality on BEIR SciFact with Nightshift's own ingest and search (the numbers quoted in the notes).
#
#   scripts/bench-scifact.sh [--mode hybrid|vector|text] [--queries test|train]
#
# Ingests ../shared/benchmarks/scifact/corpus.jsonl (one document per record, `_id` as identity) into a fresh
# embedded store (or DATABASE_URL's database when set), searches every query of the chosen split and scores the
# run with the benchmark's score_ir.py (nDCG@10, Recall@100).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=hybrid
split=test
while [ $# -gt 0 ]; do
    case "$1" in
        --mode) mode=$2; shift 2 ;;
        --queries) split=$2; shift 2 ;;
        *) echo "usage: $0 [--mode hybrid|vector|text] [--queries test|train]" >&2; exit 2 ;;
    esac
done
bench=${NIGHTSHIFT_BENCHMARKS:-../shared/benchmarks}
work=$(mktemp -d /tmp/nightshift-scifact.XXXXXX)
trap 'rm -rf "$work"' EXIT
swift build -c release --product nightshift >&2
bin=$(swift build -c release --show-bin-path)/nightshift
if [ -z "${DATABASE_URL:-}" ]; then export NIGHTSHIFT_DB="$work/scifact.sqlite"; fi
"$bin" ingest "$bench/scifact/corpus.jsonl" --text-field text --id-field _id --title-field title --quiet >&2
python3 - "$bench" "$split" "$mode" "$bin" "$work/run.tsv" <<'PY'
import json, subprocess, sys
bench, split, mode, binary, out = sys.argv[1:]
wanted = {line.split("\t")[0] for line in open(f"{bench}/scifact/qrels-{split}.tsv") if not line.startswith("query-id")}
queries = [json.loads(line) for line in open(f"{bench}/scifact/queries.jsonl")]
with open(out, "w") as run:
    for query in queries:
        if query["_id"] not in wanted:
            continue
        result = subprocess.run([binary, "search", query["text"], "-k", "100", "--mode", mode, "--json"],
                                capture_output=True, text=True, check=True)
        for hit in json.loads(result.stdout):
            run.write(f"{query['_id']}\t{hit['source_uri'].rsplit('#', 1)[-1]}\n")
PY
echo "SciFact $split queries, mode $mode:"
python3 "$bench/score_ir.py" "$bench/scifact/qrels-$split.tsv" "$work/run.tsv"
