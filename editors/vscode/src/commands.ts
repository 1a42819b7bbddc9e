import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type CodeAction as LspCodeAction,
  CodeActionRequest,
  type Command as LspCommand,
  ExecuteCommandRequest,
  type LanguageClient,
} from 'vscode-languageclient/node';
import { type PromptlsStatus, sameClassifiers, variantLabel } from './status';
import { type Bump, CODE_ACTION_KINDS, PROMPT_EXTENSIONS, type PromptVersion, SERVER_COMMANDS, versionLabel } from './types';

/**
 * What the commands need from the extension, handed to {@link registerCommands}: this module
 * never imports `extension.ts` (which imports it), so the module graph stays acyclic.
 */
export interface CommandContext {
  /** The language client while the server runs, else `undefined`. */
  client(): LanguageClient | undefined;
  /** The **Promptls** output channel; the commands log there with a `[client]` prefix. */
  output: vscode.OutputChannel;
  /** The status bar item (the version of the active prompt file). */
  status: PromptlsStatus;
  /** Restarts the server ("Promptls: Restart Server"). */
  restart(): Promise<void>;
}

function log(ctx: CommandContext, message: string): void {
  ctx.output.appendLine(`[client] ${message}`);
}

export function isPromptFile(uri: vscode.Uri | undefined): uri is vscode.Uri {
  if (!uri || uri.scheme !== 'file') {
    return false;
  }
  return PROMPT_EXTENSIONS.includes(path.extname(uri.fsPath).toLowerCase());
}

function requireClient(ctx: CommandContext): LanguageClient {
  const lc = ctx.client();
  if (!lc) {
    throw new UserError('The promptls server is not running (see "Promptls: Show Server Log").');
  }
  return lc;
}

class UserError extends Error {}

/** `workspace/executeCommand` with the server's convention: one object argument (or none). */
export async function runServerCommand<T>(
  ctx: CommandContext,
  command: string,
  args?: Record<string, unknown>,
): Promise<T> {
  const lc = requireClient(ctx);
  log(ctx, `executeCommand ${command} ${args ? JSON.stringify(args) : ''}`);
  const result = await lc.sendRequest(ExecuteCommandRequest.type, {
    command,
    arguments: args === undefined ? [] : [args],
  });
  return result as T;
}

function samePath(a: string, b: string): boolean {
  const na = path.normalize(a);
  const nb = path.normalize(b);
  return process.platform === 'win32' || process.platform === 'darwin'
    ? na.toLowerCase() === nb.toLowerCase()
    : na === nb;
}

export function findSelf(versions: PromptVersion[], uri: vscode.Uri): PromptVersion | undefined {
  const byPath = versions.find((v) => v.path && samePath(v.path, uri.fsPath));
  if (byPath) {
    return byPath;
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (folder) {
    const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
    return versions.find((v) => v.id === rel);
  }
  return undefined;
}

export async function listVersions(ctx: CommandContext, uri: vscode.Uri): Promise<PromptVersion[]> {
  const result = await runServerCommand<PromptVersion[] | null>(ctx, SERVER_COMMANDS.listVersions, {
    uri: uri.toString(),
  });
  return Array.isArray(result) ? result : [];
}

function formatDate(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return iso;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function versionItem(v: PromptVersion, current?: PromptVersion): vscode.QuickPickItem & { version: PromptVersion } {
  const tags: string[] = [];
  if (v.latest) {
    tags.push('latest');
  }
  if (v.prerelease) {
    tags.push('prerelease');
  }
  if (current && v.path === current.path) {
    tags.push('current');
  }
  const date = formatDate(v.created_at);
  const title = v.title && v.title !== path.basename(v.path) ? v.title : undefined;
  return {
    label: versionLabel(v),
    description: [date, ...tags].filter((s) => s.length > 0).join(' · ') + variantLabel(v),
    detail: title ? `${title} — ${v.id}` : v.id,
    version: v,
  };
}

async function openFile(file: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  return vscode.window.showTextDocument(doc, { preview: false });
}

/**
 * The server applies a new version with `workspace/applyEdit` (CreateFile + insert); VS Code
 * leaves the inserted text unsaved, so the new file is saved here to put it on disk.
 */
async function saveCreated(file: string | undefined): Promise<void> {
  if (!file) {
    return;
  }
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && samePath(d.uri.fsPath, file));
  if (doc?.isDirty) {
    await doc.save();
  }
}

/** The prompt file a command applies to: its argument (explorer, editor title) or the active editor. */
function targetUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) {
    return arg;
  }
  return vscode.window.activeTextEditor?.document.uri;
}

