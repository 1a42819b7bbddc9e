/** Shapes of the promptls server's `workspace/executeCommand` results (spec I-2). */

export interface PromptVersion {
  /** Workspace-relative path of the file. */
  id: string;
  /** The prompt the file belongs to, e.g. `prompts/task`. */
  prompt_id: string;
  /** Front matter `title` (the server falls back to the file name). */
  title?: string | null;
  description?: string | null;
  content?: string | null;
  /** Modified time of the file, RFC 3339. */
  created_at?: string | null;
  /** Normalized version, e.g. `v2.1.0` or `v3.0.0-alpha`; null for an unversioned file. */
  version: string | null;
  /** 1-based rank of the version in its variant. */
  version_number?: number;
  prerelease?: string | null;
  classifiers?: Record<string, string>;
  /** Absolute filesystem path. */
  path: string;
  /** Newest release of its variant. */
  latest?: boolean;
}

export interface DiffResult {
  diff: string;
  variables?: { added: string[]; removed: string[] };
}

export type Bump = 'major' | 'minor' | 'patch' | 'prerelease';

export const PROMPT_EXTENSIONS = [
  '.md',
  '.markdown',
  '.yaml',
  '.yml',
  '.json',
  '.jinja2',
  '.jinja',
  '.j2',
  '.txt',
  '.prompt',
];

export const SERVER_COMMANDS = {
  listVersions: 'promptls.listVersions',
  getVersion: 'promptls.getVersion',
  createVersion: 'promptls.createVersion',
  revertVersion: 'promptls.revertVersion',
  diffVersions: 'promptls.diffVersions',
  reindex: 'promptls.reindex',
} as const;

export const CODE_ACTION_KINDS = {
  createVersion: 'refactor.promptls.createVersion',
  revertVersion: 'refactor.promptls.revertVersion',
} as const;

export function versionLabel(v: PromptVersion): string {
  return v.version ?? '(unversioned)';
}
