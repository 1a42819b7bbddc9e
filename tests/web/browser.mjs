// The web page in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core, against the real `promptls api` serving a copy of examples/.
//
//   bash tests/web/run.sh     (installs playwright-core into target/web-node/, then runs this)
//
// playwright-core comes from target/web-node/ (tests/web/package-lock.json installed there,
// outside the crate's packaged files), else from tests/web/node_modules.
//
// Environment:
//   PROMPTLS_BIN      the binary (default: target/debug/promptls)
//   CHROMIUM          the browser (default: /usr/bin/chromium)
//   WEB_OUT           screenshots and the server's log (default: target/web)
//   WEB_UPDATE_DOCS=1 also copy the documentation's screenshots to docs/images/
//   WEB_KEEP=1        keep the temporary workspace
// Prints one PASS/FAIL line per check and `web: N passed, M failed` last; exits non-zero
// when a check failed. The server is stopped on every way out.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const bin = path.resolve(repo, process.env.PROMPTLS_BIN ?? 'target/debug/promptls');
const { chromium } = loadPlaywright();
const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const out = path.resolve(repo, process.env.WEB_OUT ?? 'target/web');
const BUDGET_MS = 110_000;
const started = Date.now();

function loadPlaywright() {
  for (const dir of [path.join(repo, 'target', 'web-node'), here]) {
    try {
      return createRequire(path.join(dir, 'package.json'))('playwright-core');
    } catch {
      // not installed there
    }
  }
  console.log('[web] FAIL playwright-core is not installed (bash tests/web/run.sh installs it)');
  console.log('web: 0 passed, 1 failed');
  process.exit(1);
}