function requirePromptFile(arg: unknown): vscode.Uri {
  const uri = targetUri(arg);
  if (!isPromptFile(uri)) {
    throw new UserError('Open a versioned prompt file (for example prompts/task_v2.md) first.');
  }
  return uri;
}

type BumpPick = vscode.QuickPickItem & { run: () => Promise<PromptVersion | null | undefined> };

function actionCommand(action: LspCodeAction | LspCommand): LspCommand | undefined {
  if ('command' in action && typeof action.command === 'string') {
    return action as LspCommand;
  }
  const cmd = (action as LspCodeAction).command;
  return cmd && typeof cmd === 'object' ? cmd : undefined;
}

function firstArg(cmd: LspCommand): Record<string, unknown> | undefined {
  const arg = cmd.arguments?.[0];
  return arg && typeof arg === 'object' ? (arg as Record<string, unknown>) : undefined;
}

/** Bump choices from the server's code actions at the top of the file, the preferred one first. */
async function bumpChoicesFromServer(ctx: CommandContext, uri: vscode.Uri): Promise<BumpPick[]> {
  const lc = requireClient(ctx);
  let actions: (LspCodeAction | LspCommand)[] | null = null;
  try {
    actions = await lc.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uri.toString() },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], triggerKind: 1 },
    });
  } catch (err) {
    log(ctx, `codeAction failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const creates = (actions ?? []).filter((a) => {
    const cmd = actionCommand(a);
    const kind = 'kind' in a && typeof a.kind === 'string' ? a.kind : '';
    return kind.startsWith(CODE_ACTION_KINDS.createVersion) || cmd?.command === SERVER_COMMANDS.createVersion;
  });
  const ordered = [
    ...creates.filter((a) => 'isPreferred' in a && a.isPreferred === true),
    ...creates.filter((a) => !('isPreferred' in a && a.isPreferred === true)),
  ];
  return ordered.map((a): BumpPick => {
    const preferred = 'isPreferred' in a && a.isPreferred === true;
    const cmd = actionCommand(a);
    const edit = 'edit' in a ? a.edit : undefined;
    const disabled = 'disabled' in a ? a.disabled?.reason : undefined;
    return {
      label: a.title,
      description: preferred ? '$(star-full) recommended' : undefined,
      detail: disabled,
      run: async () => {
        if (edit) {
          const converted = await lc.protocol2CodeConverter.asWorkspaceEdit(edit);
          await vscode.workspace.applyEdit(converted);
        }
        if (cmd) {
          return runServerCommand<PromptVersion | null>(ctx, cmd.command, firstArg(cmd));
        }
        return undefined;
      },
    };
  });
}

function staticBumpChoices(ctx: CommandContext, uri: vscode.Uri): BumpPick[] {
  const mk = (bump: Bump, label: string, detail: string): BumpPick => ({
    label,
    detail,
    run: async () => {
      const args: Record<string, unknown> = { uri: uri.toString(), bump };
      if (bump === 'prerelease') {
        const label = await vscode.window.showInputBox({
          title: 'Prerelease label',
          value: 'alpha',
          prompt: 'Label of the prerelease (alpha, beta, rc, …)',
        });
        if (label === undefined) {
          return undefined;
        }
        args.label = label;
      }
      return runServerCommand<PromptVersion | null>(ctx, SERVER_COMMANDS.createVersion, args);
    },
  });
  return [
    mk('patch', 'Patch', 'Text-only changes'),
    mk('minor', 'Minor', 'New variables'),
    mk('major', 'Major', 'Removed or renamed variables'),
    mk('prerelease', 'Prerelease…', 'An alpha / beta / rc of the next version'),
  ];
}

/** Saves the file a createVersion / revertVersion made (applied unsaved by VS Code) and opens it. */
export async function afterNewVersion(result: PromptVersion | null | undefined, what: string): Promise<void> {
  if (!result) {
    return;
  }
  await saveCreated(result.path);
  if (result.path) {
    await openFile(result.path);
  }
  void vscode.window.showInformationMessage(`Promptls: ${what} ${result.id ?? result.path} (${versionLabel(result)}).`);
}

async function createNewVersion(ctx: CommandContext, arg: unknown, bump?: Bump): Promise<void> {
  const uri = requirePromptFile(arg);
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) {
    await doc.save();
  }
  if (bump) {
    const result = await runServerCommand<PromptVersion | null>(ctx, SERVER_COMMANDS.createVersion, {
      uri: uri.toString(),
      bump,
    });
    await afterNewVersion(result, 'created');
    return;
  }
  let picks = await bumpChoicesFromServer(ctx, uri);
  if (picks.length === 0) {
    picks = staticBumpChoices(ctx, uri);
  }
  const choice = await vscode.window.showQuickPick(picks, {
    title: `New version of ${path.basename(uri.fsPath)}`,
    placeHolder: 'Which bump? (the recommended one comes first)',
    ignoreFocusOut: true,
  });
  if (!choice) {
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Promptls: creating a new version…' },
    () => choice.run(),
  );
  await afterNewVersion(result ?? undefined, 'created');
}

async function revertToVersion(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = requirePromptFile(arg);
  const versions = await listVersions(ctx, uri);
  const current = findSelf(versions, uri);
  // Other versions of the same variant (reverting task_ru to a task_en version makes no sense).
  const candidates = versions.filter(
    (v) => v.version !== null && (!current || (v.path !== current.path && sameClassifiers(v, current))),
  );
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Promptls: ${path.basename(uri.fsPath)} has no other version to revert to.`);
    return;
  }
  const choice = await vscode.window.showQuickPick(
    candidates.map((v) => versionItem(v, current)),
    {
      title: `Revert ${current?.prompt_id ?? path.basename(uri.fsPath)} to…`,
      placeHolder: 'Creates a new version with the chosen version\'s content; history stays',
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    },
  );
  if (!choice) {
    return;
  }
  const result = await runServerCommand<PromptVersion | null>(ctx, SERVER_COMMANDS.revertVersion, {
    uri: uri.toString(),
    version: choice.version.version,
  });
  await afterNewVersion(result, `reverted to ${versionLabel(choice.version)} as`);
}

