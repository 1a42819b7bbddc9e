// Where the promptls server comes from. No runtime import of `vscode`: the unit tests load
// this module in plain Node (test/unit/serverBinary.test.mjs), and extension.ts passes in what
// it reads from VS Code (settings, workspace trust, the workspace folder).
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type BinarySource = 'setting' | 'bundled' | 'path' | 'cargo';

export interface ServerBinary {
  path: string;
  source: BinarySource;
  /** What `promptls --version` printed after `promptls ` (not probed for the setting). */
  version?: string;
}

export interface BinarySearch {
  found?: ServerBinary;
  /** Every place that was looked at, in order, and why it was not taken, for the log. */
  tried: string[];
  /** Set when `promptls.server.path` is set but unusable. */
  settingError?: string;
}

/** The settings that name a program to run or its arguments: ignored in Restricted Mode. */
export const RESTRICTED_SETTINGS = ['promptls.server.path', 'promptls.server.extraArgs'] as const;

/** How long `promptls --version` may take before the binary counts as broken. */
export const VERSION_PROBE_TIMEOUT_MS = 5000;

/** The file `scripts/package.sh` writes next to the bundled binary: `{ "target": "linux-x64" }`. */
export const TARGET_FILE = 'target.json';

export function exeName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'promptls.exe' : 'promptls';
}

/** A shape `vscode.WorkspaceConfiguration` (section `promptls.server`) satisfies. */
export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

export interface LaunchSettings {
  /** `promptls.server.path`, unless unset or ignored. */
  path?: string;
  /** `promptls.server.extraArgs` (empty when ignored). */
  extraArgs: string[];
  /** The restricted settings that were set but are ignored because the workspace is not trusted. */
  ignored: string[];
}

/**
 * The settings that say how to start the server, by the Workspace Trust rule: in an untrusted
 * workspace `promptls.server.path` and `promptls.server.extraArgs` are ignored, wherever they
 * were set, so that a repository cannot name a program to run; the bundled server is used.
 */
export function launchSettings(config: ConfigReader, trusted: boolean): LaunchSettings {
  const rawPath = config.get<unknown>('path');
  const configured = typeof rawPath === 'string' && rawPath.trim().length > 0 ? rawPath : undefined;
  const rawArgs = config.get<unknown>('extraArgs');
  const extraArgs = Array.isArray(rawArgs) ? rawArgs.filter((a): a is string => typeof a === 'string') : [];
  if (trusted) {
    return { path: configured, extraArgs, ignored: [] };
  }
  const ignored: string[] = [];
  if (configured !== undefined) {
    ignored.push('promptls.server.path');
  }
  if (extraArgs.length > 0) {
    ignored.push('promptls.server.extraArgs');
  }
  return { path: undefined, extraArgs: [], ignored };
}

export interface ExpandContext {
  workspaceFolder?: string;
  homedir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and environment variables `${env:NAME}`. */
export function expandPath(value: string, ctx: ExpandContext = {}): string {
  const home = ctx.homedir ?? os.homedir();
  const folder = ctx.workspaceFolder ?? '';
  const env = ctx.env ?? process.env;
  let out = value.trim();
  out = out.replace(/\$\{userHome\}/g, home);
  out = out.replace(/\$\{workspaceFolder\}/g, folder);
  out = out.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => env[name] ?? '');
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(home, out.slice(1));
  }
  if (!path.isAbsolute(out) && folder && out.includes(path.sep)) {
    out = path.resolve(folder, out);
  }
  return out;
}

function isExecutable(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate, platform)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * Whether a package target (what `vsce package --target` took) runs here. `alpine-*` packages
 * hold a Linux binary, `armhf` is Node's `arm`.
 */
export function targetMatches(target: string, platform: string, arch: string): boolean {
  const m = /^(win32|linux|alpine|darwin)-(x64|arm64|armhf)$/.exec(target.trim());
  if (!m) {
    return false;
  }
  const os = m[1] === 'alpine' ? 'linux' : m[1];
  const cpu = m[2] === 'armhf' ? 'arm' : m[2];
  return os === platform && cpu === arch;
}

/** The target recorded in `server/target.json`, or why there is none. */
export function readBundledTarget(serverDir: string): { target?: string; error?: string } {
  const file = path.join(serverDir, TARGET_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { error: `no ${TARGET_FILE} beside it (a binary copied in by hand is not used; package with scripts/package.sh)` };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const target = (parsed as { target?: unknown } | null)?.target;
    if (typeof target === 'string' && target.length > 0) {
      return { target };
    }
  } catch {
    // reported below
  }
  return { error: `${file} does not say which platform the binary is for` };
}

export interface ProbeResult {
  ok: boolean;
  /** The version after `promptls ` (when ok). */
  version?: string;
  /** Why the binary is not taken (when not ok). */
  reason?: string;
}

