#!/usr/bin/env python3
"""Checks the editor configuration files shipped beside the Neovim plugin.

    python3 editors/nvim/test/check_configs.py [REPO]

- editors/helix/languages.toml, editors/zed/settings.json, editors/sublime/LSP.sublime-settings
  parse and start `promptls serve`; Helix and Zed ADD promptls to each language's servers;
- every ```toml and ```json block of docs/editors.md parses;
- editors/mason/packages/promptls/package.yaml has the fields mason-registry requires, and one
  asset per target of .github/workflows/release.yml whose file and binary match the archives
  that workflow publishes (`promptls-<tag>-<target>.tar.gz|zip` holding
  `promptls-<tag>-<target>/promptls[.exe]`).

Prints one "PASS name" / "FAIL name: reason" line per check (also appended to $E2E_RESULTS)
and exits non-zero when one failed.
"""

import json
import os
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    try:
        import tomli as tomllib  # type: ignore[no-redef]
    except ModuleNotFoundError:
        tomllib = None

try:
    import yaml
except ModuleNotFoundError:
    yaml = None

REPO = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3])
RESULTS = os.environ.get("E2E_RESULTS")
failures = 0

# Helix's default servers (languages.toml of Helix 25.07) for the languages promptls joins.
HELIX_DEFAULTS = {
    "python": ["ty", "ruff", "jedi", "pylsp"],
    "markdown": ["marksman", "markdown-oxide"],
    "yaml": ["yaml-language-server", "ansible-language-server"],
    "json": ["vscode-json-language-server"],
    "toml": ["taplo", "tombi"],
    "jinja": [],
}

# mason-registry's platform names (registry-schema enums/platform.json) for the release targets.
MASON_TARGET = {
    "aarch64-apple-darwin": "darwin_arm64",
    "x86_64-apple-darwin": "darwin_x64",
    "aarch64-unknown-linux-musl": "linux_arm64",
    "x86_64-unknown-linux-musl": "linux_x64",
    "x86_64-pc-windows-msvc": "win_x64",
}


def record(name, ok, reason=""):
    global failures
    line = f"PASS {name}" if ok else f"FAIL {name}: {reason}".replace("\n", " ")
    if not ok:
        failures += 1
    print(f"[configs] {line}", flush=True)
    if RESULTS:
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def check(name):
    def wrap(fn):
        try:
            fn()
            record(name, True)
        except Exception as e:  # noqa: BLE001 - any failure is the check's result
            record(name, False, f"{type(e).__name__}: {e}")
        return fn

    return wrap


def load_toml(path):
    if tomllib is None:
        raise RuntimeError("no TOML parser (Python 3.11+ or the tomli package)")
    with open(path, "rb") as f:
        return tomllib.load(f)


def load_yaml(path):
    if yaml is None:
        raise RuntimeError("PyYAML is not installed (pip install pyyaml)")
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@check("configs: Helix languages.toml adds promptls beside Helix's servers")
def helix():
    data = load_toml(REPO / "editors/helix/languages.toml")
    server = data["language-server"]["promptls"]
    assert server["command"] == "promptls" and server["args"] == ["serve"], server
    languages = {lang["name"]: lang for lang in data["language"]}
    for name, defaults in HELIX_DEFAULTS.items():
        servers = languages[name]["language-servers"]
        assert servers == defaults + ["promptls"], f"{name}: {servers}, want {defaults + ['promptls']}"
    prompt = languages["prompt"]
    for key in ("scope", "file-types"):
        assert key in prompt, f"the new language `prompt` lacks {key}"
    assert prompt["file-types"] == ["prompt"] and prompt["language-servers"] == ["promptls"], prompt
    for query in ("highlights.scm", "injections.scm"):
        text = (REPO / "editors/helix/runtime/queries/prompt" / query).read_text(encoding="utf-8")
        assert text.startswith("; inherits: markdown"), f"{query}: {text!r}"


