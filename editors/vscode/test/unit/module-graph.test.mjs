// The extension's modules import each other without a cycle: in a cycle, one module runs
// while another's exports are still undefined, and the order the bundler picks decides which.
// Modules that need something from extension.ts get it passed in (see CommandContext).
//
//   npm test
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        return sourceFiles(p);
      }
      return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
    })
    .sort();
}

/** The module a relative specifier names (`./commands` -> commands.ts), else undefined. */
function resolveLocal(from, specifier) {
  if (!specifier.startsWith('.')) {
    return undefined;
  }
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [base, `${base}.ts`, path.join(base, 'index.ts')];
  if (base.endsWith('.js')) {
    candidates.push(`${base.slice(0, -3)}.ts`);
  }
  return candidates.find((c) => c.endsWith('.ts') && fs.existsSync(c));
}

/**
 * Module graph of the files under `root`: file (relative) -> the local files it imports. Every
 * import counts, `import type` and `export … from` included, so the graph stays acyclic even
 * for imports that the compiler erases.
 */
function moduleGraph(root) {
  const graph = new Map();
  for (const file of sourceFiles(root)) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const deps = new Set();
    for (const { fileName } of info.importedFiles) {
      const target = resolveLocal(file, fileName);
      if (target) {
        deps.add(path.relative(root, target));
      }
    }
    graph.set(path.relative(root, file), [...deps].sort());
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as `a.ts > b.ts > a.ts`. */
function cycles(graph) {
  const state = new Map(); // undefined: unseen, 1: on the stack, 2: done
  const stack = [];
  const found = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) {
        found.push([...stack.slice(stack.indexOf(next)), next].join(' > '));
      } else if (state.get(next) === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      visit(node);
    }
  }
  return found;
}

test('the modules of src/ import each other without a cycle', () => {
  const graph = moduleGraph(src);
  // The graph is read for real: the entry point and its imports are in it.
  assert.ok(graph.get('extension.ts')?.includes('commands.ts'), JSON.stringify([...graph]));
  assert.ok(graph.get('commands.ts')?.includes('status.ts'), JSON.stringify([...graph]));
  assert.deepEqual(cycles(graph), []);
});

test('the cycle check finds cycles', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts', 'd.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['d.ts']],
    ['e.ts', ['a.ts']],
  ]);
  assert.deepEqual(cycles(graph), ['a.ts > b.ts > c.ts > a.ts', 'd.ts > d.ts']);
  assert.deepEqual(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]])), []);
});

test('type-only imports and re-exports count as edges', () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'promptls-graph-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = B;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "export { A } from './a';\nexport type B = number;\n");
    fs.writeFileSync(path.join(dir, 'c.ts'), "import * as vscode from 'vscode';\nexport const c = vscode;\n");
    const graph = moduleGraph(dir);
    assert.deepEqual([...graph], [
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts']],
      ['c.ts', []],
    ]);
    assert.deepEqual(cycles(graph), ['a.ts > b.ts > a.ts']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