function killTree(child: ChildProcess): void {
  try {
    if (process.platform !== 'win32' && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGKILL'); // its process group: a script's children too
      return;
    }
  } catch {
    // fall back to the child alone
  }
  try {
    child.kill('SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Runs `FILE --version` and accepts the file only if it exits 0 within `timeoutMs` and prints
 * `promptls <version>`. Settles at the timeout even when a child of the file keeps its output
 * open (the process group is killed).
 */
export function probeVersion(
  file: string,
  timeoutMs: number = VERSION_PROBE_TIMEOUT_MS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(file, ['--version'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...env, NO_COLOR: '1' },
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (err) {
      resolve({ ok: false, reason: `cannot run it: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    let settled = false;
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      killTree(child);
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish({ ok: false, reason: `"--version" did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
    function finish(result: ProbeResult): void {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(result);
      }
    }
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      stdout = (stdout + d).slice(0, 4096);
    });
    child.stderr?.on('data', (d: string) => {
      stderr = (stderr + d).slice(0, 4096);
    });
    child.on('error', (err) => finish({ ok: false, reason: `cannot run it: ${err.message}` }));
    child.on('close', (code, signal) => {
      const first = stdout.trim().split(/\r?\n/)[0] ?? '';
      if (code !== 0) {
        const said = stderr.trim().split(/\r?\n/)[0];
        finish({ ok: false, reason: `"--version" exited with ${signal ?? code}${said ? `: ${said.slice(0, 200)}` : ''}` });
      } else if (!first.startsWith('promptls ')) {
        finish({ ok: false, reason: `"--version" printed ${JSON.stringify(first.slice(0, 80))}, not "promptls <version>"` });
      } else {
        finish({ ok: true, version: first.slice('promptls '.length).trim().split(/\s+/)[0] });
      }
    });
  });
}

export interface SearchOptions {
  /** The extension's folder; the bundled server is `server/promptls` in it. */
  extensionPath: string;
  /** `promptls.server.path` as {@link launchSettings} gave it (undefined: not set or ignored). */
  configuredPath?: string;
  /** Why the setting is not used, for the log (e.g. Restricted Mode). */
  configuredNote?: string;
  workspaceFolder?: string;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  platform?: NodeJS.Platform;
  arch?: string;
  probeTimeoutMs?: number;
}

/**
 * Finds the server: the `promptls.server.path` setting (the caller leaves it out in an
 * untrusted workspace), else the binary bundled in the extension's `server/` folder when it is
 * for this platform and answers `--version`, else `promptls` on PATH, else `~/.cargo/bin`
 * (where `cargo install` puts it, for editors started outside a login shell). Those two must
 * answer `--version` too.
 */
export async function findServerBinary(opts: SearchOptions): Promise<BinarySearch> {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const home = opts.homedir ?? os.homedir();
  const timeout = opts.probeTimeoutMs ?? VERSION_PROBE_TIMEOUT_MS;
  const exe = exeName(platform);
  const tried: string[] = [];

  if (opts.configuredPath !== undefined && opts.configuredPath.trim().length > 0) {
    const configured = opts.configuredPath;
    let candidate = expandPath(configured, { workspaceFolder: opts.workspaceFolder, homedir: home, env });
    if (!path.isAbsolute(candidate) && !candidate.includes('/') && !candidate.includes('\\')) {
      candidate = searchPath(candidate, env, platform) ?? candidate;
    }
    if (isExecutable(candidate, platform)) {
      tried.push(`setting promptls.server.path = ${configured}: ${candidate}`);
      return { found: { path: candidate, source: 'setting' }, tried };
    }
    tried.push(`setting promptls.server.path = ${configured}: ${candidate} is not an executable file`);
    return {
      tried,
      settingError: `promptls.server.path is set to "${configured}", but ${candidate} is not an executable file.`,
    };
  }
  tried.push(`setting promptls.server.path: ${opts.configuredNote ?? 'not set'}`);

  const serverDir = path.join(opts.extensionPath, 'server');
  const bundled = path.join(serverDir, exe);
  if (!fs.existsSync(bundled)) {
    tried.push(`bundled ${bundled}: none (this package has no server inside)`);
  } else {
    const { target, error } = readBundledTarget(serverDir);
    const here = `${platform}-${arch}`;
    if (!target) {
      tried.push(`bundled ${bundled}: not used, ${error}`);
    } else if (!targetMatches(target, platform, arch)) {
      tried.push(`bundled ${bundled}: not used, it is for ${target} and this is ${here}`);
    } else {
      if (platform !== 'win32' && !isExecutable(bundled, platform)) {
        // A package unpacked without file modes: the binary is ours, make it runnable.
        try {
          fs.chmodSync(bundled, 0o755);
        } catch {
          // the probe reports it
        }
      }
      const probe = await probeVersion(bundled, timeout, env);
      if (probe.ok) {
        tried.push(`bundled ${bundled}: promptls ${probe.version} for ${target}`);
        return { found: { path: bundled, source: 'bundled', version: probe.version }, tried };
      }
      tried.push(`bundled ${bundled}: not used, ${probe.reason}`);
    }
  }

  const onPath = searchPath(exe, env, platform);
  if (!onPath) {
    tried.push(`${exe} on PATH: none`);
  } else {
    const probe = await probeVersion(onPath, timeout, env);
    if (probe.ok) {
      tried.push(`${exe} on PATH: ${onPath}, promptls ${probe.version}`);
      return { found: { path: onPath, source: 'path', version: probe.version }, tried };
    }
    tried.push(`${exe} on PATH: ${onPath} not used, ${probe.reason}`);
  }

  const cargoHome = env.CARGO_HOME && env.CARGO_HOME.length > 0 ? env.CARGO_HOME : path.join(home, '.cargo');
  const cargo = path.join(cargoHome, 'bin', exe);
  if (!isExecutable(cargo, platform)) {
    tried.push(`${cargo}: none`);
  } else if (onPath !== undefined && path.resolve(onPath) === path.resolve(cargo)) {
    tried.push(`${cargo}: the same file as on PATH`);
  } else {
    const probe = await probeVersion(cargo, timeout, env);
    if (probe.ok) {
      tried.push(`${cargo}: promptls ${probe.version}`);
      return { found: { path: cargo, source: 'cargo', version: probe.version }, tried };
    }
    tried.push(`${cargo}: not used, ${probe.reason}`);
  }
  return { tried };
}

export function describeSource(source: BinarySource): string {
  switch (source) {
    case 'setting':
      return 'from promptls.server.path';
    case 'bundled':
      return 'bundled with the extension';
    case 'path':
      return 'from PATH';
    case 'cargo':
      return 'from ~/.cargo/bin';
  }
}
