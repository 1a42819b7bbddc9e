// End-to-end test of the packaged extension in a real VS Code (code-server) driven by headless
// Chromium through playwright-core. The extension is a platform package with the server inside
// (scripts/package.sh linux-x64 "$PROMPTLS_BIN" …): code-server runs with no
// promptls.server.path setting and no promptls on PATH, so the bundled server must serve.
//
// Environment:
//   PROMPTLS_BIN      the promptls binary that was bundled (required: its version is expected)
//   CODE_SERVER_DIR   where code-server is installed (required; editors/ci.sh installs it)
//   VSIX              the packaged extension, with the server inside
//                     (default: editors/vscode/promptls-linux-x64.vsix)
//   VSIX_TARGET       the platform it was packaged for (default: linux-x64)
//   E2E_MODE          bundled (default): the checks above with the server inside the package;
//                     restricted: VSIX is the universal package (no server inside), the user
//                     and the workspace name a program in promptls.server.path, and the
//                     folder is not trusted: that program must not run, one notification links
//                     to the install instructions; trusting the folder then starts the server
//                     the workspace names;
//                     dormant: VSIX with the server inside, a Python project that does not use
//                     promptic: opening a Python file activates the extension, which starts
//                     no server and shows no status bar item until a versioned prompt file
//                     appears
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
const vsixTarget = process.env.VSIX_TARGET ?? 'linux-x64';
const mode = process.env.E2E_MODE ?? 'bundled';
const INSTALL_DOCS = 'https://github.com/promptls/promptls#install';
const vsix = path.resolve(process.env.VSIX ?? path.join(extRoot, `promptls-${vsixTarget}.vsix`));
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
if (!['bundled', 'restricted', 'dormant'].includes(mode)) {
  die(`E2E_MODE must be bundled, restricted or dormant, not ${mode}`);
}
if (!fs.existsSync(vsix)) {
  die(`the extension is not packaged: ${vsix} (run scripts/package.sh ${vsixTarget} "$PROMPTLS_BIN" ${vsix})`);
}
const binVersion = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10000 }).trim();
if (!/^promptls \S+/.test(binVersion)) {
  die(`${bin} --version printed ${JSON.stringify(binVersion)}`);
}
const expectedVersion = binVersion.split(/\s+/)[1];

