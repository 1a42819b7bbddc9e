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
import * as path from 'node:path';
import { isVersionedPromptName, pyprojectUsesPromptic, pythonImportsPromptic, VERSIONED_PROMPT_GLOB } from './activation';
import { afterNewVersion, registerCommands } from './commands';
import { describeSource, findServerBinary, launchSettings } from './serverBinary';
import { parseIndexSize, versionsDiffer } from './serverInfo';
import { readSettings } from './settings';
import { PromptlsStatus } from './status';
import { PROMPT_EXTENSIONS, type PromptVersion, SERVER_COMMANDS } from './types';

/** Where to read how to install the server (the project's README). */
const INSTALL_DOCS = 'https://github.com/promptls/promptls#install';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let traceOutput: vscode.OutputChannel;
let status: PromptlsStatus;
let extensionContext: vscode.ExtensionContext;
/** `checking` until the workspace is known to use promptic (`active`) or not (`dormant`). */
let phase: 'checking' | 'dormant' | 'active' = 'checking';
/** Watches for promptic showing up while dormant. */
let dormantWatch: vscode.Disposable[] = [];
/** The "server not found" notification is shown once a session. */
let missingNotified = false;
/** Starts and stops run one after another. */
let lifecycle: Promise<void> = Promise.resolve();

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
          const size = parseIndexSize(value.message);
          if (size) {
            this.bar.setIndexSize(size);
          }
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

function serverOptions(binary: string, extraArgs: string[]): ServerOptions {
  const serverConfig = vscode.workspace.getConfiguration('promptls.server');
  const args = ['serve', ...extraArgs];
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

/** Runs `fn` after every start or stop asked for before it. */
function serialized(fn: () => Promise<void>): Promise<void> {
  lifecycle = lifecycle.then(fn, fn);
  return lifecycle;
}

function logSearch(tried: string[]): void {
  output.appendLine(`[client] Looked for the server:\n  - ${tried.join('\n  - ')}`);
}

async function notifyMissing(restricted: boolean): Promise<void> {
  if (missingNotified) {
    return;
  }
  missingNotified = true;
  const restrictedNote = restricted ? ' In Restricted Mode promptls.server.path is not used.' : '';
  const choice = await vscode.window.showErrorMessage(
    `Promptls: no promptls language server was found (the Promptls output lists where it looked). [Install promptls](${INSTALL_DOCS}) or set promptls.server.path.${restrictedNote}`,
    'Open Settings',
  );
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'promptls.server.path');
  }
}

async function warnOnVersionMismatch(serverVersion: string | undefined, binary: string): Promise<void> {
  const extensionVersion = (extensionContext.extension.packageJSON as { version?: string }).version;
  if (!versionsDiffer(extensionVersion, serverVersion)) {
    return;
  }
  const message = `the extension is version ${extensionVersion} but the server ${binary} is version ${serverVersion}; some features may be missing or behave differently.`;
  output.appendLine(`[client] WARNING: ${message}`);
  // Once for a pair of versions, not at every start.
  const key = 'promptls.versionMismatchWarned';
  const pair = `${extensionVersion}|${serverVersion}`;
  if (extensionContext.globalState.get<string>(key) === pair) {
    return;
  }
  await extensionContext.globalState.update(key, pair);
  void vscode.window.showWarningMessage(`Promptls: ${message}`, 'Show Log').then((c) => {
    if (c) {
      output.show(true);
    }
  });
}

