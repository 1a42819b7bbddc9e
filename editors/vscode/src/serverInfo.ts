// What the extension reads from the running server: its version (the initialize result's
// serverInfo) and the size of its index. No runtime import of `vscode` (unit-tested in Node).

/** The size of the index, from the end of the server's "Indexing prompts" progress. */
export interface IndexSize {
  files: number;
  folders: number;
}

/** Reads "12 prompt files in 3 folders", the message that ends the server's indexing progress. */
export function parseIndexSize(message: string | undefined): IndexSize | undefined {
  const m = /^(\d+) prompt files? in (\d+) folders?\b/.exec(message?.trim() ?? '');
  return m ? { files: Number(m[1]), folders: Number(m[2]) } : undefined;
}

/** `major.minor` of a version such as `0.1.0` or `v1.2.3-rc.1`, or undefined. */
export function majorMinor(version: string | undefined): string | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version?.trim() ?? '');
  return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

/** True when both versions are known and their major.minor differ. */
export function versionsDiffer(extensionVersion: string | undefined, serverVersion: string | undefined): boolean {
  const a = majorMinor(extensionVersion);
  const b = majorMinor(serverVersion);
  return a !== undefined && b !== undefined && a !== b;
}
