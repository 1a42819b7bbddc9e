// Lists the prompts and a prompt's versions from the API.
'use strict';
const enc = (id) => encodeURIComponent(id);
async function api(path, options) {
  const r = await fetch(path, options);
  const body = await r.json();
  if (!r.ok) throw new Error(`${body.error}: ${body.message}`);
  return body;
}
async function showPrompts() {
  const list = document.getElementById('prompts');
  list.replaceChildren();
  for (const p of await api('/prompts')) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#${enc(p.prompt_id)}`;
    a.textContent = p.prompt_id;
    li.append(a);
    list.append(li);
  }
}
async function showPrompt(id) {
  const section = document.getElementById('prompt');
  const versions = await api(`/prompts/${enc(id)}/versions`);
  const table = document.createElement('table');
  for (const v of versions) {
    const tr = document.createElement('tr');
    for (const cell of [v.version ?? 'unversioned', v.title, v.created_at ?? '']) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.append(td);
    }
    table.append(tr);
  }
  const h = document.createElement('h2');
  h.textContent = id;
  section.replaceChildren(h, table);
}
window.addEventListener('hashchange', () => showPrompt(decodeURIComponent(location.hash.slice(1))));
showPrompts().then(() => location.hash && showPrompt(decodeURIComponent(location.hash.slice(1))));
