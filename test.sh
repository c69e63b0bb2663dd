#!/usr/bin/env bash
# Runs Trapline's whole test suite. Installs what the tests need from Debian
# first (as root), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use: gcc and static libc for the C test programs,
# busybox-static and musl-tools for static and musl guests, python3 as a real
# program, strace as the reference for --trace, script(1) for a terminal;
# git, sqlite3, tar, coreutils and findutils as real file-system programs;
# procps (ps, free, uptime) as readers of /proc.
packages=(gcc libc6-dev busybox-static musl-tools python3 strace bsdutils git sqlite3 tar coreutils findutils procps)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "test.sh: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
        exit 1
    fi
    echo "test.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --no-fail-fast "$@"
else
    cargo test --workspace --no-fail-fast "$@"
fi
