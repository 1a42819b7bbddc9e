// End-to-end test of the packaged extension in a real VS Code (code-server) driven by headless
// Chromium through playwright-core.
//
// Environment:
//   PROMPTLS_BIN      the promptls binary (required)
//   CODE_SERVER_DIR   where ../shared/tools/install-code-server.sh installed code-server (required)
//   VSIX              the packaged extension (default: editors/vscode/promptls.vsix)
//   EXAMPLES          the example workspace to copy (default: <repo>/examples)
//   E2E_OUT           screenshots and logs (default: <repo>/target/e2e)
//   E2E_RESULTS       file that gets one "PASS name" / "FAIL name: reason" line per check
//   CHROMIUM          browser binary (default: /usr/bin/chromium)
//   E2E_KEEP=1        keep the temporary folder
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const extRoot = path.resolve(here, '..', '..');
const repoRoot = path.resolve(extRoot, '..', '..');

const bin = process.env.PROMPTLS_BIN;
const codeServerDir = process.env.CODE_SERVER_DIR;
const vsix = path.resolve(process.env.VSIX ?? path.join(extRoot, 'promptls.vsix'));
const examples = path.resolve(process.env.EXAMPLES ?? path.join(repoRoot, 'examples'));
const outDir = path.resolve(process.env.E2E_OUT ?? path.join(repoRoot, 'target', 'e2e'));
const resultsFile = process.env.E2E_RESULTS;
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TOTAL_BUDGET_MS = 7 * 60 * 1000;

const results = [];
function record(name, ok, reason = '') {
  results.push({ name, ok, reason });
  const line = ok ? `PASS ${name}` : `FAIL ${name}: ${reason}`;
  console.log(`[e2e] ${line}`);
  if (resultsFile) {
    fs.appendFileSync(resultsFile, `${line.replace(/\n/g, ' ')}\n`);
  }
}

function die(message) {
  console.error(`[e2e] ${message}`);
  record('vscode e2e setup', false, message);
  process.exit(1);
}

if (!bin || !fs.existsSync(bin)) {
  die(`PROMPTLS_BIN is not set or missing: ${bin}`);
}
if (!codeServerDir) {
  die('CODE_SERVER_DIR is not set');
}
const entry = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
if (!fs.existsSync(entry)) {
  die(`code-server is not installed in ${codeServerDir} (no ${entry})`);
}
if (!fs.existsSync(vsix)) {
  die(`the extension is not packaged: ${vsix} (run npm run package)`);
}
fs.mkdirSync(outDir, { recursive: true });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

// ---------------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'promptls-e2e-'));
const ws = path.join(tmp, 'ws');
const userData = path.join(tmp, 'user-data');
const extDir = path.join(tmp, 'extensions');
const chromeDir = path.join(tmp, 'chrome');
fs.cpSync(examples, ws, { recursive: true });
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(
  path.join(userData, 'User', 'settings.json'),
  JSON.stringify(
    {
      'promptls.server.path': path.resolve(bin),
      'promptls.server.logLevel': 'debug',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'editor.wordBasedSuggestions': 'off',
      'editor.snippetSuggestions': 'none',
      'editor.hover.delay': 200,
      'files.autoSave': 'off',
      'git.enabled': false,
      'security.workspace.trust.startupPrompt': 'always',
      'chat.disableAIFeatures': true,
      'window.commandCenter': false,
    },
    null,
    2,
  ),
);
const initialPrompts = new Set(fs.readdirSync(path.join(ws, 'prompts')));