@check("configs: Zed settings.json names the server and keeps the other servers")
def zed():
    data = json.loads((REPO / "editors/zed/settings.json").read_text(encoding="utf-8"))
    binary = data["lsp"]["promptls"]["binary"]
    assert binary["arguments"] == ["serve"] and binary["path"], binary
    languages = data["languages"]
    assert {"Python", "Markdown"} <= set(languages), sorted(languages)
    for name, settings in languages.items():
        servers = settings["language_servers"]
        assert "promptls" in servers and "..." in servers, f"{name}: {servers}"


@check("configs: Sublime LSP.sublime-settings starts promptls serve")
def sublime():
    data = json.loads((REPO / "editors/sublime/LSP.sublime-settings").read_text(encoding="utf-8"))
    client = data["clients"]["promptls"]
    assert client["command"] == ["promptls", "serve"], client["command"]
    assert client.get("enabled") is True, "not enabled"
    scopes = [s.strip() for s in client["selector"].split("|")]
    for scope in ("source.python", "text.html.markdown"):
        assert scope in scopes, f"{scope} not in {scopes}"


@check("configs: every toml and json block of docs/editors.md parses")
def docs_blocks():
    text = (REPO / "docs/editors.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(toml|json)\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 3, f"{len(blocks)} toml/json blocks"
    for lang, body in blocks:
        if lang == "toml":
            if tomllib is None:
                raise RuntimeError("no TOML parser")
            tomllib.loads(body)
        else:
            json.loads(body)


@check("configs: Mason package.yaml matches the release archives")
def mason():
    spec = load_yaml(REPO / "editors/mason/packages/promptls/package.yaml")
    raw = (REPO / "editors/mason/packages/promptls/package.yaml").read_text(encoding="utf-8")
    assert raw.startswith("---\n"), "a package definition starts with ---"
    for key in ("name", "description", "homepage", "licenses", "languages", "categories", "source"):
        assert key in spec, f"missing {key}"
    assert spec["name"] == "promptls"
    assert re.match(r"^https?://", spec["homepage"]), spec["homepage"]
    assert spec["licenses"] and all(isinstance(x, str) for x in spec["licenses"])
    assert set(spec["categories"]) <= {"Compiler", "DAP", "Formatter", "LSP", "Linter", "Runtime"}
    source = spec["source"]
    m = re.match(r"^pkg:github/promptls/promptls@(v\d+\.\d+\.\d+)$", source["id"])
    assert m, source["id"]
    version = m.group(1)
    cargo = load_toml(REPO / "Cargo.toml")["package"]["version"]
    assert version == "v" + cargo, f"{version} is not the crate's version v{cargo}"
    assert spec["bin"] == {"promptls": "{{source.asset.bin}}"}, spec["bin"]

    assets = source["asset"]
    by_target = {}
    for a in assets:
        assert set(a) == {"target", "file", "bin"}, a
        by_target[a["target"]] = a

    # The targets and archive kinds the release workflow builds.
    workflow = REPO / ".github/workflows/release.yml"
    if workflow.exists():
        release = load_yaml(workflow)
        matrix = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        targets = {row["target"]: row["archive"] for row in matrix}
    else:
        targets = {t: ("zip" if "windows" in t else "tar.gz") for t in MASON_TARGET}
    assert set(targets) == set(MASON_TARGET), f"release targets {sorted(targets)}"
    assert len(assets) == len(targets), f"{len(assets)} assets for {len(targets)} targets"
    for target, archive in targets.items():
        asset = by_target.get(MASON_TARGET[target])
        assert asset, f"no asset for {MASON_TARGET[target]} ({target})"
        folder = f"promptls-{{{{version}}}}-{target}"
        exe = "promptls.exe" if "windows" in target else "promptls"
        assert asset["file"] == f"{folder}.{archive}", asset["file"]
        assert asset["bin"] == f"{folder}/{exe}", asset["bin"]
        # What the workflow names the archive for this version.
        expanded = asset["file"].replace("{{version}}", version)
        assert expanded == f"promptls-{version}-{target}.{archive}", expanded


print(f"[configs] {failures} failed", flush=True)
sys.exit(1 if failures else 0)