const results = [];
function record(name, ok, reason = '') {
  results.push({ name, ok });
  console.log(ok ? `[web] PASS ${name}` : `[web] FAIL ${name}: ${String(reason).split('\n')[0]}`);
}
async function check(name, fn) {
  try {
    await fn();
    record(name, true);
    return true;
  } catch (e) {
    record(name, false, e && e.message ? e.message : e);
    return false;
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// --- the server -------------------------------------------------------------------------------

let server = null;
let browser = null;
let tmp = null;
function stopServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    const s = server;
    setTimeout(() => s.exitCode === null && s.signalCode === null && s.kill('SIGKILL'), 2000).unref();
  }
}
function cleanup() {
  stopServer();
  if (tmp && process.env.WEB_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.log(`[web] ${sig}: stopping`);
    cleanup();
    process.exit(1);
  });
}
process.on('uncaughtException', (e) => {
  console.log(`[web] FAIL unexpected error: ${e.stack || e}`);
  cleanup();
  process.exit(1);
});
setTimeout(async () => {
  record('whole test within its time budget', false, `still running after ${BUDGET_MS / 1000} s`);
  summary();
  if (browser) await browser.close().catch(() => {});
  cleanup();
  process.exit(1);
}, BUDGET_MS).unref();

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, ms = 10000, every = 200) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (/exited/.test(e.message)) throw e;
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`[web] screenshots in ${path.relative(repo, out)}/ (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`web: ${passed} passed, ${failed} failed`);
  return failed;
}

// --- the test ---------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(out, { recursive: true });
  for (const f of fs.readdirSync(out)) if (f.endsWith('.png')) fs.rmSync(path.join(out, f));
  if (!fs.existsSync(bin)) throw new Error(`no promptls binary at ${bin} (cargo build, or set PROMPTLS_BIN)`);
  if (!fs.existsSync(browserPath)) throw new Error(`no browser at ${browserPath} (set CHROMIUM)`);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'promptls-web-'));
  const ws = path.join(tmp, 'ws');
  fs.cpSync(path.join(repo, 'examples'), ws, { recursive: true });
  fs.mkdirSync(path.join(ws, '.git'));
  const prompts = path.join(ws, 'prompts');
  const listing = () => new Set(fs.readdirSync(prompts));
  const newFiles = (before) => [...listing()].filter((f) => !before.has(f));

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(out, 'server.log'), 'w');
  server = spawn(bin, ['api', ws, '--bind', `127.0.0.1:${port}`], { stdio: ['ignore', log, log] });
  server.on('exit', (code, signal) => {
    if (!stopping) console.log(`[web] the server exited early (code ${code}, signal ${signal})`);
  });
  const up = await check('the server answers /healthz', () =>
    waitFor(
      '/healthz',
      async () => {
        if (server.exitCode !== null || server.signalCode !== null) throw new Error('the server exited (see target/web/server.log)');
        return (await fetch(`${base}/healthz`)).ok;
      },
      20000,
    ),
  );
  if (!up) return;

  browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
  // (the 422 the error check provokes is logged by the browser too: expected)
  page.on('console', (m) => m.type() === 'error' && !/status of 422/.test(m.text()) && pageErrors.push(`console: ${m.text()}`));
  const shot = async (name) => page.screenshot({ path: path.join(out, `${name}.png`) });
  const status = page.locator('#status');
  const rows = page.locator('#versions tbody tr');

  await check('the page lists the prompts', async () => {
    await page.goto(base, { waitUntil: 'domcontentloaded' });
    const links = page.locator('#prompts a');
    await waitFor('the prompt list', async () => (await links.count()) >= 10);
    const ids = await page.locator('#prompts .prompt-id').allTextContents();
    for (const id of ['prompts/task', 'prompts/steps', 'agents/planner']) assert(ids.includes(id), `no ${id} in ${ids}`);
  });

  await check('the filter narrows the list', async () => {
    await page.getByLabel('Filter prompts').fill('TASK');
    const ids = await page.locator('#prompts .prompt-id').allTextContents();
    assert(ids.length === 1 && ids[0] === 'prompts/task', `filtered to ${ids}`);
    await page.getByLabel('Filter prompts').fill('no such prompt');
    await page.locator('#prompts-empty').waitFor({ state: 'visible' });
    await page.getByLabel('Filter prompts').fill('');
  });

  await check('keyboard: Tab to the filter and to a prompt, Enter opens it, focus is visible', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' }); // focus starts at the document
    await waitFor('the prompt list', async () => (await page.locator('#prompts a').count()) >= 10);
    const active = () => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim()));
    await page.keyboard.press('Tab');
    assert((await active()) === 'Skip to the prompt', `the first Tab reaches ${await active()}`);
    await page.keyboard.press('Tab');
    assert((await active()) === 'filter', `Tab twice reaches ${await active()}`);
    await page.keyboard.type('prompts/task');
    await page.keyboard.press('Tab');
    assert(/^prompts\/task/.test(await active()), `Tab after the filter reaches ${await active()}`);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(outline !== 'none', 'the focused link shows no outline');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'prompts/task' }).waitFor();
    await waitFor('focus on the heading', async () => (await active()) === 'prompt-heading');
    await page.getByLabel('Filter prompts').fill('');
  });

  await check("opening prompts/task shows its versions", async () => {
    await page.getByRole('link', { name: /^prompts\/task\b/ }).click();
    await page.getByRole('heading', { level: 2, name: 'prompts/task' }).waitFor();
    await waitFor('4 versions', async () => (await rows.count()) === 4);
    const text = await page.locator('#versions tbody').innerText();
    for (const s of ['task_v1.md', 'task_v2.md', 'task_ru_v1.md', 'task_de_v2.md', 'lang: ru', 'v2.0.0', 'v1.0.0']) {
      assert(text.includes(s), `the table lacks ${s}`);
    }
    const latest = rows.filter({ hasText: 'task_v2.md' }).locator('.badge');
    assert((await latest.innerText()) === 'latest', 'task_v2.md has no latest badge');
    assert((await rows.filter({ hasText: 'task_v1.md' }).locator('.badge').count()) === 0, 'task_v1.md is marked latest');
    await page.getByRole('button', { name: 'View v1.0.0 (lang: en)' }).click();
    await waitFor('the content', async () => (await page.locator('#content-text').innerText()).includes('Write a short answer for {{audience}}.'));
    await shot('versions');
  });

  await check('diff of v1.0.0 and v2.0.0 shows {{tone}} added', async () => {
    await page.getByLabel('Older version').selectOption('prompts/task_v1.md');
    await page.getByLabel('Newer version').selectOption('prompts/task_v2.md');
    await page.getByRole('button', { name: 'Compare' }).focus();
    await page.keyboard.press('Enter'); // keyboard, not a click
    await page.locator('#diff').waitFor({ state: 'visible' });
    const added = await page.locator('#diff-vars mark.var-added').allTextContents();
    assert(added.length === 1 && added[0] === '{{tone}}', `variables added: ${added}`);
    const inLines = await page.locator('#diff-table mark.var-added').allTextContents();
    assert(inLines.includes('{{tone}}'), `the diff lines mark ${inLines}`);
    const removedCells = await page.locator('#diff-table td.code.removed').count();
    const addedCells = await page.locator('#diff-table td.code.added').count();
    assert(removedCells === 3 && addedCells === 5, `${removedCells} removed and ${addedCells} added lines`);
    // side by side: the removed line and the line that replaced it are on one row
    const row = page.locator('#diff-table tr', { hasText: 'Write a short answer for {{audience}}.' });
    assert((await row.locator('td.code.added').innerText()).includes('in a {{tone}} tone'), 'the changed line is not beside its old one');
    await page.evaluate(() => {
      document.getElementById('diff-heading').scrollIntoView();
      window.scrollBy(0, -16);
    });
    await shot('diff');
  });

  const content =
    '---\ntitle: "Task brief, with a word limit"\ndescription: "Asks for a word limit."\n---\n' +
    '# Task for {{product}}\n\nWrite a short answer for {{audience}} in a {{tone}} tone,\n' +
    'in at most {{max_words}} words.\nFollow the [steps](steps.md) and start with the [greeting](support/greeting_v1.md).\n\n' +
    '{# ref: support/faq.md #}\n';
  await check('the form saves a new version with the recommended bump', async () => {
    const title = page.getByLabel('Title');
    await waitFor('the form prefilled from v2.0.0', async () => (await title.inputValue()) === 'Task brief');
    assert((await page.getByLabel(/^Description/).inputValue()) === 'Adds a tone variable and the shared greeting.', 'description not prefilled');
    const prefilled = await page.getByLabel('Content').inputValue();
    assert(prefilled === fs.readFileSync(path.join(prompts, 'task_v2.md'), 'utf8'), 'content not prefilled from task_v2.md');
    assert((await page.getByLabel('Variant').inputValue()).includes('"en"'), 'the form is not on the default variant');
    const before = listing();
    await title.fill('Task brief, with a word limit');
    await page.getByLabel(/^Description/).fill('Asks for a word limit.');
    await page.getByLabel('Content').fill(content);
    // Before saving, the page shows what saving would write (the server's dry run).
    let preview = '';
    await waitFor('the preview of the recommended bump', async () => {
      preview = await page.locator('#edit-preview').innerText();
      return /v2\.1\.0 as task_v2\.1\.md — minor: adds \{\{max_words\}\}/.test(preview);
    }).catch((e) => {
      throw new Error(`${e.message}; preview: ${JSON.stringify(preview)}`);
    });
    assert(newFiles(before).length === 0, 'the preview wrote a file');
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await page.locator('#edit-result').waitFor({ state: 'visible' });
    const said = await page.locator('#edit-result').innerText();
    assert(/minor: adds \{\{max_words\}\}/.test(said), `the result says ${JSON.stringify(said)}`);
    const made = await waitFor('the new file', async () => {
      const n = newFiles(before);
      return n.length ? n : null;
    });
    assert(made.length === 1 && /^task_v2\.1(\.0)?\.md$/.test(made[0]), `new files: ${made}`);
    const bytes = fs.readFileSync(path.join(prompts, made[0]), 'utf8');
    assert(bytes === content, `the file holds ${JSON.stringify(bytes)}`);
    console.log(`[web] created ${made[0]}: ${said}`);
    await waitFor('v2.1.0 in the table', async () => (await rows.filter({ hasText: made[0] }).locator('.badge').count()) === 1);
    assert((await page.getByLabel('Title').inputValue()) === 'Task brief, with a word limit', 'the form is not refilled from the new version');
    await page.evaluate(() => document.getElementById('edit-result').scrollIntoView({ block: 'end' }));
    await shot('new-version');
  });

  await check('an API error is shown in the status line', async () => {
    const before = listing();
    await page.getByLabel('Version bump').selectOption('prerelease');
    await page.getByLabel(/^Prerelease label/).fill('not a label!');
    await page.getByRole('button', { name: 'Save as new version' }).click();
    await waitFor('the error', async () => (await status.getAttribute('data-kind')) === 'error');
    const said = await status.innerText();
    assert(/422: .*not a prerelease label/.test(said), `the status says ${JSON.stringify(said)}`);
    assert((await status.getAttribute('role')) === 'status' && (await status.getAttribute('aria-live')) === 'polite', 'the status line is not live');
    assert(newFiles(before).length === 0, 'a file was written');
    await page.getByLabel('Version bump').selectOption('');
  });

  await check('revert to v1.0.0 writes a new file with its bytes', async () => {
    const before = listing();
    const v1 = fs.readFileSync(path.join(repo, 'examples', 'prompts', 'task_v1.md'));
    await page.getByRole('button', { name: 'Revert to v1.0.0 (lang: en)' }).click();
    await waitFor('the status', async () => (await status.innerText()).startsWith('Reverted to v1.0.0'));
    const made = newFiles(before);
    assert(made.length === 1, `new files: ${made}`);
    assert(Buffer.compare(fs.readFileSync(path.join(prompts, made[0])), v1) === 0, `${made[0]} differs from task_v1.md`);
    console.log(`[web] reverted: ${made[0]} (${await status.innerText()})`);
    await waitFor(`${made[0]} shown as latest`, async () => (await rows.filter({ hasText: made[0] }).locator('.badge').count()) === 1);
    await waitFor('its content shown', async () => (await page.locator('#content-heading').innerText()).includes(made[0]));
  });

  await check('a file created on disk shows up by itself', async () => {
    const text = '---\ntitle: Task brief\ndescription: Written by another program.\n---\n# Task for {{product}}\n';
    fs.writeFileSync(path.join(prompts, 'task_v3.md'), text);
    await waitFor('task_v3.md in the table', async () => (await rows.filter({ hasText: 'task_v3.md' }).count()) === 1, 12000, 250);
    await waitFor('the latest badge on v3.0.0', async () => (await rows.filter({ hasText: 'task_v3.md' }).locator('.badge').count()) === 1);
    await waitFor('the status', async () => /new on disk: task_v3\.md/.test(await status.innerText()));
    // the form was not edited: it follows the newest version
    await waitFor('the form refilled', async () => (await page.getByLabel(/^Description/).inputValue()) === 'Written by another program.');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('external-change');
  });

  await check('every control has a label, the text names no internal rule', async () => {
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
        .map((c) => c.id || c.outerHTML.slice(0, 60)),
    );
    assert(unlabeled.length === 0, `unlabeled: ${unlabeled}`);
    const text = await page.locator('body').innerText();
    const ids = text.match(/\b[A-Z]{1,2}-\d+\b/g);
    assert(!ids, `rule ids in the page: ${ids}`);
  });

  await check('no script errors in the page', async () => {
    assert(pageErrors.length === 0, pageErrors.join('; '));
  });

  await browser.close();
  browser = null;

  if (process.env.WEB_UPDATE_DOCS === '1') {
    const docs = path.join(repo, 'docs', 'images');
    fs.mkdirSync(docs, { recursive: true });
    for (const name of ['versions', 'diff', 'new-version']) {
      fs.copyFileSync(path.join(out, `${name}.png`), path.join(docs, `web-${name}.png`));
    }
    console.log('[web] copied the screenshots to docs/images/');
  }
}

let stopping = false;
let failed = 1;
try {
  await main();
  failed = summary();
} catch (e) {
  record('web test setup', false, e && e.message ? e.message : e);
  failed = summary();
} finally {
  stopping = true;
  if (browser) await browser.close().catch(() => {});
  cleanup();
}
process.exit(failed ? 1 : 0);
