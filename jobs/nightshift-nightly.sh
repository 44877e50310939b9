#!/usr/bin/env bash
# The nightly batch: ingest the knowledge base, then recompute usage statistics and export yesterday's costs.
# Called by cron, systemd or Kubernetes (see this folder). Every step is idempotent and safe to run on several
# machines at once (each job takes its own lock); a failed step stops the run with its exit code.
#
# Environment (or /etc/nightshift/nightshift.conf via NIGHTSHIFT_CONFIG):
#   DATABASE_URL            postgres://… (unset: the embedded store at NIGHTSHIFT_DB)
#   NIGHTSHIFT_BIN          the nightshift binary (default: nightshift on PATH)
#   NIGHTSHIFT_SOURCES      space-separated folders, archives or URLs to ingest (default: /srv/knowledge-base)
#   NIGHTSHIFT_REPORT_DIR   where cost CSVs are written (default: /var/lib/nightshift/reports)
#   NIGHTSHIFT_TIMEZONE     the finance time zone for day boundaries (default: UTC)
#   NIGHTSHIFT_CHECKSUM_DAY day of the week (1-7, Monday 1) on which ingest reads and hashes every file instead of
#                           trusting unchanged sizes and modification times (default: 7; "never" to disable)
set -euo pipefail

bin=${NIGHTSHIFT_BIN:-nightshift}
sources=${NIGHTSHIFT_SOURCES:-/srv/knowledge-base}
reports=${NIGHTSHIFT_REPORT_DIR:-/var/lib/nightshift/reports}
zone=${NIGHTSHIFT_TIMEZONE:-UTC}
yesterday=$(TZ=$zone date -d yesterday +%F)
checksum_day=${NIGHTSHIFT_CHECKSUM_DAY:-7}
ingest_flags=(--prune --quiet)
# Once a week, read every file: catches an edit that kept both the size and the modification time.
if [ "$(date +%u)" = "$checksum_day" ]; then ingest_flags+=(--checksum); fi

log() { printf '%s nightshift-nightly %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

log "migrate"
"$bin" migrate
log "ingest $sources ${ingest_flags[*]}"
# shellcheck disable=SC2086 # sources are a word list on purpose
"$bin" ingest $sources "${ingest_flags[@]}"
log "stats ($zone)"
"$bin" stats --timezone "$zone"
mkdir -p "$reports"
log "report $yesterday"
"$bin" report costs --from "$yesterday" --to "$yesterday" --group-by day,agent,model --timezone "$zone" \
    --totals --output "$reports/costs-$yesterday.csv"
log "done"
