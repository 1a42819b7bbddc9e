-- Headless end-to-end test of the promptls Neovim plugin against the real server, started by
-- require('promptls').setup{} (the path for Neovim 0.10 and for existing configurations).
--
--   PROMPTLS_BIN=/path/to/promptls nvim --headless --clean -l editors/nvim/test/e2e.lua
--
-- Env: PROMPTLS_BIN (required), EXAMPLES (default <repo>/examples), E2E_RESULTS (file that
-- gets one "PASS name" / "FAIL name: reason" line per check). Exits non-zero on failure.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/helpers.lua')
vim.opt.rtp:prepend(H.plugin_dir)

local bin = os.getenv('PROMPTLS_BIN')
local check, record, wait_for, request_sync = H.check, H.record, H.wait_for, H.request_sync
local position, hover_text, line_of = H.position, H.hover_text, H.line_of
local function finish()
  H.finish('nvim e2e')
end

if not bin or bin == '' or vim.fn.executable(bin) ~= 1 then
  record('nvim setup', false, 'PROMPTLS_BIN is not set or not executable: ' .. tostring(bin))
  finish()
end

-- A temporary copy of the example workspace.
local ws, open = H.copy_examples()
local initial = H.names(ws .. '/prompts')

require('promptls').setup({ cmd = { bin, 'serve' } })

local ok_start = check('server starts and attaches to app.py', function()
  open('app.py')
end)
if not ok_start then
  finish()
end

check('completion at version=" lists versions', function()
  local buf = open('app.py')
  local text = 'extra = load_prompt("prompts/task", version="")'
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, last, last, false, { text })
  local col = #'extra = load_prompt("prompts/task", version="'
  local labels = {}
  wait_for('completion items latest + v2.0.0/v1.0.0', 30000, function()
    local result = request_sync(buf, 'textDocument/completion', position(buf, last, col), 5000)
    local items = type(result) == 'table' and (result.items or result) or {}
    labels = {}
    for _, it in ipairs(items) do
      labels[#labels + 1] = it.label
    end
    local flat = table.concat(labels, ' ')
    return flat:find('latest', 1, true) and (flat:find('v2.0.0', 1, true) or flat:find('v1.0.0', 1, true))
  end)
  vim.cmd('silent! undo')
end)

check('hover on [steps](steps.md) shows a version table', function()
  local buf = open('prompts/task_v2.md')
  local row, col
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = l:find('(steps.md)', 1, true)
    if s then
      row, col = i - 1, s + 1
      break
    end
  end
  assert(row, 'no (steps.md) link in prompts/task_v2.md')
  local text = ''
  wait_for('a hover with v1.1.0 in a table', 30000, function()
    text = hover_text(request_sync(buf, 'textDocument/hover', position(buf, row, col), 5000))
    return text:find('v1.1.0', 1, true) and text:find('|', 1, true)
  end)
end)

-- Every original file, byte for byte, to prove that no operation rewrites history.
local originals = {}
for name in vim.fs.dir(ws .. '/prompts') do
  local f = io.open(ws .. '/prompts/' .. name, 'rb')
  if f then
    originals[name] = f:read('*a')
    f:close()
  end
end

