// When the extension has work: it is activated for any Python file (activation event
// `onLanguage:python`), and starts the server only in a workspace that uses promptic. These
// checks are cheap (one file search, the root pyproject.toml files, the open Python files).
// No runtime import of `vscode`: test/unit/activation.test.mjs loads this module in plain Node.
import { PROMPT_EXTENSIONS } from './types';

/** The prompt file extensions the server indexes, without the dot. */
export const PROMPT_FILE_EXTENSIONS = PROMPT_EXTENSIONS.map((e) => e.slice(1));

/**
 * Versioned prompt file names with promptic's default delimiter (`task_v1.md`,
 * `task_en_v2.1.0.md`), one glob per extension: the `workspaceContains:` activation events in
 * package.json are exactly these.
 */
export const VERSIONED_PROMPT_GLOBS = PROMPT_FILE_EXTENSIONS.map((ext) => `**/*_v[0-9]*.${ext}`);

/** The same names as one glob, for a file search or a file watcher. */
export const VERSIONED_PROMPT_GLOB = `**/*_v[0-9]*.{${PROMPT_FILE_EXTENSIONS.join(',')}}`;

/** True when a pyproject.toml has a `[tool.promptic]` table (or a `[tool.promptic.…]` one). */
export function pyprojectUsesPromptic(text: string): boolean {
  return /^[ \t]*\[\[?[ \t]*tool[ \t]*\.[ \t]*["']?promptic["']?[ \t]*[.\]]/m.test(text);
}

/** True when Python source imports promptic (`import promptic`, `from promptic… import …`). */
export function pythonImportsPromptic(text: string): boolean {
  return (
    /^[ \t]*from[ \t]+promptic(?:\.[\w.]+)?[ \t]+import\b/m.test(text) ||
    /^[ \t]*import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*promptic\b/m.test(text)
  );
}

/** True for a file name the globs above match: `task_v1.md`, `task_en_v2.1.0.yaml`. */
export function isVersionedPromptName(name: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || !PROMPT_FILE_EXTENSIONS.includes(name.slice(dot + 1))) {
    return false;
  }
  return /_v[0-9]/.test(name.slice(0, dot + 1));
}
