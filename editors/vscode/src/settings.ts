import * as vscode from 'vscode';

/**
 * VS Code setting (under `promptls.versioning.`) -> promptic `VersioningConfig` field (spec V-7).
 * Both spellings are accepted in settings.json: `versionPattern` and `version_pattern`.
 */
const VERSIONING_KEYS: ReadonlyArray<[string, string]> = [
  ['delimiter', 'delimiter'],
  ['delimiters', 'delimiters'],
  ['versionPattern', 'version_pattern'],
  ['version_pattern', 'version_pattern'],
  ['includePrerelease', 'include_prerelease'],
  ['include_prerelease', 'include_prerelease'],
  ['prereleaseOrder', 'prerelease_order'],
  ['prerelease_order', 'prerelease_order'],
  ['classifiers', 'classifiers'],
  ['extensions', 'extensions'],
  ['convention', 'convention'],
];

export interface PromptlsSettings {
  versioning: Record<string, unknown>;
  server: Record<string, unknown>;
}

/** True when the user (or the workspace) set the key, as opposed to the schema default. */
function isSet(config: vscode.WorkspaceConfiguration, key: string): boolean {
  const info = config.inspect(key);
  if (!info) {
    return false;
  }
  return (
    info.globalValue !== undefined ||
    info.workspaceValue !== undefined ||
    info.workspaceFolderValue !== undefined ||
    info.globalLanguageValue !== undefined ||
    info.workspaceLanguageValue !== undefined ||
    info.workspaceFolderLanguageValue !== undefined
  );
}

/**
 * Builds the object sent as `initializationOptions` and with `workspace/didChangeConfiguration`:
 * `{ versioning: {delimiter, delimiters, version_pattern, include_prerelease, prerelease_order,
 * classifiers, extensions}, server: {use_env} }`. Only keys the user set are sent, so that defaults never
 * shadow anything and the workspace's `promptic.toml` / `pyproject.toml` stay in charge.
 *
 * The other `promptls.server.*` settings are the client's own and never sent: `path` and
 * `extraArgs` say how to start the server, `logLevel` becomes its `RUST_LOG` (see
 * `serverOptions` in extension.ts). The server reports any `server` key it does not read.
 */
export function readSettings(scope?: vscode.ConfigurationScope): PromptlsSettings {
  const versioningConfig = vscode.workspace.getConfiguration('promptls.versioning', scope);
  const versioning: Record<string, unknown> = {};
  for (const [settingKey, field] of VERSIONING_KEYS) {
    if (!isSet(versioningConfig, settingKey)) {
      continue;
    }
    const value = versioningConfig.get(settingKey);
    if (value === null || value === undefined) {
      continue;
    }
    if (typeof value === 'string' && value.trim() === '' && field !== 'delimiter') {
      continue;
    }
    versioning[field] = value;
  }

  const serverConfig = vscode.workspace.getConfiguration('promptls.server', scope);
  const server: Record<string, unknown> = {};
  if (isSet(serverConfig, 'useEnv')) {
    server.use_env = serverConfig.get<boolean>('useEnv', false);
  }
  return { versioning, server };
}
