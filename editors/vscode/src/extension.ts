import * as vscode from 'vscode';
import {
  type ClientCapabilities,
  type ConfigurationParams,
  DidChangeConfigurationNotification,
  type FeatureState,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  type StaticFeature,
  State,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
  type WorkDoneProgressEnd,
} from 'vscode-languageclient/node';
import { afterNewVersion, registerCommands } from './commands';
import { findServerBinary } from './serverBinary';
import { readSettings } from './settings';
import { PromptlsStatus } from './status';
import { PROMPT_EXTENSIONS, type PromptVersion, SERVER_COMMANDS } from './types';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let traceOutput: vscode.OutputChannel;
let status: PromptlsStatus;
let extensionContext: vscode.ExtensionContext;

function getClient(): LanguageClient | undefined {
  return client?.state === State.Running ? client : undefined;
}

function log(message: string): void {
  output?.appendLine(`[client] ${message}`);
}

const promptGlob = `**/*.{${PROMPT_EXTENSIONS.map((e) => e.slice(1)).join(',')}}`;

/** Tracks `$/progress` (work done progress, e.g. "Indexing prompts") in the status bar. */
class IndexingProgressFeature implements StaticFeature {
  private readonly tokens = new Map<string | number, vscode.Disposable>();

  constructor(
    private readonly lc: LanguageClient,
    private readonly bar: PromptlsStatus,
  ) {}

  getState(): FeatureState {
    return { kind: 'static' };
  }

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = capabilities.window ?? {};
    capabilities.window.workDoneProgress = true;
  }

  initialize(): void {
    // Registered after the built-in progress feature, so this handler is the one in force.
    this.lc.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.track(token);
      return null;
    });
  }

  private track(token: string | number): void {
    this.tokens.get(token)?.dispose();
    let resolveWindow: (() => void) | undefined;
    let windowProgress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
    let lastPct = 0;
    const sub = this.lc.onProgress(
      WorkDoneProgress.type,
      token,
      (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
        if (value.kind === 'begin') {
          this.bar.startIndexing(value.title, value.message, value.percentage);
          void vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: value.title },
            (progress) => {
              windowProgress = progress;
              progress.report({ message: value.message });
              return new Promise<void>((resolve) => (resolveWindow = resolve));
            },
          );
          log(`progress: ${value.title}${value.message ? ` — ${value.message}` : ''}`);
        } else if (value.kind === 'report') {
          this.bar.reportIndexing(value.message, value.percentage);
          const pct = value.percentage ?? lastPct;
          windowProgress?.report({ message: value.message, increment: Math.max(0, pct - lastPct) });
          lastPct = pct;
        } else {
          this.bar.endIndexing();
          resolveWindow?.();
          log(`progress done${value.message ? `: ${value.message}` : ''}`);
          this.tokens.get(token)?.dispose();
          this.tokens.delete(token);
          void vscode.commands.executeCommand('promptls.internal.refreshStatus');
        }
      },
    );
    this.tokens.set(token, {
      dispose: () => {
        sub.dispose();
        resolveWindow?.();
      },
    });
  }

  clear(): void {
    for (const d of this.tokens.values()) {
      d.dispose();
    }
    this.tokens.clear();
    this.bar.endIndexing();
  }
}

/** The values of `promptls.server.logLevel` (package.json), each a valid `RUST_LOG`. */
const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'];

