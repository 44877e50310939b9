#!/usr/bin/env bash
# The nightly batch: ingest the knowledge base, then recompute usage statistics and export yesterday's costs.
# Called by cron, systemd or Kubernetes (see this folder). Every step is idempotent and safe to run on several
# machines at once (each job takes its own lock); a failed step stops the run with its exit code.
#
# Settings come from the environment, else the config file, else the defaults below. The config file is
# $NIGHTSHIFT_CONFIG (which must exist), else ./nightshift.conf, else /etc/nightshift/nightshift.conf; it holds
# KEY=value lines as nightshift reads them (# comments, "quoted" or 'quoted' values, an optional `export `) and
# is parsed, never executed. The nightshift commands read the same file (it is passed on as NIGHTSHIFT_CONFIG).
#   DATABASE_URL            postgres://… (unset: the embedded store at NIGHTSHIFT_DB)
#   NIGHTSHIFT_BIN          the nightshift binary (default: nightshift on PATH)
#   NIGHTSHIFT_SOURCES      space-separated folders, archives or URLs to ingest (default: /srv/knowledge-base);
#                           a folder or file that does not exist stops the run before anything else (exit 2).
#                           Handed to `nightshift ingest` in its environment, not on its command line, so that
#                           credentials in a URL do not show in `ps`.
#   NIGHTSHIFT_REPORT_DIR   where cost CSVs are written (default: /var/lib/nightshift/reports)
#   NIGHTSHIFT_TIMEZONE     the finance time zone for day boundaries (default: UTC)
#   NIGHTSHIFT_CHECKSUM_DAY day of the week (1-7, Monday 1) on which ingest reads and hashes every file instead of
#                           trusting unchanged sizes and modification times (default: 7; "never" to disable)
set -euo pipefail

log() { printf '%s nightshift-nightly %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
fail() {
    log "error: $1"
    exit "${2:-1}"
}

# The config file's values, by key.
declare -A file_settings=()
config=${NIGHTSHIFT_CONFIG:-}
if [ -z "$config" ]; then
    if [ -f nightshift.conf ]; then
        config=nightshift.conf
    elif [ -f /etc/nightshift/nightshift.conf ]; then
        config=/etc/nightshift/nightshift.conf
    fi
fi
if [ -n "$config" ]; then
    [ -f "$config" ] || fail "config file not found: $config" 2
    [ -r "$config" ] || fail "cannot read config file: $config" 2
    number=0
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        line=${line%$'\r'}
        # Trim, drop `export `, skip blanks and comments.
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        if [[ $line == export[[:space:]]* ]]; then
            line=${line#export}
            line=${line#"${line%%[![:space:]]*}"}
        fi
        if [[ -z $line || $line == \#* ]]; then continue; fi
        if [[ $line != *=* ]]; then fail "$config line $number: expected KEY=value" 2; fi
        key=${line%%=*}
        key=${key%"${key##*[![:space:]]}"}
        value=${line#*=}
        value=${value#"${value%%[![:space:]]*}"}
        if ! [[ $key =~ ^[A-Za-z0-9_]+$ ]]; then fail "$config line $number: invalid key" 2; fi
        first=${value:0:1}
        if [[ ${#value} -ge 2 && ($first == '"' || $first == "'") && ${value: -1} == "$first" ]]; then
            value=${value:1:${#value}-2}
        elif [[ $value == *" #"* ]]; then
            value=${value%%" #"*}
            value=${value%"${value##*[![:space:]]}"}
        fi
        file_settings[$key]=$value
    done < "$config"
    # The nightshift commands read the same file.
    export NIGHTSHIFT_CONFIG=$config
fi

# setting NAME DEFAULT: the environment's value (even empty), else the file's, else DEFAULT; empty means DEFAULT.
setting() {
    local value
    if [ -n "${!1+set}" ]; then value=${!1}; else value=${file_settings[$1]:-}; fi
    printf '%s' "${value:-$2}"
}

bin=$(setting NIGHTSHIFT_BIN nightshift)
sources=$(setting NIGHTSHIFT_SOURCES /srv/knowledge-base)
reports=$(setting NIGHTSHIFT_REPORT_DIR /var/lib/nightshift/reports)
zone=$(setting NIGHTSHIFT_TIMEZONE UTC)
checksum_day=$(setting NIGHTSHIFT_CHECKSUM_DAY 7)
yesterday=$(TZ=$zone date -d yesterday +%F)

# Every folder or file must be there: a missing one (a typo, an unmounted share) is not an empty knowledge base.
shown=()
for source in $sources; do
    case $source in
        http://* | https://*)
            # Shown without user, password and query (they may hold credentials).
            shown+=("$(printf '%s' "$source" | sed -E 's#^(https?://)[^/?#]*@#\1#; s#[?].*$##')")
            ;;
        *)
            [ -e "$source" ] || fail "source not found: $source (NIGHTSHIFT_SOURCES)" 2
            shown+=("$source")
            ;;
    esac
done
[ ${#shown[@]} -gt 0 ] || fail "no sources to ingest (NIGHTSHIFT_SOURCES)" 2
export NIGHTSHIFT_SOURCES=$sources

ingest_flags=(--prune --quiet)
# Once a week, read every file: catches an edit that kept both the size and the modification time.
if [ "$(date +%u)" = "$checksum_day" ]; then ingest_flags+=(--checksum); fi

log "migrate"
"$bin" migrate
log "ingest ${shown[*]} ${ingest_flags[*]}"
"$bin" ingest "${ingest_flags[@]}"
log "stats ($zone)"
"$bin" stats --timezone "$zone"
mkdir -p "$reports"
log "report $yesterday"
"$bin" report costs --from "$yesterday" --to "$yesterday" --group-by day,agent,model --timezone "$zone" \
    --totals --output "$reports/costs-$yesterday.csv"
log "done"
