// When the extension has work (src/activation.ts and the activation events in package.json),
// and what it reads from the server (src/serverInfo.ts).
//
//   npm test
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadTs, packageJson } from './helpers/load-ts.mjs';

const act = await loadTs('activation.ts');
const info = await loadTs('serverInfo.ts');

test('pyproject.toml with [tool.promptic] counts, others do not', () => {
  assert.equal(act.pyprojectUsesPromptic('[project]\nname = "x"\n\n[tool.promptic]\nprompts = "prompts"\n'), true);
  assert.equal(act.pyprojectUsesPromptic('[tool.promptic.versioning]\ndelimiter = "-"\n'), true);
  assert.equal(act.pyprojectUsesPromptic('  [ tool.promptic ]\n'), true);
  assert.equal(act.pyprojectUsesPromptic('[project]\ndependencies = ["promptic>=1"]\n'), false);
  assert.equal(act.pyprojectUsesPromptic('[tool.prompticx]\n'), false);
  assert.equal(act.pyprojectUsesPromptic('[tool.ruff]\n# [tool.promptic] comes later\n'), false);
  assert.equal(act.pyprojectUsesPromptic(''), false);
});

test('a Python file that imports promptic counts, others do not', () => {
  assert.equal(act.pythonImportsPromptic('from promptic import load_prompt\n'), true);
  assert.equal(act.pythonImportsPromptic('import os\nfrom promptic.versioning import x\n'), true);
  assert.equal(act.pythonImportsPromptic('import promptic\n'), true);
  assert.equal(act.pythonImportsPromptic('import os, promptic as p\n'), true);
  assert.equal(act.pythonImportsPromptic('def f():\n    from promptic import render\n'), true);
  assert.equal(act.pythonImportsPromptic('import prompticx\n'), false);
  assert.equal(act.pythonImportsPromptic('from promptic_tools import x\n'), false);
  assert.equal(act.pythonImportsPromptic('# import promptic\nprint("from promptic import x")\n'), false);
  assert.equal(act.pythonImportsPromptic('import numpy as np\n'), false);
});

test('activation events: promptic.toml, versioned prompt files, Python; no plain Markdown or pyproject', () => {
  const events = packageJson().activationEvents;
  assert.ok(events.includes('workspaceContains:**/promptic.toml'));
  for (const glob of act.VERSIONED_PROMPT_GLOBS) {
    assert.ok(events.includes(`workspaceContains:${glob}`), `missing workspaceContains:${glob}`);
  }
  assert.equal(act.VERSIONED_PROMPT_GLOBS.length, 10);
  assert.deepEqual(
    events.filter((e) => e.startsWith('onLanguage:')),
    ['onLanguage:python'],
    'onLanguage:python is the only language event (the extension then checks for promptic)',
  );
  assert.ok(!events.some((e) => /pyproject\.toml|^\*$|onStartupFinished/.test(e)), JSON.stringify(events));
});

const VERSIONED = ['prompts/task_v1.md', 'a/b/task_en_v2.1.0.yaml', 'x/steps_v2.0.0-beta.md', 'p/t_v3.prompt', 'q/r_v1.j2'];
const NOT_VERSIONED = ['prompts/task.md', 'README.md', 'x/taskv1.md', 'x/task_v1.py', 'x/task_version.md', 'x/task_vx.md', 'x/v1.md'];

test('a file that appears is told versioned by its name, as the globs do', () => {
  for (const yes of VERSIONED) {
    assert.ok(act.isVersionedPromptName(path.basename(yes)), yes);
  }
  for (const no of NOT_VERSIONED) {
    assert.ok(!act.isVersionedPromptName(path.basename(no)), no);
  }
  assert.ok(!act.isVersionedPromptName('task_v1'), 'no extension');
});

test('the versioned prompt globs match versioned names only', { skip: !path.matchesGlob && 'path.matchesGlob needs Node 20.17' }, () => {
  const match = (file) => path.matchesGlob(file, act.VERSIONED_PROMPT_GLOB);
  for (const yes of VERSIONED) {
    assert.ok(match(yes), yes);
    assert.ok(act.VERSIONED_PROMPT_GLOBS.some((g) => path.matchesGlob(yes, g)), yes);
  }
  for (const no of NOT_VERSIONED) {
    assert.ok(!match(no), no);
    assert.ok(!act.VERSIONED_PROMPT_GLOBS.some((g) => path.matchesGlob(no, g)), no);
  }
});

test('the index size comes from the end of the indexing progress', () => {
  assert.deepEqual(info.parseIndexSize('12 prompt files in 3 folders'), { files: 12, folders: 3 });
  assert.deepEqual(info.parseIndexSize('1 prompt file in 1 folder'), { files: 1, folders: 1 });
  assert.equal(info.parseIndexSize('walking the workspace'), undefined);
  assert.equal(info.parseIndexSize(undefined), undefined);
});

test('a server of another major.minor than the extension is told apart', () => {
  assert.equal(info.majorMinor('0.1.0'), '0.1');
  assert.equal(info.majorMinor('v1.12.3-rc.1'), '1.12');
  assert.equal(info.majorMinor('dev'), undefined);
  assert.equal(info.versionsDiffer('0.1.0', '0.1.7'), false);
  assert.equal(info.versionsDiffer('0.1.0', '0.2.0'), true);
  assert.equal(info.versionsDiffer('1.0.0', '0.1.0'), true);
  assert.equal(info.versionsDiffer('0.1.0', undefined), false);
});
