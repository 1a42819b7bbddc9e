import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export type BinarySource = 'setting' | 'bundled' | 'path' | 'cargo';

export interface ServerBinary {
  path: string;
  source: BinarySource;
}

export interface BinarySearch {
  found?: ServerBinary;
  /** Every place that was looked at, in order, for the "not found" message. */
  tried: string[];
  /** Set when `promptls.server.path` is set but unusable. */
  settingError?: string;
}

const exe = process.platform === 'win32' ? 'promptls.exe' : 'promptls';

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** Expands `~`, `${userHome}`, `${workspaceFolder}` and environment variables `${env:NAME}`. */
export function expandPath(value: string): string {
  let out = value.trim();
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  out = out.replace(/\$\{userHome\}/g, os.homedir());
  out = out.replace(/\$\{workspaceFolder\}/g, folder);
  out = out.replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => process.env[name] ?? '');
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  if (!path.isAbsolute(out) && folder && out.includes(path.sep)) {
    out = path.resolve(folder, out);
  }
  return out;
}

function searchPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * Finds the server: the `promptls.server.path` setting, else the binary bundled in the
 * extension's `server/` folder, else `promptls` on PATH (and `~/.cargo/bin`, where
 * `cargo install` puts it, for editors started outside a login shell).
 */
export function findServerBinary(extensionPath: string): BinarySearch {
  const tried: string[] = [];
  const configured = vscode.workspace.getConfiguration('promptls').get<string | null>('server.path');
  if (configured && configured.trim().length > 0) {
    const resolved = expandPath(configured);
    let candidate = resolved;
    if (!path.isAbsolute(candidate) && !candidate.includes(path.sep)) {
      candidate = searchPath(candidate) ?? candidate;
    }
    tried.push(`setting promptls.server.path = ${configured}`);
    if (isExecutable(candidate)) {
      return { found: { path: candidate, source: 'setting' }, tried };
    }
    return {
      tried,
      settingError: `promptls.server.path is set to "${configured}", but ${candidate} is not an executable file.`,
    };
  }
  tried.push('setting promptls.server.path (not set)');

  const bundled = path.join(extensionPath, 'server', exe);
  tried.push(`bundled ${bundled}`);
  if (isExecutable(bundled)) {
    return { found: { path: bundled, source: 'bundled' }, tried };
  }

  tried.push(`${exe} on PATH`);
  const onPath = searchPath(exe);
  if (onPath) {
    return { found: { path: onPath, source: 'path' }, tried };
  }

  const cargoHome = process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo');
  const cargo = path.join(cargoHome, 'bin', exe);
  tried.push(cargo);
  if (isExecutable(cargo)) {
    return { found: { path: cargo, source: 'cargo' }, tried };
  }
  return { tried };
}