async function startClient(): Promise<void> {
  const trusted = vscode.workspace.isTrusted;
  const launch = launchSettings(vscode.workspace.getConfiguration('promptls.server'), trusted);
  if (launch.ignored.length > 0) {
    output.appendLine(
      `[client] Restricted Mode: ${launch.ignored.join(' and ')} ignored until the workspace is trusted; the bundled server is used.`,
    );
  }
  status.setServerState('starting');
  status.setIndexSize(undefined);
  const search = await findServerBinary({
    extensionPath: extensionContext.extensionPath,
    configuredPath: launch.path,
    configuredNote: launch.ignored.includes('promptls.server.path') ? 'ignored in Restricted Mode' : undefined,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  });
  logSearch(search.tried);
  if (!search.found) {
    status.setServerState('missing');
    if (search.settingError) {
      output.appendLine(`[client] ERROR: ${search.settingError}`);
      // Not awaited: a restart must not wait for the notification to be closed.
      void vscode.window.showErrorMessage(`Promptls: ${search.settingError}`, 'Open Settings', 'Show Log').then((choice) => {
        if (choice === 'Open Settings') {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'promptls.server.path');
        } else if (choice === 'Show Log') {
          output.show(true);
        }
      });
    } else {
      output.appendLine(`[client] ERROR: no promptls server found; install it: ${INSTALL_DOCS}`);
      void notifyMissing(!trusted);
    }
    return;
  }
  const { path: binary, source } = search.found;
  output.appendLine(`[client] Starting ${binary} serve (${describeSource(source)})`);
  const lc = new LanguageClient('promptls', 'Promptls', serverOptions(binary, launch.extraArgs), clientOptions());
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
    const version = lc.initializeResult?.serverInfo?.version ?? search.found.version;
    output.appendLine(`[client] Server started: ${lc.initializeResult?.serverInfo?.name ?? 'promptls'} ${version ?? ''}`);
    status.setServerInfo({ version, origin: describeSource(source), path: binary });
    void warnOnVersionMismatch(version, binary);
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

/** Restarts the server; while dormant, starts it (the user asked for it). */
async function restartClient(): Promise<void> {
  if (phase !== 'active') {
    wake('started with "Promptls: Restart Server"');
    return lifecycle;
  }
  output.appendLine('[client] Restarting the server');
  return serialized(async () => {
    await stopClient();
    await startClient();
  });
}

// --- activation: start only where promptic is used ---------------------------------------------

