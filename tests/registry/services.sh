#!/usr/bin/env bash
# The registry service on real backends: starts PostgreSQL (Debian's; installed with apt-get
# when missing) and an S3 server (moto_server from PyPI's moto[server], in a venv under
# target/registry-services/) on loopback, creates a database and a bucket, runs the
# `#[ignore]`d tests of tests/registry_service.rs against them (the same suite as on SQLite,
# the race included), then stops both.
# Prints "registry services: N passed, M failed" last and exits non-zero when anything failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
say() { printf '[registry-services] %s\n' "$*"; }
fail() { say "FAIL $*"; echo "registry services: 0 passed, 1 failed"; exit 1; }
started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started))s"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL: the newest installed server, else Debian's package.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
  say "installing postgresql (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } ||
    fail "install postgresql"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
fi
[ -x "$pg_bin/pg_ctl" ] || fail "no pg_ctl after installing postgresql"

# moto_server in target/registry-services/venv (not under tests/: the crate package takes
# everything there).
svc_dir="$repo/target/registry-services"
venv="$svc_dir/venv"
if [ ! -x "$venv/bin/moto_server" ]; then
  say "installing moto[server] (pip, into target/registry-services/venv)"
  mkdir -p "$svc_dir" && python3 -m venv "$venv" &&
    "$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]>=5.1' ||
    fail "pip install moto[server]"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/promptls-registry-services.XXXXXX")
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
moto_pid=
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
  [ -f "$tmp/pg/postmaster.pid" ] && run_pg "$pg_bin/pg_ctl" -D "$tmp/pg" -m fast -w stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM INT

[ "$(id -u)" -eq 0 ] && chown postgres "$tmp"
pg_port=$(free_port)
run_pg "$pg_bin/initdb" -D "$tmp/pg" -A trust -U postgres --no-sync >"$tmp/initdb.log" 2>&1 ||
  { cat "$tmp/initdb.log"; fail "initdb"; }
run_pg "$pg_bin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg.log" -w -t 60 \
  -o "-p $pg_port -h 127.0.0.1 -k $tmp -c fsync=off" start >/dev/null ||
  { cat "$tmp/pg.log"; fail "start postgresql"; }
psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -c 'CREATE DATABASE promptls_registry_test' ||
  fail "create the database"
say "postgresql $("$pg_bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$pg_port ($(elapsed))"

s3_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$s3_port" >"$tmp/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$s3_port/moto-api/" >/dev/null 2>&1 && break
  kill -0 "$moto_pid" 2>/dev/null || { cat "$tmp/moto.log"; fail "moto_server exited"; }
  sleep 0.2
done
bucket=promptls-test
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT AWS_ENDPOINT_URL
# Creates the bucket. The store writes tarballs with `If-None-Match: *` and counts on a
# second such write being refused: check that this server does so (signed requests, as the
# store sends them) before trusting the tests to it.
probe=$("$venv/bin/python" - "http://127.0.0.1:$s3_port" "$bucket" 2>&1 <<'PY'
import sys, boto3, botocore
s3 = boto3.client("s3", endpoint_url=sys.argv[1])
s3.create_bucket(Bucket=sys.argv[2])
s3.put_object(Bucket=sys.argv[2], Key="probe/conditional-put", Body=b"one", IfNoneMatch="*")
try:
    s3.put_object(Bucket=sys.argv[2], Key="probe/conditional-put", Body=b"two", IfNoneMatch="*")
    print("accepted")
except botocore.exceptions.ClientError as e:
    print(e.response["ResponseMetadata"]["HTTPStatusCode"])
body = s3.get_object(Bucket=sys.argv[2], Key="probe/conditional-put")["Body"].read()
print("kept" if body == b"one" else "replaced")
PY
)
[ "$probe" = "$(printf '412\nkept')" ] ||
  fail "the S3 server does not refuse a second conditional put: $probe"
say "moto_server $("$venv/bin/pip" show moto 2>/dev/null | awk '/^Version/{print $2}') on 127.0.0.1:$s3_port; a second If-None-Match: * put is refused (412) ($(elapsed))"

export PROMPTLS_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/promptls_registry_test"
export PROMPTLS_TEST_S3_URL="s3://$bucket?endpoint=http://127.0.0.1:$s3_port&region=us-east-1"

timeout --kill-after=10 900 cargo test --test registry_service -- --ignored 2>&1 | tee "$tmp/test.log"
rc=${PIPESTATUS[0]}
result=$(grep -E '^test result:' "$tmp/test.log" | tail -1)
passed=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$result")
failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$result")
if [ -z "$passed" ]; then
  say "FAIL the tests did not run to the end (exit $rc)"
  passed=0 failed=1
fi
[ "$rc" -ne 0 ] && [ "${failed:-0}" -eq 0 ] && failed=1
say "done in $(elapsed)"
echo "registry services: $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