/** Waits until a status bar item of `page` shows `promptls <expectedVersion>`. */
async function statusBarShowsVersion(page) {
  let texts = [];
  await waitFor(
    `the status bar to show promptls ${expectedVersion}`,
    async () => {
      texts = await page.locator('.statusbar-item').allInnerTexts();
      return texts.some((t) => t.includes(`promptls ${expectedVersion}`));
    },
    30000,
  ).catch((err) => {
    throw new Error(`${err.message}; status bar: ${JSON.stringify(texts.filter((t) => t.trim()))}`);
  });
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
const emptyCargoHome = path.join(tmp, 'cargo-home');
fs.mkdirSync(emptyCargoHome);
if (mode === 'dormant') {
  // A Python project without promptic.
  fs.mkdirSync(path.join(ws, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'main.py'), 'import os\n\nprint(os.getcwd())\n');
  fs.writeFileSync(path.join(ws, 'pyproject.toml'), '[project]\nname = "plain"\nversion = "1.0.0"\n\n[tool.ruff]\nline-length = 100\n');
  fs.writeFileSync(path.join(ws, 'README.md'), '# plain\n');
  fs.writeFileSync(path.join(ws, 'docs', 'guide.md'), '# Guide\n');
} else {
  fs.cpSync(examples, ws, { recursive: true });
}
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
// Restricted mode: programs named by promptls.server.path in the user's settings and in the
// workspace's; each leaves a marker when it runs, then runs the real server.
const userWrapper = path.join(tmp, 'user-promptls.sh');
const userMarker = path.join(tmp, 'user-wrapper-ran');
const wsWrapper = path.join(ws, 'tools', 'promptls.sh');
const wsMarker = path.join(tmp, 'workspace-wrapper-ran');
if (mode === 'restricted') {
  const wrapper = (file, marker) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\ntouch '${marker}'\nexec '${path.resolve(bin)}' "$@"\n`);
    fs.chmodSync(file, 0o755);
  };
  wrapper(userWrapper, userMarker);
  wrapper(wsWrapper, wsMarker);
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(ws, '.vscode', 'settings.json'),
    JSON.stringify({ 'promptls.server.path': '${workspaceFolder}/tools/promptls.sh' }, null, 2),
  );
}
fs.writeFileSync(
  path.join(userData, 'User', 'settings.json'),
  JSON.stringify(
    {
      // bundled: no promptls.server.path, the server inside the .vsix must be found.
      ...(mode === 'restricted' ? { 'promptls.server.path': userWrapper } : {}),
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
const codeServerLog = path.join(outDir, mode === 'bundled' ? 'code-server.log' : `code-server-${mode}.log`);
const initialPrompts = new Set(mode === 'dormant' ? [] : fs.readdirSync(path.join(ws, 'prompts')));

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

/**
 * The environment code-server runs in: PATH without any folder that holds a `promptls`, and a
 * CARGO_HOME without one, so that only the bundled server can be found.
 */
function environmentWithoutPromptls() {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d.length > 0);
  const kept = dirs.filter((d) => !fs.existsSync(path.join(d, 'promptls')));
  const dropped = dirs.filter((d) => !kept.includes(d));
  if (dropped.length > 0) {
    console.log(`[e2e] left out of PATH (they hold a promptls): ${dropped.join(', ')}`);
  }
  return { ...process.env, PATH: kept.join(path.delimiter), CARGO_HOME: emptyCargoHome, PROMPTLS_E2E: '1' };
}

/** The running `promptls serve` processes: their pid, executable and command line. */
function promptlsServers() {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0);
      if (argv.length >= 2 && path.basename(argv[0]) === 'promptls' && argv[1] === 'serve') {
        found.push({ pid, exe: fs.readlinkSync(`/proc/${pid}/exe`), argv });
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

async function suggestions() {
  const widget = page.locator('.editor-widget.suggest-widget');
  if (!(await widget.isVisible())) {
    return [];
  }
  return widget.locator('.monaco-list-row').allInnerTexts();
}

function installExtension() {
  console.log(`[e2e] workspace ${ws}`);
  console.log(`[e2e] installing ${vsix}`);
  const installed = codeServerCli(['--install-extension', vsix, '--force'], 120000);
  console.log(installed.trim().split('\n').slice(-2).join('\n'));
  const list = codeServerCli(['--list-extensions', '--show-versions'], 60000);
  if (!/promptls\.promptls@/.test(list)) {
    throw new Error(`extension not installed; --list-extensions printed: ${list}`);
  }
  const installedDir = fs
    .readdirSync(extDir)
    .filter((d) => d.startsWith('promptls.promptls-'))
    .map((d) => path.join(extDir, d))[0];
  return installedDir;
}

/** Starts code-server in `env` and opens the workspace in headless Chromium. */
async function openWorkbench(env) {
  const port = await freePort();
  const log = fs.openSync(codeServerLog, 'w');
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
    { detached: true, stdio: ['ignore', log, log], env },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'code-server to answer /healthz',
    async () => {
      if (codeServer.exitCode !== null) {
        throw new Error(`code-server exited with ${codeServer.exitCode} (see ${codeServerLog})`);
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
}

async function bundledChecks(installedDir, env) {
  await check(`the installed extension holds the server for ${vsixTarget}`, async () => {
    if (!installedDir) {
      throw new Error(`no promptls.promptls-* folder in ${extDir}`);
    }
    const server = path.join(installedDir, 'server', 'promptls');
    fs.accessSync(server, fs.constants.X_OK);
    const target = JSON.parse(fs.readFileSync(path.join(installedDir, 'server', 'target.json'), 'utf8')).target;
    if (target !== vsixTarget) {
      throw new Error(`server/target.json says ${target}`);
    }
    const said = execFileSync(server, ['--version'], { encoding: 'utf8', timeout: 10000 }).trim();
    if (said !== binVersion) {
      throw new Error(`the bundled server says ${JSON.stringify(said)}, ${bin} says ${JSON.stringify(binVersion)}`);
    }
    console.log(`[e2e] installed ${path.basename(installedDir)}: server/promptls (${said}, ${target})`);
  });

  await check('code-server gets no promptls.server.path and no promptls on PATH', async () => {
    const settings = JSON.parse(fs.readFileSync(path.join(userData, 'User', 'settings.json'), 'utf8'));
    if (Object.keys(settings).some((k) => k.startsWith('promptls.server.path') || k.startsWith('promptls.server.extraArgs'))) {
      throw new Error('settings.json sets promptls.server.path or extraArgs');
    }
    let where = '';
    try {
      where = execFileSync('/bin/sh', ['-c', 'command -v promptls'], { env, encoding: 'utf8', timeout: 10000 }).trim();
    } catch {
      return; // exit 1: not found, as it must be
    }
    throw new Error(`command -v promptls finds ${where} in code-server's environment`);
  });

  await openWorkbench(env);


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

  await check('the server that runs is the one bundled in the extension', async () => {
    let servers = [];
    await waitFor(
      'a promptls serve process',
      async () => {
        servers = promptlsServers().filter((p) => p.exe.startsWith(`${extDir}${path.sep}`) || p.argv[0].startsWith(extDir));
        return servers.length > 0;
      },
      20000,
    ).catch((err) => {
      const all = promptlsServers().map((p) => p.exe);
      throw new Error(`${err.message}; promptls serve processes: ${JSON.stringify(all)}`);
    });
    const expected = path.join(installedDir, 'server', 'promptls');
    if (!servers.some((p) => p.exe === expected)) {
      throw new Error(`expected ${expected}, found ${JSON.stringify(servers.map((p) => p.exe))}`);
    }
    console.log(`[e2e] server process ${servers[0].pid}: ${servers[0].argv.join(' ')}`);
    // The environment the extension host really had (VS Code may add the login shell's): no
    // promptls on its PATH nor in its cargo home, so nothing but the bundled server was there.
    const environ = Object.fromEntries(
      fs
        .readFileSync(`/proc/${servers[0].pid}/environ`, 'utf8')
        .split('\0')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    const elsewhere = (environ.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => d.length > 0)
      .map((d) => path.join(d, 'promptls'))
      .concat(path.join(environ.CARGO_HOME || path.join(environ.HOME ?? os.homedir(), '.cargo'), 'bin', 'promptls'))
      .filter((f) => fs.existsSync(f));
    if (elsewhere.length > 0) {
      throw new Error(`the extension host could have found another promptls: ${elsewhere.join(', ')}`);
    }
  });

  await check(`status bar shows the server version (${expectedVersion}) and the index size`, async () => {
    let texts = [];
    const want = new RegExp(`promptls ${expectedVersion.replace(/[.+]/g, '\\$&')} · \\d+ prompts?`);
    await waitFor(
      `a status bar item "promptls ${expectedVersion} · N prompts"`,
      async () => {
        texts = await page.locator('.statusbar-item').allInnerTexts();
        return texts.some((t) => want.test(t));
      },
      30000,
    ).catch((err) => {
      throw new Error(`${err.message}; status bar: ${JSON.stringify(texts.filter((t) => t.trim()))}`);
    });
    console.log(`[e2e] status bar: ${texts.find((t) => want.test(t))}`);
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
    const log = fs.readFileSync(codeServerLog, 'utf8');
    if (/panicked/.test(log)) {
      throw new Error('code-server.log reports a panic');
    }
  });

  // --- rename from the explorer ------------------------------------------------------------------
  // Last: it renames a prompt the other checks use. task_ru_v1.md is never opened: its
  // reference is updated by the edit the server returns to workspace/willRenameFiles.
  await check('renaming steps_v1.1.0.md in the explorer renames its versions and updates references', async () => {
    const prompts = path.join(ws, 'prompts');
    await openFile('prompts/steps_v1.1.0.md');
    await runCommand('File: Reveal Active File in Explorer View');
    const row = page.locator('.explorer-folders-view .monaco-list-row[aria-label^="steps_v1.1.0.md"]').first();
    await row.waitFor({ state: 'visible', timeout: 10000 });
    await row.click();
    await page.keyboard.press('F2');
    const input = page.locator('.explorer-folders-view .monaco-inputbox input').first();
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill('procedure_v1.1.0.md');
    await page.keyboard.press('Enter');
    // VS Code asks before it applies an extension's changes to a file move: the user says OK.
    const ok = page.locator('.monaco-dialog-box .monaco-button', { hasText: /^OK$/ }).first();
    await ok.waitFor({ state: 'visible', timeout: 15000 });
    await shot('rename-confirm');
    await ok.click();
    const expected = ['procedure_v1.0.0.md', 'procedure_v1.1.0.md', 'procedure_v2.0.0-beta.md'];
    let names = [];
    await waitFor(
      'every steps_* file renamed to procedure_*',
      async () => {
        names = fs.readdirSync(prompts);
        return expected.every((n) => names.includes(n)) && !names.some((n) => n.startsWith('steps_'));
      },
      30000,
    ).catch((err) => {
      throw new Error(`${err.message}; prompts/: ${JSON.stringify(names.sort())}`);
    });
    // The reference is edited in an editor buffer, as every refactoring is; saving writes it.
    // VS Code may apply the text edit after the renames it is carrying out, so the saving
    // is repeated until the file on disk has the edit (or the wait ends).
    let text = '';
    let savedAt = 0;
    await waitFor(
      'task_ru_v1.md to link procedure.md',
      async () => {
        text = fs.readFileSync(path.join(prompts, 'task_ru_v1.md'), 'utf8');
        if (text.includes('(procedure.md)') && !text.includes('(steps.md)')) {
          return true;
        }
        if (Date.now() - savedAt > 3000) {
          await runCommand('File: Save All Files');
          savedAt = Date.now();
        }
        return false;
      },
      30000,
    ).catch((err) => {
      throw new Error(`${err.message}; task_ru_v1.md: ${JSON.stringify(text)}`);
    });
    await shot('rename');
  });
}

