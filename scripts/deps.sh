#!/usr/bin/env bash
# Installs the Debian packages Nightshift's build needs, when any is missing: the headers of the four system
# libraries (libpq, libxml2, libarchive, libcurl), SQLite's, pkg-config, and Python 3 with pip (the tests' tools
# and the PostgreSQL test server come from PyPI). Both set-up commands call it: scripts/setup.sh and
# scripts/test.sh.
#
#   scripts/deps.sh           install what is missing (as root, or through sudo)
#   scripts/deps.sh --list    print the package names, one a line
set -euo pipefail

packages=(libpq-dev libxml2-dev libarchive-dev libcurl4-openssl-dev libsqlite3-dev pkg-config python3 python3-pip)

if [ "${1:-}" = "--list" ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

printf '\n== installing %s\n' "${missing[*]}" >&2
if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
