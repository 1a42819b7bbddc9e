// The Prompt versions page: lists the prompts, a prompt's versions, a version's content, a
// side-by-side diff of two versions, a form that saves an edit as a new version, and a
// revert per older version. It talks to the API only, and polls the open prompt's versions
// while the page is visible, so files changed on disk show up by themselves.
'use strict';

const POLL_MS = 2500;
const $ = (id) => document.getElementById(id);
const enc = (s) => encodeURIComponent(s);

const state = {
  prompts: [],
  promptsKey: '',
  id: null, // the open prompt
  versions: [],
  versionsKey: '',
  defaultVariant: null, // classifiers of the variant a create without classifiers targets
  shown: null, // id of the version whose content is shown
  formDirty: false,
  formSource: null, // id of the version the form was filled from
  busy: 0,
  ticks: 0,
};

// --- API ------------------------------------------------------------------------------------

class ApiFailure extends Error {}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' }, ...options });
  } catch (e) {
    throw new ApiFailure(`The server cannot be reached (${e.message}).`);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below when the status is an error
  }
  if (!response.ok) {
    let message = body && body.message ? body.message : text || response.statusText;
    if (body && Array.isArray(body.available) && body.available.length) {
      message += ` (available: ${body.available.join(', ')})`;
    }
    throw new ApiFailure(`${response.status}: ${message}`);
  }
  return body;
}

const promptPath = (id) => `/prompts/${enc(id)}`;

function query(classifiers) {
  const q = new URLSearchParams(classifiers || {}).toString();
  return q ? `?${q}` : '';
}

// --- status line ------------------------------------------------------------------------------

let statusTimer = null;
function status(message, kind = 'info') {
  const el = $('status');
  if (el.textContent === message && el.dataset.kind === kind) return; // not announced again
  el.textContent = message;
  el.dataset.kind = kind;
  clearTimeout(statusTimer);
  if (kind !== 'error') {
    statusTimer = setTimeout(() => {
      if (el.textContent === message) el.textContent = '';
    }, 15000);
  }
}
const fail = (e) => status(e instanceof Error ? e.message : String(e), 'error');

// --- helpers --------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const variantKey = (c) => JSON.stringify(Object.entries(c || {}).sort());
function variantLabel(c) {
  const entries = Object.entries(c || {});
  return entries.length ? entries.map(([k, v]) => `${k}: ${v}`).join(', ') : 'default';
}
const fileName = (v) => v.id.split('/').pop();
const versionLabel = (v) => v.version || 'unversioned';

function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