/** The version just older than `current` in the same variant (the list is newest first). */
export function previousVersion(versions: PromptVersion[], current: PromptVersion): PromptVersion | undefined {
  const sameVariant = versions.filter((v) => sameClassifiers(v, current));
  const idx = sameVariant.findIndex((v) => v.path === current.path);
  return idx >= 0 ? sameVariant[idx + 1] : undefined;
}

async function compareWithPrevious(ctx: CommandContext, arg: unknown): Promise<void> {
  const uri = requirePromptFile(arg);
  const versions = await listVersions(ctx, uri);
  const current = findSelf(versions, uri);
  if (!current) {
    throw new UserError(`${path.basename(uri.fsPath)} is not a versioned prompt file known to promptls.`);
  }
  const previous = previousVersion(versions, current);
  if (!previous) {
    void vscode.window.showInformationMessage(
      `Promptls: ${versionLabel(current)} is the first version of ${current.prompt_id}${variantLabel(current)}.`,
    );
    return;
  }
  await vscode.commands.executeCommand(
    'vscode.diff',
    vscode.Uri.file(previous.path),
    uri,
    `${current.prompt_id}: ${versionLabel(previous)} ↔ ${versionLabel(current)}`,
  );
}

async function showVersions(ctx: CommandContext, arg: unknown): Promise<void> {
  let versions: PromptVersion[];
  let current: PromptVersion | undefined;
  let title: string;
  const uri = targetUri(arg);
  if (isPromptFile(uri)) {
    versions = await listVersions(ctx, uri);
    current = findSelf(versions, uri);
    title = `Versions of ${current?.prompt_id ?? path.basename(uri.fsPath)}`;
  } else {
    const prompt = await vscode.window.showInputBox({
      title: 'Promptls: Show Versions',
      prompt: 'Prompt (workspace-relative path without version, e.g. prompts/task)',
      ignoreFocusOut: true,
    });
    if (!prompt) {
      return;
    }
    const result = await runServerCommand<PromptVersion[] | null>(ctx, SERVER_COMMANDS.listVersions, { prompt });
    versions = Array.isArray(result) ? result : [];
    title = `Versions of ${prompt}`;
  }
  if (versions.length === 0) {
    void vscode.window.showInformationMessage('Promptls: no versions found.');
    return;
  }
  const choice = await vscode.window.showQuickPick(
    versions.map((v) => versionItem(v, current)),
    { title, placeHolder: 'Open a version', matchOnDescription: true, matchOnDetail: true },
  );
  if (choice) {
    await openFile(choice.version.path);
  }
}

