// Loads a module of src/ in plain Node: esbuild bundles it (and its local imports) to CommonJS.
// `vscode` stays external, so a module that needs it at run time fails to load here: the
// modules tested this way are the ones kept free of it.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const extRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function loadTs(relative) {
  const result = await esbuild.build({
    entryPoints: [path.join(extRoot, 'src', relative)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    write: false,
    logLevel: 'silent',
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promptls-unit-'));
  try {
    const file = path.join(dir, `${path.basename(relative, '.ts')}.cjs`);
    fs.writeFileSync(file, result.outputFiles[0].text);
    return createRequire(import.meta.url)(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function packageJson() {
  return JSON.parse(fs.readFileSync(path.join(extRoot, 'package.json'), 'utf8'));
}
