// Where the extension takes the server from (src/serverBinary.ts): the order setting, bundled,
// PATH, ~/.cargo/bin; the bundled binary only for this platform and only when it answers
// `promptls --version`; the Workspace Trust rule. Fake servers are shell scripts.
//
//   npm test
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadTs, packageJson } from './helpers/load-ts.mjs';

const sb = await loadTs('serverBinary.ts');
const posix = process.platform !== 'win32';

/** A temporary layout: an extension folder, a PATH folder, a cargo home, a home. */
function layout() {
  const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'promptls-bin-'));
  const dirs = {
    root,
    ext: path.join(root, 'ext'),
    server: path.join(root, 'ext', 'server'),
    pathDir: path.join(root, 'path-bin'),
    cargoHome: path.join(root, 'cargo'),
    home: path.join(root, 'home'),
    other: path.join(root, 'other'),
  };
  for (const d of [dirs.server, dirs.pathDir, path.join(dirs.cargoHome, 'bin'), dirs.home, dirs.other]) {
    fs.mkdirSync(d, { recursive: true });
  }
  return dirs;
}

function script(file, body, mode = 0o755) {
  // The search runs with a PATH of the test's folders only: the script brings its own.
  fs.writeFileSync(file, `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`);
  fs.chmodSync(file, mode);
  return file;
}

const answers = (version) => `echo "promptls ${version}"`;

/** A bundled fake server, with a target.json for `target` (none when null). */
function bundle(dirs, body, target = 'linux-x64') {
  script(path.join(dirs.server, 'promptls'), body);
  if (target !== null) {
    fs.writeFileSync(path.join(dirs.server, 'target.json'), JSON.stringify({ target }));
  }
}

/** findServerBinary as on linux-x64, with only the layout's folders to look in. */
function search(dirs, extra = {}) {
  return sb.findServerBinary({
    extensionPath: dirs.ext,
    env: { PATH: dirs.pathDir, CARGO_HOME: dirs.cargoHome },
    homedir: dirs.home,
    platform: 'linux',
    arch: 'x64',
    probeTimeoutMs: 3000,
    ...extra,
  });
}

describe('the search order', { skip: !posix && 'fake servers are shell scripts' }, () => {
  let dirs;
  before(() => {
    dirs = layout();
    script(path.join(dirs.other, 'my-promptls'), answers('9.9.9'));
    bundle(dirs, answers('0.1.0'));
    script(path.join(dirs.pathDir, 'promptls'), answers('0.0.2'));
    script(path.join(dirs.cargoHome, 'bin', 'promptls'), answers('0.0.3'));
  });
  after(() => fs.rmSync(dirs.root, { recursive: true, force: true }));

  test('the setting comes first', async () => {
    const r = await search(dirs, { configuredPath: path.join(dirs.other, 'my-promptls') });
    assert.equal(r.found?.source, 'setting');
    assert.equal(r.found?.path, path.join(dirs.other, 'my-promptls'));
  });

  test('the setting expands ${workspaceFolder} and ~', async () => {
    let r = await search(dirs, { configuredPath: '${workspaceFolder}/my-promptls', workspaceFolder: dirs.other });
    assert.equal(r.found?.path, path.join(dirs.other, 'my-promptls'));
    fs.mkdirSync(path.join(dirs.home, 'bin'), { recursive: true });
    script(path.join(dirs.home, 'bin', 'p'), answers('1.0.0'));
    r = await search(dirs, { configuredPath: '~/bin/p' });
    assert.equal(r.found?.path, path.join(dirs.home, 'bin', 'p'));
  });

  test('a setting that names no executable is an error, not a fallback', async () => {
    const r = await search(dirs, { configuredPath: path.join(dirs.other, 'nothing-here') });
    assert.equal(r.found, undefined);
    assert.match(r.settingError ?? '', /nothing-here.*not an executable file/);
  });

  test('then the bundled binary, with its version', async () => {
    const r = await search(dirs);
    assert.deepEqual(r.found, { path: path.join(dirs.server, 'promptls'), source: 'bundled', version: '0.1.0' });
    assert.match(r.tried[0], /setting promptls\.server\.path: not set/);
  });

  test('then PATH, then ~/.cargo/bin, then nothing', async () => {
    fs.rmSync(path.join(dirs.server, 'promptls'));
    let r = await search(dirs);
    assert.equal(r.found?.source, 'path');
    assert.equal(r.found?.version, '0.0.2');
    assert.match(r.tried.join('\n'), /bundled .*: none/);

    r = await search(dirs, { env: { PATH: dirs.other, CARGO_HOME: dirs.cargoHome } });
    assert.equal(r.found?.source, 'cargo');
    assert.equal(r.found?.path, path.join(dirs.cargoHome, 'bin', 'promptls'));

    // Without CARGO_HOME: ~/.cargo/bin.
    fs.mkdirSync(path.join(dirs.home, '.cargo', 'bin'), { recursive: true });
    script(path.join(dirs.home, '.cargo', 'bin', 'promptls'), answers('0.0.4'));
    r = await search(dirs, { env: { PATH: dirs.other } });
    assert.equal(r.found?.path, path.join(dirs.home, '.cargo', 'bin', 'promptls'));

    r = await search(dirs, { env: { PATH: dirs.other, CARGO_HOME: dirs.other }, homedir: dirs.other });
    assert.equal(r.found, undefined);
    assert.equal(r.settingError, undefined);
    assert.equal(r.tried.length, 4, r.tried.join('\n'));
  });
});