function serverOptions(binary: string): ServerOptions {
  const serverConfig = vscode.workspace.getConfiguration('promptls.server');
  const args = ['serve', ...serverConfig.get<string[]>('extraArgs', [])];
  // The log level is the client's to set: the server reads RUST_LOG, never a setting. A
  // RUST_LOG that VS Code itself was started with wins, and the log says so.
  let level = serverConfig.get<unknown>('logLevel', 'info');
  if (typeof level !== 'string' || !LOG_LEVELS.includes(level)) {
    const message = `promptls.server.logLevel ${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}; info applies.`;
    log(`WARNING: ${message}`);
    void vscode.window.showWarningMessage(`Promptls: ${message}`);
    level = 'info';
  }
  const inherited = process.env.RUST_LOG;
  if (inherited !== undefined && inherited !== level) {
    log(`RUST_LOG=${inherited} from VS Code's environment applies, not promptls.server.logLevel (${level})`);
  }
  const env = { ...process.env, RUST_LOG: inherited ?? level, NO_COLOR: '1' };
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  // No `transport`: TransportKind.stdio would append `--stdio`, which `promptls serve` rejects;
  // stdio is the default anyway.
  const executable = { command: binary, args, options: { env, cwd } };
  return { run: executable, debug: executable };
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: 'file', pattern: promptGlob },
      { scheme: 'file', language: 'python' },
      { scheme: 'file', pattern: '**/{promptic.toml,pyproject.toml}' },
    ],
    initializationOptions: readSettings(),
    outputChannel: output,
    traceOutputChannel: traceOutput,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    markdown: { isTrusted: false, supportHtml: false },
    middleware: {
      // The server's code lens ("v2.0.0 · latest release · 3 versions") runs listVersions,
      // whose JSON result VS Code would drop: show the versions in a quick pick instead.
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        for (const lens of lenses ?? []) {
          if (lens.command?.command === SERVER_COMMANDS.listVersions) {
            lens.command = { ...lens.command, command: 'promptls.showVersions', arguments: [document.uri] };
          }
        }
        return lenses;
      },
      // Code actions "Create version …" / "Revert to …" run these server commands; the server
      // applies the new file with workspace/applyEdit, which VS Code leaves unsaved: save and
      // open it, as the palette commands do.
      executeCommand: async (command, args, next) => {
        const result: unknown = await next(command, args);
        if (command === SERVER_COMMANDS.createVersion || command === SERVER_COMMANDS.revertVersion) {
          const created = result as PromptVersion | null;
          await afterNewVersion(created, command === SERVER_COMMANDS.createVersion ? 'created' : 'reverted as');
          void vscode.commands.executeCommand('promptls.internal.refreshStatus');
        }
        return result;
      },
      workspace: {
        // Answers `workspace/configuration` for our sections in the server's own shape.
        configuration: (params: ConfigurationParams, token, next) => {
          const answers: unknown[] = [];
          let handledAll = true;
          for (const item of params.items) {
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            const s = readSettings(scope);
            if (item.section === 'promptls' || item.section === undefined) {
              answers.push(s);
            } else if (item.section === 'promptls.versioning' || item.section === 'versioning') {
              answers.push(s.versioning);
            } else if (item.section === 'promptls.server' || item.section === 'server') {
              answers.push(s.server);
            } else {
              handledAll = false;
              break;
            }
          }
          return handledAll ? answers : next(params, token);
        },
      },
    },
  };
}

async function startClient(): Promise<void> {
  const search = findServerBinary(extensionContext.extensionPath);
  if (!search.found) {
    status.setServerState('missing');
    const reason =
      search.settingError ??
      'The promptls language server binary was not found. Install it (in the promptls repository: `cargo install --path .`) and make sure `promptls` is on PATH, or set "promptls.server.path".';
    output.appendLine(`[client] ERROR: ${reason}`);
    output.appendLine(`[client] Looked for the server in:\n  - ${search.tried.join('\n  - ')}`);
    const choice = await vscode.window.showErrorMessage(`Promptls: ${reason}`, 'Open Settings', 'Show Log');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'promptls.server.path');
    } else if (choice === 'Show Log') {
      output.show(true);
    }
    return;
  }
  const { path: binary, source } = search.found;
  output.appendLine(`[client] Starting ${binary} serve (found via ${source})`);
  status.setServerState('starting');
  const lc = new LanguageClient('promptls', 'Promptls', serverOptions(binary), clientOptions());
  lc.registerFeature(new IndexingProgressFeature(lc, status));
  lc.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      status.setServerState('running');
    } else if (e.newState === State.Stopped) {
      status.setServerState('stopped');
    } else {
      status.setServerState('starting');
    }
  });
  client = lc;
  try {
    await lc.start();
    output.appendLine(
      `[client] Server started: ${lc.initializeResult?.serverInfo?.name ?? 'promptls'} ${lc.initializeResult?.serverInfo?.version ?? ''}`,
    );
    void vscode.commands.executeCommand('promptls.internal.refreshStatus');
  } catch (err) {
    status.setServerState('stopped');
    const message = err instanceof Error ? err.message : String(err);
    output.appendLine(`[client] ERROR: the server failed to start: ${message}`);
    void vscode.window.showErrorMessage(`Promptls: the server (${binary}) failed to start: ${message}`, 'Show Log').then((c) => {
      if (c) {
        output.show(true);
      }
    });
  }
}

async function stopClient(): Promise<void> {
  const lc = client;
  client = undefined;
  if (lc) {
    try {
      await lc.stop(5000);
    } catch (err) {
      output.appendLine(`[client] stop: ${err instanceof Error ? err.message : String(err)}`);
    }
    await lc.dispose().catch(() => undefined);
  }
}

async function restartClient(): Promise<void> {
  output.appendLine('[client] Restarting the server');
  await stopClient();
  await startClient();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel('Promptls');
  traceOutput = vscode.window.createOutputChannel('Promptls Trace');
  status = new PromptlsStatus();
  context.subscriptions.push(output, traceOutput, status);

  const tracker = registerCommands(context, { client: getClient, output, status, restart: restartClient });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('promptls')) {
        return;
      }
      if (e.affectsConfiguration('promptls.server')) {
        await restartClient();
        return;
      }
      const lc = getClient();
      if (lc && e.affectsConfiguration('promptls.versioning')) {
        output.appendLine('[client] Settings changed: sending workspace/didChangeConfiguration');
        await lc.sendNotification(DidChangeConfigurationNotification.type, { settings: readSettings() });
        tracker.refreshSoon();
      }
    }),
  );

  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
