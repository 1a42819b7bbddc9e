#!/usr/bin/env bash
# Packages the VS Code extension as a .vsix, with a promptls server inside or without one.
#
#   bash editors/vscode/scripts/package.sh TARGET BINARY OUT
#
#   TARGET  the platform of the package (vsce --target): linux-x64, linux-arm64, linux-armhf,
#           alpine-x64, alpine-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64; or
#           universal: no server inside, the extension then uses promptls on PATH
#   BINARY  the promptls executable to put inside ("" for universal)
#   OUT     the .vsix to write (its folder is created)
#
# Paths are relative to the current directory. The binary goes to server/promptls (.exe for
# win32) with server/target.json ({"target": "TARGET"}), which the extension compares with
# the platform it runs on; both leave the source tree again when the script ends, also when it
# fails. Installs node_modules (npm ci) when they are missing and builds the production
# bundle. README links and images point at the repository, so the screenshots are not packed.
set -euo pipefail

targets="linux-x64 linux-arm64 linux-armhf alpine-x64 alpine-arm64 darwin-x64 darwin-arm64 win32-x64 win32-arm64"
usage() {
  echo "usage: $0 TARGET BINARY OUT" >&2
  echo "  TARGET: universal or one of: $targets" >&2
  exit 2
}
die() {
  echo "package.sh: $*" >&2
  exit 1
}

[ $# -eq 3 ] || usage
target=$1 binary=$2 out=$3
[ -n "$out" ] || usage
case "$out" in *.vsix) ;; *) die "OUT must end with .vsix: $out" ;; esac
if [ "$target" = universal ]; then
  [ -z "$binary" ] || die "a universal package has no server inside: BINARY must be empty (got $binary)"
else
  case " $targets " in *" $target "*) ;; *) usage ;; esac
  [ -n "$binary" ] || die "BINARY is required for $target"
  [ -f "$binary" ] || die "no such file: $binary"
fi

ext=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_url=https://github.com/promptls/promptls
# README links and images point at the tag being released (GitHub Actions), else at main.
ref=main
if [ "${GITHUB_REF_TYPE:-}" = tag ] && [ -n "${GITHUB_REF_NAME:-}" ]; then
  ref=$GITHUB_REF_NAME
fi
ref=${PROMPTLS_REPO_REF:-$ref}

case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
native_out=$out
if command -v cygpath >/dev/null 2>&1; then
  native_out=$(cygpath -w "$out") # Git Bash on Windows: node wants C:\…
fi
rm -f "$out"

# server/ holds only its README in the source tree; anything else would be packed too.
stray=$(cd "$ext/server" && find . -mindepth 1 ! -name README.md ! -name .gitkeep | sed 's|^\./|server/|')
if [ -n "$stray" ]; then
  die "$(printf 'remove these from %s first (a leftover of an interrupted run?):\n%s' "$ext" "$stray")"
fi

created=()
cleanup() {
  local f
  for f in "${created[@]+"${created[@]}"}"; do
    rm -f "$f"
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$target" != universal ]; then
  exe=promptls
  case "$target" in win32-*) exe=promptls.exe ;; esac
  created+=("$ext/server/$exe" "$ext/server/target.json")
  cp "$binary" "$ext/server/$exe"
  chmod 755 "$ext/server/$exe"
  printf '{ "target": "%s" }\n' "$target" >"$ext/server/target.json"

  # When the package is for this machine, the binary must answer like the extension expects.
  host_os=$(uname -s) host_cpu=$(uname -m) host=
  case "$host_os" in Linux) host_os=linux ;; Darwin) host_os=darwin ;; MINGW* | MSYS* | CYGWIN*) host_os=win32 ;; esac
  case "$host_cpu" in x86_64 | amd64) host_cpu=x64 ;; aarch64 | arm64) host_cpu=arm64 ;; armv7l) host_cpu=armhf ;; esac
  host="$host_os-$host_cpu"
  if [ "$host" = "${target/alpine-/linux-}" ]; then
    said=$("$ext/server/$exe" --version 2>&1) || die "$binary --version failed: $said"
    case "$said" in "promptls "*) echo "bundling $said for $target" ;; *) die "$binary --version printed \"$said\", not \"promptls <version>\"" ;; esac
  else
    echo "bundling $binary for $target (not run: this machine is $host)"
  fi
fi

cd "$ext"
if [ ! -f node_modules/@vscode/vsce/package.json ] || [ ! -f node_modules/esbuild/package.json ]; then
  npm ci --no-audit --no-fund
fi
npm run compile -- --production

args=(package --no-dependencies --out "$native_out"
  --baseContentUrl "$repo_url/blob/$ref/editors/vscode"
  --baseImagesUrl "$repo_url/raw/$ref/editors/vscode")
if [ "$target" != universal ]; then
  args+=(--target "$target")
fi
node node_modules/@vscode/vsce/vsce "${args[@]}" </dev/null
[ -s "$out" ] || die "vsce wrote no $out"
echo "packaged $out ($target)"