// Variables in a line of a prompt: {{ name }}, {{ name | filter }}, {{#each name}}.
const VARIABLE = /\{\{\s*[#/^>]?\s*(?:each\s+|if\s+|unless\s+|with\s+)?([A-Za-z_][\w.]*)[^}]*\}\}/g;

// A line's text, with the variables in `names` marked (class `cls`).
function markVariables(text, names, cls, what) {
  const frag = document.createDocumentFragment();
  if (!names.size) {
    frag.append(text);
    return frag;
  }
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    if (!names.has(m[1])) continue;
    frag.append(text.slice(last, m.index));
    frag.append(el('mark', { class: cls, title: `${what} variable ${m[1]}` }, m[0]));
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}

// --- prompts ----------------------------------------------------------------------------------

async function loadPrompts() {
  const prompts = await api('/prompts');
  const key = JSON.stringify(prompts);
  if (key === state.promptsKey) return;
  state.prompts = prompts;
  state.promptsKey = key;
  renderPrompts();
}

// A prompt id that may wrap after each `/` (and nowhere else).
const breakable = (id) => id.split('/').flatMap((part, i) => (i ? [el('wbr'), `/${part}`] : [part]));

function renderPrompts() {
  const filter = $('filter').value.trim().toLowerCase();
  const list = $('prompts');
  const items = state.prompts
    .filter((p) => !filter || p.prompt_id.toLowerCase().includes(filter))
    .map((p) => {
      const variants = p.variants.map((c) => Object.values(c).join('/')).join(', ');
      const meta = [p.latest || 'unversioned', `${p.files} file${p.files === 1 ? '' : 's'}`, variants]
        .filter(Boolean)
        .join(' · ');
      return el(
        'li',
        {},
        el(
          'a',
          { href: `#prompt=${enc(p.prompt_id)}`, 'aria-current': p.prompt_id === state.id ? 'page' : null },
          el('span', { class: 'prompt-id' }, ...breakable(p.prompt_id)),
          el('span', { class: 'prompt-meta', text: meta }),
        ),
      );
    });
  list.replaceChildren(...items);
  $('prompts-empty').hidden = items.length > 0;
}

// --- a prompt ---------------------------------------------------------------------------------

async function openPrompt(id) {
  state.id = id;
  state.versions = [];
  state.versionsKey = '';
  state.shown = null;
  state.formDirty = false;
  state.formSource = null;
  state.defaultVariant = null;
  $('welcome').hidden = true;
  $('prompt').hidden = false;
  $('prompt-heading').textContent = id;
  $('content').hidden = true;
  $('diff').hidden = true;
  $('edit-result').hidden = true;
  $('edit-variant').replaceChildren();
  renderPrompts();
  document.title = `${id} — Prompt versions`;
  try {
    await refreshVersions({ quiet: true });
    try {
      const latest = await api(`${promptPath(id)}/resolve?version=latest`);
      state.defaultVariant = latest.classifiers;
    } catch {
      // no release: the form falls back to the first variant
    }
    fillVariantSelect();
    if (state.defaultVariant) $('edit-variant').value = variantKey(state.defaultVariant);
    await fillForm();
    defaultDiff();
  } catch (e) {
    fail(e);
  }
  $('prompt-heading').focus();
}

// Fetches the versions; re-renders only when they changed. Returns the ids that appeared.
async function refreshVersions({ quiet = false } = {}) {
  const id = state.id;
  const versions = await api(`${promptPath(id)}/versions`);
  if (id !== state.id) return [];
  const key = JSON.stringify(versions);
  if (key === state.versionsKey) return [];
  const before = new Set(state.versions.map((v) => v.id));
  const had = state.versions.length > 0;
  state.versions = versions;
  state.versionsKey = key;
  renderVersions();
  fillDiffSelects();
  fillVariantSelect();
  const added = versions.filter((v) => !before.has(v.id)).map((v) => v.id);
  const removed = [...before].filter((x) => !versions.some((v) => v.id === x));
  if (!quiet && had && (added.length || removed.length)) {
    const parts = [];
    if (added.length) parts.push(`new on disk: ${added.map((x) => x.split('/').pop()).join(', ')}`);
    if (removed.length) parts.push(`gone: ${removed.map((x) => x.split('/').pop()).join(', ')}`);
    status(`Versions updated (${parts.join('; ')}).`);
  }
  if (state.shown && !versions.some((v) => v.id === state.shown)) {
    state.shown = null;
    $('content').hidden = true;
  }
  return added;
}

function renderVersions() {
  const rows = state.versions.map((v) => {
    const name = `${versionLabel(v)} (${variantLabel(v.classifiers)})`;
    const actions = el(
      'td',
      { class: 'actions' },
      el('button', {
        type: 'button',
        class: 'secondary',
        text: 'View',
        'aria-label': `View ${name}`,
        onclick: () => showVersion(v.id),
      }),
    );
    if (v.version && !v.latest) {
      actions.append(
        el('button', {
          type: 'button',
          class: 'secondary',
          text: 'Revert',
          'aria-label': `Revert to ${name}`,
          title: `Save the content of ${fileName(v)} as a new version`,
          onclick: (e) => revert(v, e.currentTarget),
        }),
      );
    }
    return el(
      'tr',
      { 'data-id': v.id, class: v.id === state.shown ? 'selected' : null },
      el('td', { class: 'nowrap', text: variantLabel(v.classifiers) }),
      el('th', { scope: 'row' }, el('span', { class: 'version', text: versionLabel(v) }), el('span', { class: 'file', text: fileName(v) })),
      el('td', { text: v.prerelease || '' }),
      el('td', { class: 'nowrap' }, v.created_at ? el('time', { datetime: v.created_at, text: formatTime(v.created_at) }) : ''),
      el('td', { text: v.title || '' }),
      el('td', {}, v.latest ? el('span', { class: 'badge', text: 'latest' }) : ''),
      actions,
    );
  });
  $('versions').tBodies[0].replaceChildren(...rows);
}

async function showVersion(versionId, { focus = true } = {}) {
  const v = state.versions.find((x) => x.id === versionId);
  try {
    const full = await api(`${promptPath(state.id)}/versions/${enc(versionId)}${query(v && v.classifiers)}`);
    state.shown = versionId;
    $('content-heading').textContent = `${versionLabel(full)} — ${fileName(full)}`;
    const meta = [variantLabel(full.classifiers), full.title, full.description].filter(Boolean).join(' · ');
    $('content-meta').textContent = meta;
    $('content-text').textContent = full.content ?? '';
    $('content').hidden = false;
    for (const tr of $('versions').tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.id === versionId);
    if (focus) $('content-heading').focus();
  } catch (e) {
    fail(e);
  }
}

// --- diff -------------------------------------------------------------------------------------

function versionOptions(select, selected) {
  const groups = new Map();
  for (const v of state.versions) {
    const key = variantKey(v.classifiers);
    if (!groups.has(key)) groups.set(key, el('optgroup', { label: variantLabel(v.classifiers) }));
    groups.get(key).append(
      el('option', { value: v.id, text: `${versionLabel(v)} — ${fileName(v)}`, selected: v.id === selected }),
    );
  }
  select.replaceChildren(...groups.values());
  if (selected && state.versions.some((v) => v.id === selected)) select.value = selected;
}

function fillDiffSelects() {
  versionOptions($('diff-from'), $('diff-from').value);
  versionOptions($('diff-to'), $('diff-to').value);
}

// The newest version of the default variant against the one before it.
function defaultDiff() {
  const key = variantKey(state.defaultVariant || (state.versions[0] || {}).classifiers);
  const same = state.versions.filter((v) => variantKey(v.classifiers) === key && v.version);
  if (same.length >= 2) {
    $('diff-from').value = same[1].id;
    $('diff-to').value = same[0].id;
  }
}

async function showDiff(fromId, toId) {
  try {
    const d = await api(`${promptPath(state.id)}/versions/${enc(fromId)}/diff/${enc(toId)}`);
    renderDiff(fromId, toId, d);
  } catch (e) {
    fail(e);
  }
}

function diffRows(hunks) {
  const rows = [];
  hunks.forEach((h, i) => {
    if (i > 0) rows.push({ gap: true });
    let o = h.oldStart ?? h.old_start;
    let n = h.newStart ?? h.new_start;
    let del = [];
    let ins = [];
    const flush = () => {
      for (let k = 0; k < Math.max(del.length, ins.length); k++) rows.push({ old: del[k], new: ins[k] });
      del = [];
      ins = [];
    };
    for (const line of h.lines) {
      const change = line.change;
      if (change === 'removed' || change === 'delete') del.push({ no: o++, text: line.text, kind: 'removed' });
      else if (change === 'added' || change === 'insert') ins.push({ no: n++, text: line.text, kind: 'added' });
      else {
        flush();
        rows.push({ old: { no: o++, text: line.text, kind: 'context' }, new: { no: n++, text: line.text, kind: 'context' } });
      }
    }
    flush();
  });
  return rows;
}

function renderDiff(fromId, toId, d) {
  const from = state.versions.find((v) => v.id === fromId);
  const to = state.versions.find((v) => v.id === toId);
  const label = (v, id) => (v ? `${versionLabel(v)} (${fileName(v)})` : id);
  $('diff-caption').textContent = `${label(from, fromId)} compared with ${label(to, toId)}`;
  $('diff-old-head').textContent = label(from, fromId);
  $('diff-new-head').textContent = label(to, toId);

  const vars = d.variables || { added: [], removed: [], kept: [] };
  const added = new Set(vars.added);
  const removed = new Set(vars.removed);
  const list = (names, cls) =>
    names.length ? names.flatMap((n, i) => [i ? ', ' : '', el('mark', { class: cls }, `{{${n}}}`)]) : ['none'];
  $('diff-vars').replaceChildren(
    el('span', { class: 'vars-group' }, el('strong', { text: 'Variables added: ' }), ...list(vars.added, 'var-added')),
    el('span', { class: 'vars-group' }, el('strong', { text: 'Removed: ' }), ...list(vars.removed, 'var-removed')),
    el('span', { class: 'vars-group' }, el('strong', { text: 'Kept: ' }), vars.kept.length ? vars.kept.join(', ') : 'none'),
  );

  const rows = diffRows(d.hunks || []);
  const side = (cell, names, cls, what) => {
    if (!cell) return [el('td', { class: 'num empty' }), el('td', { class: 'code empty' })];
    const sign = cell.kind === 'removed' ? 'Removed: ' : cell.kind === 'added' ? 'Added: ' : null;
    return [
      el('td', { class: `num ${cell.kind}`, text: String(cell.no) }),
      el(
        'td',
        { class: `code ${cell.kind}` },
        sign ? el('span', { class: 'sr-only', text: sign }) : null,
        cell.kind === 'context' ? cell.text : markVariables(cell.text, names, cls, what),
      ),
    ];
  };
  const body = rows.length
    ? rows.map((r) =>
        r.gap
          ? el('tr', { class: 'gap' }, el('td', { colspan: '4', text: '⋯' }))
          : el('tr', {}, ...side(r.old, removed, 'var-removed', 'removed'), ...side(r.new, added, 'var-added', 'added')),
      )
    : [el('tr', {}, el('td', { colspan: '4', class: 'muted', text: 'No differences.' }))];
  $('diff-table').tBodies[0].replaceChildren(...body);
  $('diff').hidden = false;
}

// --- the form ---------------------------------------------------------------------------------

function variants() {
  const seen = new Map();
  for (const v of state.versions) if (!seen.has(variantKey(v.classifiers))) seen.set(variantKey(v.classifiers), v.classifiers);
  return [...seen.values()];
}

function fillVariantSelect() {
  const select = $('edit-variant');
  const current = select.value || variantKey(state.defaultVariant || (state.versions[0] || {}).classifiers);
  const all = variants();
  select.replaceChildren(...all.map((c) => el('option', { value: variantKey(c), text: variantLabel(c) })));
  if (all.some((c) => variantKey(c) === current)) select.value = current;
  $('edit-variant-field').hidden = all.length < 2;
}

const formVariant = () => variants().find((c) => variantKey(c) === $('edit-variant').value) || state.defaultVariant || {};

// The newest version of the form's variant (the list is newest first).
const newestOfVariant = () =>
  state.versions.find((v) => variantKey(v.classifiers) === variantKey(formVariant()) && v.latest) ||
  state.versions.find((v) => variantKey(v.classifiers) === variantKey(formVariant()));

async function fillForm() {
  const newest = newestOfVariant();
  if (!newest) return;
  const full = await api(`${promptPath(state.id)}/versions/${enc(newest.id)}${query(newest.classifiers)}`);
  $('edit-title').value = full.title || '';
  $('edit-description').value = full.description || '';
  $('edit-content').value = full.content || '';
  $('edit-hint').textContent = `Prefilled from ${versionLabel(full)} (${fileName(full)}). Saving never changes an existing file: it writes a new one with the next version number. Title and description replace the ones in the content's front matter.`;
  state.formDirty = false;
  state.formSource = newest.id;
  schedulePreview();
}

// The body the form would send.
function formBody() {
  const body = {
    title: $('edit-title').value,
    content: $('edit-content').value,
    classifiers: formVariant(),
  };
  const description = $('edit-description').value.trim();
  if (description) body.description = $('edit-description').value;
  const bump = $('edit-bump').value;
  if (bump) body.bump = bump;
  if (bump === 'prerelease' && $('edit-label').value.trim()) body.label = $('edit-label').value.trim();
  return body;
}

// What saving now would write, asked of the server without writing (a dry run), shown
// under the bump choice as the user edits.
let previewTimer = null;
let previewSeq = 0;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 400);
}
async function preview() {
  if (!state.id || !$('edit-content').value) return;
  const seq = ++previewSeq;
  const out = $('edit-preview');
  try {
    const planned = await api(`${promptPath(state.id)}/versions?dry_run=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(formBody()),
    });
    if (seq !== previewSeq) return;
    out.replaceChildren(
      'Saving now writes ',
      el('strong', { text: planned.version }),
      ` as ${planned.id.split('/').pop()} — `,
      el('span', { class: 'reason', text: planned.reason }),
    );
  } catch (e) {
    if (seq !== previewSeq) return;
    out.textContent = `Cannot save as it is: ${e.message}`;
  }
}

async function save(event) {
  event.preventDefault();
  const button = $('edit-save');
  const body = formBody();
  const previous = newestOfVariant();
  button.disabled = true;
  state.busy++;
  status('Saving…');
  try {
    const created = await api(`${promptPath(state.id)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const message = `Saved ${versionLabel(created)} as ${fileName(created)}. Bump: ${created.reason}.`;
    const result = $('edit-result');
    result.replaceChildren(
      el('strong', { text: `Saved ${versionLabel(created)}` }),
      ` as ${created.id}. `,
      el('span', { class: 'reason', text: `Bump: ${created.reason}` }),
    );
    result.hidden = false;
    status(message, 'ok');
    await refreshVersions({ quiet: true });
    await fillForm();
    if (previous) {
      $('diff-from').value = previous.id;
      $('diff-to').value = created.id;
      await showDiff(previous.id, created.id);
    }
  } catch (e) {
    fail(e);
  } finally {
    state.busy--;
    button.disabled = false;
  }
}

async function revert(v, button) {
  button.disabled = true;
  state.busy++;
  status(`Reverting to ${versionLabel(v)}…`);
  try {
    const r = await api(`${promptPath(state.id)}/versions/${enc(v.id)}/revert${query(v.classifiers)}`, { method: 'POST' });
    const c = r.created;
    status(`Reverted to ${versionLabel(v)}: saved ${fileName(c)} as ${versionLabel(c)} (${c.reason}).`, 'ok');
    await refreshVersions({ quiet: true });
    if (!state.formDirty) await fillForm();
    await showVersion(c.id, { focus: false });
  } catch (e) {
    fail(e);
  } finally {
    state.busy--;
    if (button.isConnected) button.disabled = false;
  }
}

// --- polling ----------------------------------------------------------------------------------

let polling = false;
async function poll() {
  if (document.hidden || polling || state.busy) return;
  polling = true;
  try {
    state.ticks++;
    if (state.ticks % 4 === 0 || !state.id) await loadPrompts();
    if (state.id) {
      const source = state.formSource;
      await refreshVersions();
      const newest = newestOfVariant();
      if (!state.formDirty && newest && newest.id !== source) await fillForm();
    }
    if ($('status').dataset.kind === 'error' && $('status').textContent.startsWith('The server cannot')) status('Connected again.');
  } catch (e) {
    fail(e);
  } finally {
    polling = false;
  }
}

// --- wiring -----------------------------------------------------------------------------------

function route() {
  const m = /^#prompt=(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  if (id && id !== state.id) openPrompt(id);
}

$('filter').addEventListener('input', renderPrompts);
// The skip link moves focus without touching the address (which names the open prompt).
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  ($('prompt').hidden ? $('main') : $('prompt-heading')).focus();
});
$('diff-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const from = $('diff-from').value;
  const to = $('diff-to').value;
  if (!from || !to) return status('Choose two versions to compare.', 'error');
  showDiff(from, to);
});
$('edit-form').addEventListener('submit', save);
$('edit-form').addEventListener('input', (e) => {
  if (['edit-title', 'edit-description', 'edit-content'].includes(e.target.id)) state.formDirty = true;
  schedulePreview();
});
$('edit-form').addEventListener('change', schedulePreview);
$('edit-variant').addEventListener('change', () => {
  if (state.formDirty) {
    status('Your edits are kept; choose “Reset to newest” to load this variant’s newest version.');
    return;
  }
  fillForm().catch(fail);
});
$('edit-bump').addEventListener('change', () => {
  $('edit-label-field').hidden = $('edit-bump').value !== 'prerelease';
});
$('edit-reset').addEventListener('click', () => fillForm().then(() => status('The form holds the newest version again.')).catch(fail));
window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', () => !document.hidden && poll());

loadPrompts()
  .then(route)
  .catch(fail);
setInterval(poll, POLL_MS);
