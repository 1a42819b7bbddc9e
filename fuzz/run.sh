#!/usr/bin/env bash
# Runs every cargo-fuzz target for SECONDS each (default 60) on the stable toolchain
# (RUSTC_BOOTSTRAP=1 unlocks the nightly flags cargo-fuzz needs). Installs cargo-fuzz when
# missing. Exits non-zero when a target crashes; the crashing input is left in
# fuzz/artifacts/<target>/ (turn it into a regression test under tests/, Q-2).
set -euo pipefail
secs="${1:-60}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: installing cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi
targets=(name_parse version_order reference_scan config_parse)
# No sanitizer: the targets are safe Rust, where a panic is the crash we look for; without
# ASan each second runs about three times as many inputs (name_parse: ~280k vs ~85k a minute).
flags=(--sanitizer none)
cargo fuzz build "${flags[@]}"
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    seeds="seeds/$t"
    dirs=("corpus/$t")
    [ -d "$seeds" ] && dirs+=("$seeds")
    echo "fuzz/run.sh: $t for ${secs}s" >&2
    # -rss_limit_mb guards against runaway memory; -timeout flags any input slower than 10 s
    # (a hang) as a crash.
    if ! cargo fuzz run "${flags[@]}" "$t" "${dirs[@]}" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
        echo "fuzz/run.sh: $t FAILED (see fuzz/artifacts/$t/)" >&2
        status=1
    fi
done
exit "$status"