let codeServer;
let context;
let cleaned = false;
async function cleanup() {
  if (cleaned) {
    return;
  }
  cleaned = true;
  if (context) {
    await Promise.race([context.close().catch(() => undefined), sleep(5000)]);
  }
  if (codeServer && codeServer.exitCode === null) {
    try {
      process.kill(-codeServer.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const gone = await Promise.race([new Promise((r) => codeServer.once('exit', () => r(true))), sleep(4000).then(() => false)]);
    if (!gone) {
      try {
        process.kill(-codeServer.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (process.env.E2E_KEEP !== '1') {
    fs.rmSync(tmp, { recursive: true, force: true });
  } else {
    console.log(`[e2e] kept ${tmp}`);
  }
}

const budget = setTimeout(async () => {
  record('vscode e2e finished within budget', false, `still running after ${TOTAL_BUDGET_MS / 1000} s`);
  await cleanup();
  process.exit(1);
}, TOTAL_BUDGET_MS);
budget.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
function codeServerCli(args, timeout) {
  return execFileSync(process.execPath, [entry, '--user-data-dir', userData, '--extensions-dir', extDir, ...args], {
    encoding: 'utf8',
    timeout,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

let page;
async function shot(name) {
  if (!page) {
    return;
  }
  try {
    await page.screenshot({ path: path.join(outDir, `${name}.png`), timeout: 10000 });
  } catch (err) {
    console.log(`[e2e] screenshot ${name} failed: ${err.message}`);
  }
}

async function check(name, fn) {
  try {
    await fn();
    record(name, true);
    return true;
  } catch (err) {
    record(name, false, err.message.split('\n')[0]);
    await shot(`failure-${name.replace(/[^a-z0-9]+/gi, '-')}`);
    return false;
  }
}

async function quickInputRows() {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allInnerTexts();
}

async function runCommand(label) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press(attempt === 1 ? 'F1' : 'Control+Shift+P');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${label}`, { timeout: 5000 });
      await waitFor(
        `command "${label}" in the palette`,
        async () => (await quickInputRows()).some((t) => t.includes(label)),
        10000,
      );
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      lastError = err;
      console.log(`[e2e] running "${label}" (attempt ${attempt}) failed: ${err.message.split('\n')[0]}`);
    }
  }
  throw lastError;
}

async function openFile(relPath) {
  const base = path.basename(relPath);
  // Short per-call timeouts: rows re-render while the list filters, and a detached row
  // must not hold the whole wait.
  const isActive = async () =>
    (await page.locator('.tab.active').first().getAttribute('aria-label', { timeout: 1000 }).catch(() => null))?.includes(base);
  const matchingRow = async () => {
    for (const row of await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').all()) {
      const label = (await row.getAttribute('aria-label', { timeout: 1000 }).catch(() => null)) ?? '';
      if (label.startsWith(`${base},`) || label.startsWith(`${base} `) || label === base) {
        return row;
      }
    }
    return undefined;
  };
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill(relPath);
      await waitFor(`${relPath} in quick open`, async () => (await matchingRow()) !== undefined, 15000);
      await sleep(400); // let the result list settle before clicking
      const row = await matchingRow();
      if (!row) {
        throw new Error(`${relPath} left the quick open results`);
      }
      await row.click({ timeout: 5000 });
      await waitFor(`${base} to be the active editor tab`, isActive, 8000);
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
      console.log(`[e2e] opening ${relPath} (attempt ${attempt}) failed: ${err.message.split('\n')[0]}`);
    }
  }
  if (lastError) {
    throw lastError;
  }
  // Quick open leaves the focus in the editor; make sure of it.
  await waitFor('the editor to have the focus', async () => {
    const focused = await page.evaluate(() => Boolean(document.activeElement?.closest('.editor-instance .monaco-editor')));
    if (!focused) {
      await page.locator('.editor-instance .monaco-editor .view-lines:visible').first().click({ position: { x: 5, y: 5 }, timeout: 2000 });
    }
    return focused;
  }, 10000);
}

async function suggestions() {
  const widget = page.locator('.editor-widget.suggest-widget');
  if (!(await widget.isVisible())) {
    return [];
  }
  return widget.locator('.monaco-list-row').allInnerTexts();
}

async function main() {
  console.log(`[e2e] workspace ${ws}`);
  console.log(`[e2e] installing ${vsix}`);
  const installed = codeServerCli(['--install-extension', vsix, '--force'], 120000);
  console.log(installed.trim().split('\n').slice(-2).join('\n'));
  const list = codeServerCli(['--list-extensions', '--show-versions'], 60000);
  if (!/promptls\.promptls@/.test(list)) {
    throw new Error(`extension not installed; --list-extensions printed: ${list}`);
  }

  const port = await freePort();
  const log = fs.openSync(path.join(outDir, 'code-server.log'), 'w');
  codeServer = spawn(
    process.execPath,
    [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extDir,
      ws,
    ],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, PROMPTLS_E2E: '1' } },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'code-server to answer /healthz',
    async () => {
      if (codeServer.exitCode !== null) {
        throw new Error(`code-server exited with ${codeServer.exitCode} (see ${outDir}/code-server.log)`);
      }
      const res = await fetch(`${base}/healthz`).catch(() => undefined);
      return res?.ok;
    },
    60000,
    500,
  );
  console.log(`[e2e] code-server is up on ${base}`);

  context = await chromium.launchPersistentContext(chromeDir, {
    executablePath: browserPath,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--no-default-browser-check',
    ],
  });
  context.setDefaultTimeout(15000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => console.log(`[e2e] page error: ${err.message}`));
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90000 });
  console.log('[e2e] workbench loaded');

  await check('trust the workspace folder', async () => {
    const trust = page.getByRole('button', { name: /Yes, I trust the authors/i });
    const appeared = await trust
      .waitFor({ state: 'visible', timeout: 20000 })
      .then(() => true)
      .catch(() => false);
    console.log(`[e2e] trust dialog ${appeared ? 'shown: trusting the folder' : 'not shown'}`);
    if (appeared) {
      await trust.click();
      await trust.waitFor({ state: 'hidden', timeout: 10000 });
    }
    // Restricted mode shows a "Restricted Mode" status bar entry; it must be gone.
    await waitFor(
      'the workspace to leave restricted mode',
      async () => (await page.locator('#status\\.workspaceTrust, .statusbar-item:has-text("Restricted Mode")').count()) === 0,
      10000,
    );
  });

  await check('extension activates and starts the server', async () => {
    await waitFor(
      'the promptls status bar item',
      async () => {
        const item = page.locator('.statusbar-item:has-text("promptls")');
        if ((await item.locator('.codicon-error').count()) > 0) {
          throw new Error('the status bar says the server is missing');
        }
        if ((await item.locator('.codicon-debug-disconnect').count()) > 0) {
          throw new Error('the status bar says the server stopped');
        }
        // Running: "$(versions) promptls" (or a version, or indexing progress).
        return (await item.locator('.codicon-versions').count()) > 0;
      },
      60000,
    );
  });

  // --- completion ------------------------------------------------------------------------------
  await check('completion lists versions at version="', async () => {
    await openFile('app.py');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('extra = load_prompt("prompts/task", version=', { delay: 15 });
    // With auto-closing quotes this leaves the cursor between "" and sends the trigger character.
    await page.keyboard.type('"', { delay: 15 });
    let rows = [];
    await waitFor(
      'the suggest widget to list v2.0.0 / v1.0.0 and latest',
      async () => {
        rows = await suggestions();
        const flat = rows.join('\n');
        if (/latest/.test(flat) && /v2\.0\.0|v1\.0\.0/.test(flat)) {
          return true;
        }
        // Retrigger explicitly: the first request may have come while the server was indexing.
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+Space');
        await sleep(1500);
        return false;
      },
      45000,
      500,
    ).catch((err) => {
      throw new Error(`${err.message}; suggest widget rows: ${JSON.stringify(rows.slice(0, 8))}`);
    });
    await shot('completion');
    await page.keyboard.press('Escape');
  });

  // --- hover -----------------------------------------------------------------------------------
  await check('hover on [steps](steps.md) shows a version table', async () => {
    await openFile('prompts/task_v2.md');
    const lines = fs.readFileSync(path.join(ws, 'prompts', 'task_v2.md'), 'utf8').split('\n');
    const lineIdx = lines.findIndex((l) => l.includes('(steps.md)'));
    if (lineIdx < 0) {
      throw new Error('prompts/task_v2.md has no (steps.md) link');
    }
    const col = lines[lineIdx].indexOf('(steps.md)') + 3; // 1-based column inside "steps.md"
    let text = '';
    await waitFor(
      'a hover that contains v1.1.0',
      async () => {
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+G');
        const input = page.locator('.quick-input-widget .quick-input-box input');
        await input.waitFor({ state: 'visible', timeout: 5000 });
        await input.fill(`:${lineIdx + 1}:${col}`);
        await page.keyboard.press('Enter');
        await sleep(200);
        await page.keyboard.press('Control+K');
        await page.keyboard.press('Control+I');
        const hover = page.locator('.monaco-hover:visible, .monaco-resizable-hover:visible').first();
        await hover.waitFor({ state: 'visible', timeout: 4000 }).catch(() => undefined);
        await sleep(700);
        text = (await page.locator('.monaco-hover').allInnerTexts()).join('\n');
        return /v1\.1\.0/.test(text);
      },
      45000,
      1000,
    ).catch((err) => {
      throw new Error(`${err.message}; hover text: ${JSON.stringify(text.slice(0, 300))}`);
    });
    const hasTable = (await page.locator('.monaco-hover table').count()) > 0;
    await shot('hover');
    if (!hasTable) {
      throw new Error(`the hover mentions v1.1.0 but renders no table: ${JSON.stringify(text.slice(0, 300))}`);
    }
    await page.keyboard.press('Escape');
  });

  // --- status bar ------------------------------------------------------------------------------
  await check('status bar shows the version of task_v2.md', async () => {
    await openFile('prompts/task_v2.md');
    let texts = [];
    await waitFor(
      'a status bar item with v2.0.0',
      async () => {
        texts = await page.locator('.statusbar-item').allInnerTexts();
        return texts.some((t) => t.includes('v2.0.0'));
      },
      20000,
    ).catch((err) => {
      throw new Error(`${err.message}; status bar: ${JSON.stringify(texts.filter((t) => t.trim()))}`);
    });
  });

  // --- code lens -----------------------------------------------------------------------------------
  await check('the code lens on task_v2.md lists the versions', async () => {
    await openFile('prompts/task_v2.md');
    const lens = page.locator('.codelens-decoration a', { hasText: 'version' }).first();
    await lens.waitFor({ state: 'visible', timeout: 20000 });
    console.log(`[e2e] code lens: ${await lens.innerText()}`);
    await lens.click();
    let rows = [];
    await waitFor(
      'a quick pick with v1.0.0 and v2.0.0',
      async () => {
        rows = await quickInputRows();
        return rows.some((r) => r.includes('v1.0.0')) && rows.some((r) => r.includes('v2.0.0'));
      },
      15000,
    ).catch((err) => {
      throw new Error(`${err.message}; rows: ${JSON.stringify(rows)}`);
    });
    await shot('versions');
    await page.keyboard.press('Escape');
  });

  // --- compare with previous ----------------------------------------------------------------------
  await check('Promptls: Compare With Previous Version opens a diff editor', async () => {
    await openFile('prompts/task_v2.md');
    await runCommand('Promptls: Compare With Previous Version');
    await waitFor(
      'a diff editor v1.0.0 ↔ v2.0.0',
      async () => {
        const label = (await page.locator('.tab.active').first().getAttribute('aria-label')) ?? '';
        return (await page.locator('.monaco-diff-editor').count()) > 0 && label.includes('v1.0.0');
      },
      20000,
    );
    await shot('compare');
    await page.keyboard.press('Control+W');
  });

  // --- create new version ------------------------------------------------------------------------
  await check('Promptls: Create New Version writes a new file', async () => {
    await openFile('prompts/task_v2.md');
    await runCommand('Promptls: Create New Version');
    let rows = [];
    await waitFor(
      'the bump quick pick',
      async () => {
        rows = await quickInputRows();
        return rows.some((r) => /patch|minor|major/i.test(r));
      },
      20000,
    );
    await shot('new-version-pick');
    console.log(`[e2e] bump choices: ${JSON.stringify(rows)}`);
    await page.keyboard.press('Enter');
    const created = await waitFor(
      'a new prompts/task_v*.md on disk',
      async () => fs.readdirSync(path.join(ws, 'prompts')).find((f) => /^task_v[\d.]+(-[\w.]+)?\.md$/.test(f) && !initialPrompts.has(f)),
      30000,
    );
    console.log(`[e2e] created prompts/${created}`);
    await waitFor(
      `prompts/${created} to hold the copied content`,
      async () => fs.readFileSync(path.join(ws, 'prompts', created), 'utf8').includes('{{product}}'),
      15000,
    );
    await sleep(1000);
    await shot('new-version');
  });

  // --- revert ------------------------------------------------------------------------------------
  await check('Promptls: Revert to Version… creates a new version with the old content', async () => {
    const before = new Set(fs.readdirSync(path.join(ws, 'prompts')));
    await openFile('prompts/task_v2.md');
    await runCommand('Promptls: Revert to Version…');
    let rows = [];
    await waitFor(
      'v1.0.0 in the revert quick pick',
      async () => {
        rows = await quickInputRows();
        return rows.some((r) => r.includes('v1.0.0'));
      },
      20000,
    ).catch((err) => {
      throw new Error(`${err.message}; rows: ${JSON.stringify(rows)}`);
    });
    await page.locator('.quick-input-widget .quick-input-box input').fill('v1.0.0');
    await sleep(300);
    await shot('revert-pick');
    await page.keyboard.press('Enter');
    const created = await waitFor(
      'a new prompts/task_v*.md on disk',
      async () => fs.readdirSync(path.join(ws, 'prompts')).find((f) => /^task_v[\d.]+\.md$/.test(f) && !before.has(f)),
      30000,
    );
    // task_v1.md's body (task_v2.md added {{tone}}); front matter may be rewritten.
    await waitFor(
      `prompts/${created} to hold task_v1.md's content`,
      async () => {
        const text = fs.readFileSync(path.join(ws, 'prompts', created), 'utf8');
        return text.includes('Write a short answer for {{audience}}.') && !text.includes('{{tone}}');
      },
      15000,
    );
    console.log(`[e2e] reverted as prompts/${created}`);
  });

  // --- restart -----------------------------------------------------------------------------------
  await check('Promptls: Restart Server brings the server back', async () => {
    await openFile('prompts/task_v1.md');
    await runCommand('Promptls: Restart Server');
    let texts = [];
    await waitFor(
      'the status bar to show v1.0.0 again',
      async () => {
        texts = await page.locator('.statusbar-item').allInnerTexts();
        return texts.some((t) => t.includes('v1.0.0'));
      },
      30000,
    ).catch((err) => {
      throw new Error(`${err.message}; status bar: ${JSON.stringify(texts.filter((t) => t.trim()))}`);
    });
    const log = fs.readFileSync(path.join(outDir, 'code-server.log'), 'utf8');
    if (/panicked/.test(log)) {
      throw new Error('code-server.log reports a panic');
    }
  });
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  record('vscode e2e setup', false, err.message.split('\n')[0]);
  await shot('failure-setup');
}
await cleanup();
const failed = results.filter((r) => !r.ok).length;
console.log(`[e2e] vscode e2e: ${results.length - failed} passed, ${failed} failed`);
if (failed > 0) {
  exitCode = 1;
  console.log(`[e2e] screenshots and code-server.log in ${outDir}`);
}
process.exit(exitCode);