async function restrictedChecks(installedDir, env) {
  await check('restricted: the universal package holds no server', async () => {
    const inside = fs.readdirSync(path.join(installedDir, 'server')).filter((f) => f !== 'README.md');
    if (inside.length > 0) {
      throw new Error(`server/ holds ${inside.join(', ')}`);
    }
  });
  await check('restricted: no promptls on PATH for code-server', async () => {
    let where = '';
    try {
      where = execFileSync('/bin/sh', ['-c', 'command -v promptls'], { env, encoding: 'utf8', timeout: 10000 }).trim();
    } catch {
      return;
    }
    throw new Error(`command -v promptls finds ${where} in code-server's environment`);
  });

  await openWorkbench(env);

  await check('restricted: do not trust the folder', async () => {
    const no = page.getByRole('button', { name: /No, I don't trust the authors/i });
    await no.waitFor({ state: 'visible', timeout: 20000 });
    await no.click();
    await waitFor(
      'the Restricted Mode status bar item',
      async () => (await page.locator('.statusbar-item:has-text("Restricted Mode")').count()) > 0,
      10000,
    );
  });

  await check('restricted: one notification links to the install instructions', async () => {
    const toasts = page.locator('.notification-toast', { hasText: 'no promptls language server was found' });
    await toasts.first().waitFor({ state: 'visible', timeout: 30000 });
    await sleep(1500); // a second one would show up by now
    const count = await toasts.count();
    if (count !== 1) {
      throw new Error(`${count} notifications`);
    }
    const text = await toasts.first().innerText();
    const href = await toasts.first().locator('a', { hasText: 'Install promptls' }).getAttribute('href', { timeout: 5000 });
    if (href !== INSTALL_DOCS) {
      throw new Error(`the link goes to ${href}; notification: ${JSON.stringify(text)}`);
    }
    if ((await toasts.first().locator('.monaco-button', { hasText: 'Open Settings' }).count()) !== 1) {
      throw new Error(`no "Open Settings" button; notification: ${JSON.stringify(text)}`);
    }
    if (!text.includes('In Restricted Mode promptls.server.path is not used')) {
      throw new Error(`the notification does not mention Restricted Mode: ${JSON.stringify(text)}`);
    }
    await shot('restricted-no-server');
  });

  await check('restricted: the programs named in the settings did not run', async () => {
    const item = page.locator('.statusbar-item:has-text("promptls")');
    await waitFor('the status bar to say the server is missing', async () => (await item.locator('.codicon-error').count()) > 0, 10000);
    const ran = [userMarker, wsMarker].filter((m) => fs.existsSync(m));
    if (ran.length > 0) {
      throw new Error(`ran in Restricted Mode: ${ran.join(', ')}`);
    }
    if (promptlsServers().some((p) => p.exe.startsWith(tmp) || p.argv[0].startsWith(tmp))) {
      throw new Error('a promptls serve process runs');
    }
  });

  await check('restricted: trusting the folder starts the server the workspace names', async () => {
    await runCommand('Workspaces: Manage Workspace Trust');
    const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await trust.waitFor({ state: 'visible', timeout: 15000 });
    await trust.click();
    await waitFor(
      'Restricted Mode to end',
      async () => (await page.locator('.statusbar-item:has-text("Restricted Mode")').count()) === 0,
      15000,
    );
    await waitFor(`${wsWrapper} to run`, async () => fs.existsSync(wsMarker), 30000);
    await statusBarShowsVersion(page);
    await shot('restricted-trusted');
  });
}

/** The text of the extension's **Promptls** output channel, as VS Code logs it to disk. */
function promptlsOutput() {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else if (/^\d+-Promptls\.log$/.test(e.name)) {
        found.push(p);
      }
    }
  };
  const logs = path.join(userData, 'logs');
  if (fs.existsSync(logs)) {
    walk(logs);
  }
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

async function dormantChecks(installedDir, env) {
  const ours = () => promptlsServers().filter((p) => p.exe.startsWith(`${installedDir}${path.sep}`));
  const item = () => page.locator('.statusbar-item', { hasText: /promptls/ });

  await openWorkbench(env);
  await check('dormant: trust the folder', async () => {
    const trust = page.getByRole('button', { name: /Yes, I trust the authors/i });
    await trust.waitFor({ state: 'visible', timeout: 20000 });
    await trust.click();
    await trust.waitFor({ state: 'hidden', timeout: 10000 });
  });

  await check('dormant: a Python file of a project without promptic starts no server', async () => {
    await openFile('main.py');
    await waitFor(
      'the extension to say there is no promptic here',
      async () => promptlsOutput().includes('No promptic here'),
      30000,
    ).catch((err) => {
      throw new Error(`${err.message}; output: ${JSON.stringify(promptlsOutput().slice(0, 400))}`);
    });
    await sleep(2000);
    if ((await item().count()) > 0) {
      throw new Error(`a status bar item: ${JSON.stringify(await item().allInnerTexts())}`);
    }
    if (ours().length > 0) {
      throw new Error('a promptls serve process runs');
    }
    await shot('dormant');
  });

  await check('dormant: a versioned prompt file wakes it up', async () => {
    // A new folder with the file in it: the watcher may report only the folder.
    fs.mkdirSync(path.join(ws, 'prompts'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'prompts', 'greeting_v1.md'), 'Hello {{name}}.\n');
    await waitFor('a promptls serve process from the extension', async () => ours().length > 0, 30000);
    await statusBarShowsVersion(page);
    if (!/prompts(\/greeting_v1\.md)? is in the workspace|versioned prompt files such as prompts\/greeting_v1\.md/.test(promptlsOutput())) {
      throw new Error(`the log does not say why it started: ${JSON.stringify(promptlsOutput().slice(-600))}`);
    }
  });
}

async function main() {
  const installedDir = installExtension();
  const env = environmentWithoutPromptls();
  if (mode === 'restricted') {
    await restrictedChecks(installedDir, env);
  } else if (mode === 'dormant') {
    await dormantChecks(installedDir, env);
  } else {
    await bundledChecks(installedDir, env);
  }
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
  console.log(`[e2e] screenshots and ${path.basename(codeServerLog)} in ${outDir}`);
}
process.exit(exitCode);
