import * as vscode from 'vscode';
import type { IndexSize } from './serverInfo';
import { type PromptVersion, versionLabel } from './types';

/** `dormant`: the workspace does not use promptic, no server runs and the item is hidden. */
export type ServerState = 'dormant' | 'starting' | 'running' | 'stopped' | 'missing';

export interface ServerInfo {
  /** `serverInfo.version` of the initialize result. */
  version?: string;
  /** Where the binary came from, e.g. "bundled with the extension". */
  origin: string;
  path: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One status bar item: indexing progress while the server indexes, otherwise the version of
 * the prompt file in the active editor (click: "Promptls: Show Versions"), or the server's
 * version and the size of the index. Hidden while the extension is dormant.
 */
export class PromptlsStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private indexing: { title: string; message?: string; percentage?: number } | undefined;
  private version: { current: PromptVersion; all: PromptVersion[] } | undefined;
  private server: ServerState = 'dormant';
  private info: ServerInfo | undefined;
  private indexSize: IndexSize | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('promptls.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Promptls';
    this.render();
  }

  setServerState(state: ServerState): void {
    this.server = state;
    if (state !== 'running') {
      this.indexing = undefined;
    }
    if (state === 'missing' || state === 'dormant') {
      this.info = undefined;
      this.indexSize = undefined;
    }
    this.render();
  }

  setServerInfo(info: ServerInfo | undefined): void {
    this.info = info;
    this.render();
  }

  setIndexSize(size: IndexSize | undefined): void {
    this.indexSize = size;
    this.render();
  }

  /** "promptls 0.1.0 (bundled with the extension)" and the index size, for tooltips. */
  private serverLines(): string[] {
    if (!this.info) {
      return [];
    }
    const lines = [`promptls ${this.info.version ?? '(version unknown)'} — ${this.info.origin}`];
    if (this.indexSize) {
      lines.push(`Index: ${plural(this.indexSize.files, 'prompt file')} in ${plural(this.indexSize.folders, 'folder')}`);
    }
    return lines;
  }

  startIndexing(title: string, message?: string, percentage?: number): void {
    this.indexing = { title, message, percentage };
    this.render();
  }

  reportIndexing(message?: string, percentage?: number): void {
    if (!this.indexing) {
      this.indexing = { title: 'Indexing prompts' };
    }
    if (message !== undefined) {
      this.indexing.message = message;
    }
    if (percentage !== undefined) {
      this.indexing.percentage = percentage;
    }
    this.render();
  }

  endIndexing(): void {
    this.indexing = undefined;
    this.render();
  }

  get isIndexing(): boolean {
    return this.indexing !== undefined;
  }

  setVersion(current: PromptVersion | undefined, all: PromptVersion[] = []): void {
    this.version = current ? { current, all } : undefined;
    this.render();
  }

  private render(): void {
    const item = this.item;
    item.backgroundColor = undefined;
    if (this.server === 'dormant') {
      item.hide();
      return;
    }
    if (this.server === 'missing') {
      item.text = '$(error) promptls';
      item.tooltip = 'The promptls server was not found. Click to open the setting promptls.server.path.';
      item.command = { title: 'Open settings', command: 'workbench.action.openSettings', arguments: ['promptls.server.path'] };
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      item.show();
      return;
    }
    if (this.server === 'stopped') {
      item.text = '$(debug-disconnect) promptls';
      item.tooltip = 'The promptls server stopped. Click to restart it.';
      item.command = 'promptls.restartServer';
      item.show();
      return;
    }
    if (this.indexing) {
      const { title, message, percentage } = this.indexing;
      const pct = percentage !== undefined ? ` ${Math.round(percentage)}%` : '';
      item.text = `$(sync~spin) ${title}${pct}`;
      item.tooltip = message ? `${title}: ${message}` : title;
      item.command = 'promptls.showOutput';
      item.show();
      return;
    }
    if (this.server === 'starting') {
      item.text = '$(loading~spin) promptls';
      item.tooltip = 'Starting the promptls server…';
      item.command = 'promptls.showOutput';
      item.show();
      return;
    }
    if (this.version) {
      const { current, all } = this.version;
      const sameVariant = all.filter((v) => sameClassifiers(v, current));
      const newest = sameVariant.find((v) => v.latest) ?? sameVariant[0];
      let suffix = '';
      if (current.latest) {
        suffix = ' · latest';
      } else if (current.prerelease) {
        suffix = ' · prerelease';
      } else if (newest && newest.version !== current.version) {
        suffix = ` · newest ${versionLabel(newest)}`;
      }
      item.text = `$(versions) ${versionLabel(current)}${suffix}`;
      const count = sameVariant.length || all.length;
      const lines = [
        `**${current.prompt_id}** ${versionLabel(current)}${current.latest ? ' (latest release)' : ''}`,
        `${count} version${count === 1 ? '' : 's'}${variantLabel(current)}`,
      ];
      if (current.title && !current.path.endsWith(current.title)) {
        lines.push(`_${current.title}_`);
      }
      lines.push('', ...this.serverLines(), 'Click to show all versions.');
      item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
      item.command = 'promptls.showVersions';
      item.show();
      return;
    }
    const version = this.info?.version ? ` ${this.info.version}` : '';
    const size = this.indexSize ? ` · ${plural(this.indexSize.files, 'prompt')}` : '';
    item.text = `$(versions) promptls${version}${size}`;
    item.tooltip = new vscode.MarkdownString(
      [...this.serverLines(), 'Click to show the versions of a prompt.'].join('\n\n'),
    );
    item.command = 'promptls.showVersions';
    item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

export function sameClassifiers(a: PromptVersion, b: PromptVersion): boolean {
  const ka = a.classifiers ?? {};
  const kb = b.classifiers ?? {};
  const keys = new Set([...Object.keys(ka), ...Object.keys(kb)]);
  for (const k of keys) {
    if (ka[k] !== kb[k]) {
      return false;
    }
  }
  return true;
}

export function variantLabel(v: PromptVersion): string {
  const entries = Object.entries(v.classifiers ?? {});
  if (entries.length === 0) {
    return '';
  }
  return ` · ${entries.map(([k, val]) => `${k}=${val}`).join(', ')}`;
}