check('completion at classifier={"lang": " offers the values that exist', function()
  local buf = open('app.py')
  local row, col = line_of(buf, 'classifier={"lang": "')
  local labels
  wait_for('en, ru, de', 20000, function()
    local result = request_sync(buf, 'textDocument/completion', position(buf, row, col), 5000)
    labels = {}
    for _, it in ipairs(type(result) == 'table' and (result.items or result) or {}) do
      labels[#labels + 1] = it.label
    end
    return table.concat(labels, ' ') == 'en ru de'
  end)
end)

check('definition of [steps](steps.md) is the latest release', function()
  local buf = open('prompts/task_v2.md')
  local row, col = line_of(buf, '[steps](st')
  local target
  wait_for('a definition', 20000, function()
    local result = request_sync(buf, 'textDocument/definition', position(buf, row, col), 5000)
    local loc = type(result) == 'table' and (result[1] or result) or {}
    target = loc.targetUri or loc.uri
    return target
  end)
  assert(target:match('/prompts/steps_v1%.1%.0%.md$'), 'definition went to ' .. tostring(target))
end)

check('a missing version is underlined with version-not-found and what exists', function()
  local buf = open('app.py')
  local row = line_of(buf, 'version="v7"')
  wait_for('version-not-found on the v7 line', 20000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'version-not-found' and d.lnum == row and d.message:find('v2.0.0, v1.0.0', 1, true) then
        return true
      end
    end
  end)
end)

check('missing-variable is reported on render(vars=...) and its quick fix removes it', function()
  local buf = vim.fn.bufnr(ws .. '/app.py')
  if buf == -1 then
    buf = open('app.py')
  end
  vim.api.nvim_set_current_buf(buf)
  local found
  wait_for('missing-variable on the vars= line', 20000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'missing-variable' and d.message:find('{{tone}}', 1, true) then
        found = d
        return true
      end
    end
  end)
  local line = vim.api.nvim_buf_get_lines(buf, found.lnum, found.lnum + 1, false)[1]
  assert(line:find('vars={"product"', 1, true), 'reported on another line: ' .. line)
  vim.api.nvim_win_set_cursor(0, { found.lnum + 1, found.col })
  vim.lsp.buf.code_action({
    apply = true,
    context = { only = { 'quickfix' } },
    range = { start = { found.lnum + 1, found.col }, ['end'] = { found.lnum + 1, found.col } },
    filter = function(a)
      return a.title == 'Add `"tone": ...`'
    end,
  })
  wait_for('the quick fix to add "tone"', 10000, function()
    local now = vim.api.nvim_buf_get_lines(buf, found.lnum, found.lnum + 1, false)[1]
    return now:find('"audience": "developers", "tone": ...}', 1, true) ~= nil
  end)
  wait_for('missing-variable to go away', 20000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'missing-variable' then
        return false
      end
    end
    return true
  end)
  -- Take the fix back for the next checks (nothing was written).
  vim.cmd('silent! undo')
end)

check('creating task_v3.md on disk updates hints and diagnostics without a restart', function()
  local buf = vim.fn.bufnr(ws .. '/app.py')
  if buf == -1 then
    buf = open('app.py')
  else
    vim.api.nvim_set_current_buf(buf)
  end
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, last, last, false, { 'third = load_prompt("prompts/task", version="v3")', 'newest = load_prompt("prompts/task")' })
  local function has_v3_error()
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == 'version-not-found' and d.lnum == last then
        return true
      end
    end
    return false
  end
  wait_for('version-not-found for v3', 20000, has_v3_error)
  local f = assert(io.open(ws .. '/prompts/task_v3.md', 'w'))
  f:write('Task v3 for {{product}} and {{audience}} in a {{tone}} tone.\n')
  f:close()
  wait_for('the v3 error to go away', 20000, function()
    return not has_v3_error()
  end)
  wait_for('the inlay hint → v3.0.0 after the unpinned reference', 20000, function()
    local range = { start = { line = last + 1, character = 0 }, ['end'] = { line = last + 2, character = 0 } }
    local hints = request_sync(buf, 'textDocument/inlayHint', { textDocument = { uri = vim.uri_from_bufnr(buf) }, range = range }, 5000)
    for _, h in ipairs(hints or {}) do
      local label = type(h.label) == 'string' and h.label or ''
      if label:find('v3.0.0', 1, true) then
        return true
      end
    end
  end)
  vim.cmd('silent! undo')
  os.remove(ws .. '/prompts/task_v3.md')
  wait_for('task_v3.md to leave the index', 20000, function()
    local r = request_sync(buf, 'workspace/executeCommand', { command = 'promptls.listVersions', arguments = { { prompt = 'prompts/task', classifier = { lang = 'en' } } } }, 5000)
    return r and r[1] and r[1].version == 'v2.0.0'
  end)
end)