/** Keeps the status bar and the `promptls.isVersionedPrompt` context key on the active file. */
export class VersionTracker implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(private readonly ctx: CommandContext) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.refreshSoon()),
      vscode.workspace.onDidSaveTextDocument(() => this.refreshSoon()),
      vscode.workspace.onDidCreateFiles(() => this.refreshSoon()),
      vscode.workspace.onDidDeleteFiles(() => this.refreshSoon()),
      vscode.workspace.onDidRenameFiles(() => this.refreshSoon()),
    );
  }

  refreshSoon(delay = 150): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  async refresh(): Promise<void> {
    const gen = ++this.generation;
    const uri = vscode.window.activeTextEditor?.document.uri;
    if (!isPromptFile(uri) || !this.ctx.client()) {
      this.ctx.status.setVersion(undefined);
      await vscode.commands.executeCommand('setContext', 'promptls.isVersionedPrompt', false);
      return;
    }
    try {
      const versions = await listVersions(this.ctx, uri);
      if (gen !== this.generation) {
        return;
      }
      const current = findSelf(versions, uri);
      this.ctx.status.setVersion(current, versions);
      await vscode.commands.executeCommand(
        'setContext',
        'promptls.isVersionedPrompt',
        current !== undefined && current.version !== null,
      );
    } catch (err) {
      if (gen === this.generation) {
        this.ctx.status.setVersion(undefined);
        log(this.ctx, `listVersions for the status bar failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

function guarded(
  ctx: CommandContext,
  name: string,
  fn: (...args: unknown[]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    try {
      await fn(...args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(ctx, `${name} failed: ${message}`);
      void vscode.window.showErrorMessage(err instanceof UserError ? `Promptls: ${message}` : `Promptls: ${name} failed: ${message}`);
    }
  };
}

/**
 * Registers the palette commands and the version tracker (status bar and the
 * `promptls.isVersionedPrompt` context key); returns the tracker, which the extension refreshes
 * when settings change. Both are disposed with `context`.
 */
export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): VersionTracker {
  const tracker = new VersionTracker(ctx);
  context.subscriptions.push(tracker);
  const reg = (id: string, name: string, fn: (...args: unknown[]) => Promise<void>) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, guarded(ctx, name, fn)));
  reg('promptls.newVersion', 'Create New Version', async (arg, bump) => {
    await createNewVersion(ctx, arg, typeof bump === 'string' ? (bump as Bump) : undefined);
    tracker.refreshSoon();
  });
  reg('promptls.revertToVersion', 'Revert to Version', async (arg) => {
    await revertToVersion(ctx, arg);
    tracker.refreshSoon();
  });
  reg('promptls.compareWithPrevious', 'Compare With Previous Version', (arg) => compareWithPrevious(ctx, arg));
  reg('promptls.showVersions', 'Show Versions', (arg) => showVersions(ctx, arg));
  reg('promptls.restartServer', 'Restart Server', () => ctx.restart());
  reg('promptls.showOutput', 'Show Server Log', async () => ctx.output.show(true));
  reg('promptls.internal.refreshStatus', 'refresh status', async () => tracker.refreshSoon(0));
  return tracker;
}