describe('the bundled binary must be for this platform', { skip: !posix && 'fake servers are shell scripts' }, () => {
  test('targetMatches', () => {
    assert.equal(sb.targetMatches('linux-x64', 'linux', 'x64'), true);
    assert.equal(sb.targetMatches('alpine-x64', 'linux', 'x64'), true);
    assert.equal(sb.targetMatches('linux-armhf', 'linux', 'arm'), true);
    assert.equal(sb.targetMatches('linux-arm64', 'linux', 'arm64'), true);
    assert.equal(sb.targetMatches('darwin-arm64', 'darwin', 'arm64'), true);
    assert.equal(sb.targetMatches('win32-x64', 'win32', 'x64'), true);
    assert.equal(sb.targetMatches('linux-x64', 'linux', 'arm64'), false);
    assert.equal(sb.targetMatches('darwin-arm64', 'linux', 'x64'), false);
    assert.equal(sb.targetMatches('win32-x64', 'linux', 'x64'), false);
    assert.equal(sb.targetMatches('universal', 'linux', 'x64'), false);
    assert.equal(sb.targetMatches('', 'linux', 'x64'), false);
  });

  test('a binary for another platform is passed over for PATH, and the log says why', async () => {
    const dirs = layout();
    try {
      bundle(dirs, answers('0.1.0'), 'darwin-arm64');
      script(path.join(dirs.pathDir, 'promptls'), answers('0.0.2'));
      const r = await search(dirs);
      assert.equal(r.found?.source, 'path');
      assert.match(r.tried.join('\n'), /it is for darwin-arm64 and this is linux-x64/);
      // The same package on the platform it was built for takes it.
      const mac = await search(dirs, { platform: 'darwin', arch: 'arm64' });
      assert.equal(mac.found?.source, 'bundled');
    } finally {
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });

  test('a binary without target.json is not used', async () => {
    const dirs = layout();
    try {
      bundle(dirs, answers('0.1.0'), null);
      const r = await search(dirs);
      assert.equal(r.found, undefined);
      assert.match(r.tried.join('\n'), /no target\.json/);
      fs.writeFileSync(path.join(dirs.server, 'target.json'), '{"platform": "linux-x64"}');
      const r2 = await search(dirs);
      assert.equal(r2.found, undefined);
      assert.match(r2.tried.join('\n'), /does not say which platform/);
    } finally {
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });

  test('a bundled binary unpacked without its exec bit is made executable', async () => {
    const dirs = layout();
    try {
      bundle(dirs, answers('0.1.0'));
      fs.chmodSync(path.join(dirs.server, 'promptls'), 0o644);
      const r = await search(dirs);
      assert.equal(r.found?.source, 'bundled');
    } finally {
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });
});

describe('the bundled binary must answer --version', { skip: !posix && 'fake servers are shell scripts' }, () => {
  async function withBundled(body, check) {
    const dirs = layout();
    try {
      bundle(dirs, body);
      script(path.join(dirs.pathDir, 'promptls'), answers('0.0.2'));
      await check(dirs);
    } finally {
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  }

  test('a binary that prints something else is passed over for PATH', () =>
    withBundled('echo "rustc 1.80.0"', async (dirs) => {
      const r = await search(dirs);
      assert.equal(r.found?.source, 'path');
      assert.match(r.tried.join('\n'), /printed "rustc 1\.80\.0", not "promptls <version>"/);
    }));

  test('a binary that fails is passed over', () =>
    withBundled('echo "promptls 0.1.0"; echo "broken" >&2; exit 3', async (dirs) => {
      const r = await search(dirs);
      assert.equal(r.found?.source, 'path');
      assert.match(r.tried.join('\n'), /exited with 3: broken/);
    }));

  test('a binary that hangs is given up after the timeout, child processes too', () =>
    withBundled('sleep 30; echo "promptls 0.1.0"', async (dirs) => {
      const t0 = Date.now();
      const r = await search(dirs, { probeTimeoutMs: 400 });
      const took = Date.now() - t0;
      assert.equal(r.found?.source, 'path');
      assert.match(r.tried.join('\n'), /did not answer within 400 ms/);
      assert.ok(took < 3000, `took ${took} ms`);
    }));

  test('probeVersion reads the version', async () => {
    const dirs = layout();
    try {
      const file = script(path.join(dirs.other, 'p'), 'echo "promptls 1.2.3-rc.1"');
      assert.deepEqual(await sb.probeVersion(file, 3000), { ok: true, version: '1.2.3-rc.1' });
      const missing = await sb.probeVersion(path.join(dirs.other, 'missing'), 3000);
      assert.equal(missing.ok, false);
      assert.match(missing.reason, /cannot run it/);
    } finally {
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });
});

describe('Workspace Trust', () => {
  const config = (values) => ({ get: (key) => values[key] });

  test('in a trusted workspace the settings apply', () => {
    const s = sb.launchSettings(config({ path: '/opt/promptls', extraArgs: ['--x'] }), true);
    assert.deepEqual(s, { path: '/opt/promptls', extraArgs: ['--x'], ignored: [] });
  });

  test('in an untrusted workspace path and extraArgs are ignored', () => {
    const s = sb.launchSettings(config({ path: './evil.sh', extraArgs: ['--x'] }), false);
    assert.deepEqual(s, { path: undefined, extraArgs: [], ignored: ['promptls.server.path', 'promptls.server.extraArgs'] });
    assert.deepEqual(sb.launchSettings(config({ path: null, extraArgs: [] }), false).ignored, []);
    assert.deepEqual(sb.launchSettings(config({ path: '  ' }), true).path, undefined);
  });

  test('in an untrusted workspace the bundled server runs, not the configured program', { skip: !posix }, async () => {
    const dirs = layout();
    try {
      bundle(dirs, answers('0.1.0'));
      const evil = script(path.join(dirs.other, 'evil'), answers('6.6.6'));
      const cfg = config({ path: evil, extraArgs: [] });
      const untrusted = sb.launchSettings(cfg, false);
      let r = await search(dirs, { configuredPath: untrusted.path, configuredNote: 'ignored in Restricted Mode' });
      assert.equal(r.found?.source, 'bundled');
      assert.match(r.tried[0], /ignored in Restricted Mode/);
      r = await search(dirs, { configuredPath: sb.launchSettings(cfg, true).path });
      assert.equal(r.found?.path, evil);
    } finally {
      fs.rmSync(dirs.root, { recursive: true, force: true });
    }
  });

  test('package.json restricts exactly those settings', () => {
    const pkg = packageJson();
    const trust = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.deepEqual(trust?.restrictedConfigurations, [...sb.RESTRICTED_SETTINGS]);
    const declared = pkg.contributes.configuration.properties;
    for (const key of sb.RESTRICTED_SETTINGS) {
      assert.ok(declared[key], `${key} is not a declared setting`);
      assert.match(declared[key].scope, /^machine/, `${key} must not be a resource setting`);
    }
  });
});

test('expandPath', { skip: !posix && 'POSIX paths' }, () => {
  const ctx = { workspaceFolder: '/ws', homedir: '/home/u', env: { TOOLS: '/opt/tools' } };
  assert.equal(sb.expandPath('~/bin/promptls', ctx), '/home/u/bin/promptls');
  assert.equal(sb.expandPath('${userHome}/p', ctx), '/home/u/p');
  assert.equal(sb.expandPath('${workspaceFolder}/target/debug/promptls', ctx), '/ws/target/debug/promptls');
  assert.equal(sb.expandPath('${env:TOOLS}/promptls', ctx), '/opt/tools/promptls');
  assert.equal(sb.expandPath('target/debug/promptls', ctx), '/ws/target/debug/promptls');
  assert.equal(sb.expandPath('promptls', ctx), 'promptls');
});