check('code actions on task_v2.md offer the three bumps, the right one preferred', function()
  local buf = open('prompts/task_v2.md')
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
    context = { diagnostics = {} },
  }
  local actions
  wait_for('create actions', 20000, function()
    actions = request_sync(buf, 'textDocument/codeAction', params, 5000)
    return actions and #actions > 0
  end)
  local titles, preferred = {}, {}
  for _, a in ipairs(actions) do
    titles[#titles + 1] = a.title
    if a.isPreferred then
      preferred[#preferred + 1] = a.title
    end
  end
  local all = table.concat(titles, ' | ')
  for _, t in ipairs({ 'Create version v2.0.1 (patch)', 'Create version v2.1.0 (minor)', 'Create version v3.0.0 (major)' }) do
    assert(all:find(t, 1, true), 'missing ' .. t .. ' in ' .. all)
  end
  -- An unchanged copy keeps the variables: patch.
  assert(#preferred == 1 and preferred[1]:find('(patch)', 1, true), 'preferred: ' .. table.concat(preferred, ', '))
end)

check('promptls.listVersions returns the Prompt Versions model, newest first', function()
  local buf = open('prompts/task_v2.md')
  local list = request_sync(buf, 'workspace/executeCommand', { command = 'promptls.listVersions', arguments = { { uri = vim.uri_from_bufnr(buf) } } }, 5000)
  assert(type(list) == 'table' and #list >= 4, 'list: ' .. vim.inspect(list))
  local first = list[1]
  for _, key in ipairs({ 'id', 'prompt_id', 'title', 'created_at', 'version', 'version_number', 'classifiers', 'path', 'latest' }) do
    assert(first[key] ~= nil, 'PromptVersion lacks ' .. key)
  end
  assert(first.prompt_id == 'prompts/task', 'prompt_id ' .. tostring(first.prompt_id))
end)

check(':PromptVersions fills the quickfix list', function()
  open('prompts/task_v2.md')
  vim.fn.setqflist({}, 'r', { title = '', items = {} })
  vim.cmd('PromptVersions')
  local names = {}
  wait_for('quickfix entries for task_v1.md and task_v2.md', 15000, function()
    names = {}
    for _, item in ipairs(vim.fn.getqflist()) do
      names[#names + 1] = vim.fs.basename(vim.api.nvim_buf_get_name(item.bufnr))
    end
    local flat = table.concat(names, ' ')
    return flat:find('task_v1.md', 1, true) and flat:find('task_v2.md', 1, true)
  end)
  local title = vim.fn.getqflist({ title = 1 }).title
  assert(title:find('task', 1, true), 'quickfix title does not name the prompt: ' .. title)
  vim.cmd('cclose')
end)

check(':PromptNewVersion patch writes a new file', function()
  open('prompts/task_v2.md')
  vim.cmd('PromptNewVersion patch')
  local created
  wait_for('a new prompts/task_v*.md on disk, open in the editor', 20000, function()
    for name in vim.fs.dir(ws .. '/prompts') do
      if not initial[name] and name:match('^task_v[%d.]+%.md$') then
        created = name
      end
    end
    return created and vim.fs.basename(vim.api.nvim_buf_get_name(0)) == created
  end)
  wait_for('prompts/' .. created .. ' to hold the copied content', 10000, function()
    local f = io.open(ws .. '/prompts/' .. created)
    local content = f and f:read('*a') or ''
    if f then
      f:close()
    end
    return content:find('{{product}}', 1, true)
  end)
  io.stdout:write('[nvim] created prompts/' .. created .. '\n')
end)

check(':PromptNewVersion offers the server choices, recommended first', function()
  local before = {}
  for name in vim.fs.dir(ws .. '/prompts') do
    before[name] = true
  end
  open('prompts/task_v2.md')
  local offered
  local select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    on_choice(items[1])
  end
  local ok, err = pcall(vim.cmd, 'PromptNewVersion')
  local created
  local waited, werr = pcall(wait_for, 'a new prompts/task_v*.md on disk, open in the editor', 20000, function()
    for name in vim.fs.dir(ws .. '/prompts') do
      if not before[name] and name:match('^task_v[%d.]+%.md$') then
        created = name
      end
    end
    return created and vim.fs.basename(vim.api.nvim_buf_get_name(0)) == created
  end)
  vim.ui.select = select
  assert(ok, err)
  assert(offered and #offered > 0, 'vim.ui.select was not called')
  io.stdout:write('[nvim] choices: ' .. table.concat(offered, ' | ') .. '\n')
  assert(offered[1]:find('recommended', 1, true), 'the first choice is not the recommended one: ' .. offered[1])
  assert(waited, werr)
  io.stdout:write('[nvim] created prompts/' .. created .. '\n')
end)

H.check_code_lens('the code lens lists the versions in the quickfix list', ws)

H.check_code_action_patch('the code action "Create version … (patch)" writes and opens the file', ws)

check(':PromptRevert v1.0.0 writes a new version with the old content', function()
  local before = {}
  for name in vim.fs.dir(ws .. '/prompts') do
    before[name] = true
  end
  open('prompts/task_v2.md')
  vim.cmd('PromptRevert v1.0.0')
  local created
  wait_for('a new prompts/task_v*.md on disk, open in the editor', 20000, function()
    for name in vim.fs.dir(ws .. '/prompts') do
      if not before[name] and name:match('^task_v[%d.]+%.md$') then
        created = name
      end
    end
    return created and vim.fs.basename(vim.api.nvim_buf_get_name(0)) == created
  end)
  -- task_v1.md's body (task_v2.md added {{tone}}); front matter may be rewritten.
  wait_for('prompts/' .. created .. " to hold task_v1.md's content", 10000, function()
    local f = io.open(ws .. '/prompts/' .. created)
    local content = f and f:read('*a') or ''
    if f then
      f:close()
    end
    return content:find('Write a short answer for {{audience}}.', 1, true) and not content:find('{{tone}}', 1, true)
  end)
  io.stdout:write('[nvim] reverted as prompts/' .. created .. '\n')
end)

check('every original file is byte-identical after the operations', function()
  for name, content in pairs(originals) do
    local f = assert(io.open(ws .. '/prompts/' .. name, 'rb'), name .. ' is gone')
    local now = f:read('*a')
    f:close()
    assert(now == content, name .. ' changed')
  end
end)

check('rename of a prompt family renames its files and updates two referring files on disk', function()
  local function write(rel, text)
    local f = assert(io.open(ws .. '/' .. rel, 'wb'))
    f:write(text)
    f:close()
  end
  local function read(rel)
    local f = io.open(ws .. '/' .. rel, 'rb')
    if not f then
      return nil
    end
    local text = f:read('*a')
    f:close()
    return text
  end
  write('prompts/famx_v1.md', 'one\n')
  write('prompts/famx_v2.md', 'two\n')
  write('prompts/refa_v1.md', 'see [x](famx_v1.md)\n')
  write('prompts/refb_v1.md', 'and {# ref: famx #}\n')
  local buf = open('prompts/refa_v1.md')
  local at = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 0, character = 10 } }
  wait_for('prepareRename on [x](famx_v1.md) once the new files are indexed', 20000, function()
    local ok, res = pcall(request_sync, buf, 'textDocument/prepareRename', at, 5000)
    return ok and res and res.placeholder == 'famx'
  end)
  local params = vim.tbl_extend('force', at, { newName = 'famy' })
  -- The four files were written at once, but the server may see them in two batches of
  -- file events (a slow first start): ask until the edit covers both referring files.
  local edit
  wait_for('a rename edit that updates refa_v1.md and refb_v1.md', 20000, function()
    local ok, res = pcall(request_sync, buf, 'textDocument/rename', params, 5000)
    local text = ok and res and vim.json.encode(res) or ''
    if text:find('refa_v1.md', 1, true) and text:find('refb_v1.md', 1, true) then
      edit = res
      return true
    end
    return false
  end)
  local client = assert(H.client_for(buf))
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
  local names = { 'famy_v1.md', 'famy_v2.md', 'famx_v1.md', 'refa_v1.md', 'refb_v1.md' }
  local ok = pcall(wait_for, 'famy_v1.md, famy_v2.md and both references on disk', 20000, function()
    vim.cmd('silent! wall')
    return read('prompts/famy_v1.md') == 'one\n'
      and read('prompts/famy_v2.md') == 'two\n'
      and read('prompts/famx_v1.md') == nil
      and read('prompts/refa_v1.md') == 'see [x](famy_v1.md)\n'
      and read('prompts/refb_v1.md') == 'and {# ref: famy #}\n'
  end)
  if not ok then
    local seen = {}
    for _, n in ipairs(names) do
      table.insert(seen, n .. '=' .. vim.inspect(read('prompts/' .. n)))
    end
    error('the rename is not on disk: ' .. table.concat(seen, ', '))
  end
end)

vim.fn.delete(ws, 'rf')
finish()