function relative(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

/** Why an open document shows that the workspace uses promptic, or undefined. */
function documentReason(doc: vscode.TextDocument): string | undefined {
  if (doc.uri.scheme !== 'file') {
    return undefined;
  }
  const name = path.basename(doc.uri.fsPath);
  if (name === 'promptic.toml') {
    return `${relative(doc.uri)} is open`;
  }
  if (name === 'pyproject.toml' && pyprojectUsesPromptic(doc.getText())) {
    return `${relative(doc.uri)} has [tool.promptic]`;
  }
  if (doc.languageId === 'python' && pythonImportsPromptic(doc.getText())) {
    return `${relative(doc.uri)} imports promptic`;
  }
  return undefined;
}

async function pyprojectReason(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    return pyprojectUsesPromptic(text) ? `${relative(uri)} has [tool.promptic]` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why this workspace uses promptic, or undefined: a `promptic.toml`, a versioned prompt file
 * (`*_v1.md`, …), `[tool.promptic]` in a root `pyproject.toml`, an open Python file that
 * imports promptic. The activation events (package.json) say the same, except that
 * `onLanguage:python` fires for any Python file.
 */
async function findWork(): Promise<string | undefined> {
  for (const doc of vscode.workspace.textDocuments) {
    const reason = documentReason(doc);
    if (reason) {
      return reason;
    }
  }
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  for (const folder of folders) {
    const reason = await pyprojectReason(vscode.Uri.joinPath(folder.uri, 'pyproject.toml'));
    if (reason) {
      return reason;
    }
  }
  if (folders.length === 0) {
    return undefined;
  }
  const cts = new vscode.CancellationTokenSource();
  const timer = setTimeout(() => cts.cancel(), 20000);
  const exclude = '**/{node_modules,.git,.venv,venv,__pycache__}/**';
  try {
    const config = await vscode.workspace.findFiles('**/promptic.toml', exclude, 1, cts.token);
    if (config.length > 0) {
      return `${relative(config[0])} is in the workspace`;
    }
    const prompts = await vscode.workspace.findFiles(VERSIONED_PROMPT_GLOB, exclude, 1, cts.token);
    if (prompts.length > 0) {
      return `versioned prompt files such as ${relative(prompts[0])}`;
    }
  } finally {
    clearTimeout(timer);
    cts.dispose();
  }
  return undefined;
}

function wake(reason: string): void {
  if (phase === 'active') {
    return;
  }
  phase = 'active';
  for (const d of dormantWatch) {
    d.dispose();
  }
  dormantWatch = [];
  output.appendLine(`[client] promptic workspace: ${reason}`);
  void serialized(startClient);
}

function goDormant(): void {
  phase = 'dormant';
  status.setServerState('dormant');
  output.appendLine(
    '[client] No promptic here (no promptic.toml, no versioned prompt file such as task_v1.md, no [tool.promptic] in pyproject.toml, no open Python file importing promptic): the server is not started. It starts when one shows up, or with "Promptls: Restart Server".',
  );
  // A new folder may be reported alone, without the files created in it: look in it (new
  // folders are collected for a second, a few at most).
  const newFolders = new Set<string>();
  let recheck: NodeJS.Timeout | undefined;
  const lookInNewFolders = async () => {
    recheck = undefined;
    const folders = [...newFolders].slice(0, 10);
    newFolders.clear();
    const exclude = '**/{node_modules,.git,.venv,venv,__pycache__}/**';
    for (const folder of folders) {
      const base = vscode.Uri.file(folder);
      for (const glob of ['**/promptic.toml', VERSIONED_PROMPT_GLOB]) {
        if (phase !== 'dormant') {
          return;
        }
        let found: vscode.Uri[] = [];
        try {
          found = await vscode.workspace.findFiles(new vscode.RelativePattern(base, glob), exclude, 1);
        } catch {
          // the folder is gone
        }
        if (found.length > 0) {
          wake(`${relative(found[0])} is in the workspace`);
          return;
        }
      }
    }
  };
  const onFile = async (uri: vscode.Uri) => {
    if (phase !== 'dormant' || uri.scheme !== 'file') {
      return;
    }
    const name = path.basename(uri.fsPath);
    if (name === 'promptic.toml' || isVersionedPromptName(name)) {
      wake(`${relative(uri)} is in the workspace`);
    } else if (name === 'pyproject.toml') {
      const reason = await pyprojectReason(uri);
      if (reason) {
        wake(reason);
      }
    } else if (!name.startsWith('.') && !/[\\/](node_modules|\.git|\.venv|venv|__pycache__)([\\/]|$)/.test(uri.fsPath)) {
      let type = vscode.FileType.Unknown;
      try {
        type = (await vscode.workspace.fs.stat(uri)).type;
      } catch {
        return; // gone already
      }
      if ((type & vscode.FileType.Directory) !== 0) {
        newFolders.add(uri.fsPath);
        recheck ??= setTimeout(() => void lookInNewFolders(), 1000);
      }
    }
  };
  const created = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
  const pyprojects = vscode.workspace.createFileSystemWatcher('**/pyproject.toml', true, false, true);
  dormantWatch.push(
    created,
    pyprojects,
    created.onDidCreate(onFile),
    pyprojects.onDidChange(onFile),
    { dispose: () => clearTimeout(recheck) },
    vscode.workspace.onDidOpenTextDocument((doc) => {
      const reason = phase === 'dormant' ? documentReason(doc) : undefined;
      if (reason) {
        wake(reason);
      }
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      const reason = phase === 'dormant' ? documentReason(doc) : undefined;
      if (reason) {
        wake(reason);
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(async () => {
      const reason = phase === 'dormant' ? await findWork() : undefined;
      if (reason) {
        wake(reason);
      }
    }),
  );
}

async function checkWorkspace(): Promise<void> {
  let reason: string | undefined;
  try {
    reason = await findWork();
  } catch (err) {
    output.appendLine(`[client] looking for promptic files failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (phase !== 'checking') {
    return; // "Restart Server" came first
  }
  if (reason) {
    wake(reason);
  } else {
    goDormant();
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel('Promptls');
  traceOutput = vscode.window.createOutputChannel('Promptls Trace');
  status = new PromptlsStatus();
  context.subscriptions.push(output, traceOutput, status, {
    dispose: () => dormantWatch.forEach((d) => d.dispose()),
  });

  const tracker = registerCommands(context, { client: getClient, output, status, restart: restartClient });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('promptls') || phase !== 'active') {
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
    // Trusting the folder brings back promptls.server.path and promptls.server.extraArgs.
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      const launch = launchSettings(vscode.workspace.getConfiguration('promptls.server'), true);
      if (phase === 'active' && (launch.path !== undefined || launch.extraArgs.length > 0)) {
        output.appendLine('[client] The workspace is trusted now: restarting with the promptls.server settings');
        await restartClient();
      }
    }),
  );

  output.appendLine(
    `[client] promptls extension ${(context.extension.packageJSON as { version?: string }).version ?? ''} (${process.platform}-${process.arch}), workspace ${vscode.workspace.isTrusted ? 'trusted' : 'not trusted (Restricted Mode)'}`,
  );
  // Not awaited: activation returns at once, the file search runs in the background.
  void checkWorkspace();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
