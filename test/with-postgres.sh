#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster built from another installation's binaries
# (Debian's PostgreSQL 15 by default), so the suite proves it works on older servers than the
# embedded one: test/with-postgres.sh [bindir] -- npm test
set -euo pipefail
bindir=/usr/lib/postgresql/15/bin
if [[ $# -gt 0 && $1 != -- ]]; then bindir=$1; shift; fi
[[ ${1:-} == -- ]] && shift
[[ -x $bindir/postgres ]] || { echo "no PostgreSQL binaries in $bindir" >&2; exit 1; }

scratch=$(mktemp -d)
chmod 755 "$scratch"
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
port=$(( 20000 + RANDOM % 20000 ))
run_as=()
if [[ $(id -u) == 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --user-group postgres
  chown postgres "$scratch"
  run_as=(runuser -u postgres --)
fi
printf '%s\n' "$password" > "$scratch/pw"
chmod 644 "$scratch/pw"
"${run_as[@]}" "$bindir/initdb" -D "$scratch/data" -U postgres --auth=scram-sha-256 --pwfile="$scratch/pw" \
  --encoding=UTF8 --locale=C.UTF-8 >/dev/null
rm -f "$scratch/pw"
cleanup() { "${run_as[@]}" "$bindir/pg_ctl" -D "$scratch/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$scratch"; }
trap cleanup EXIT
"${run_as[@]}" "$bindir/pg_ctl" -D "$scratch/data" -l "$scratch/server.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $scratch" start >/dev/null
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
TEST_DATABASE_URL="postgres://postgres:$password@127.0.0.1:$port/postgres" "$@"
