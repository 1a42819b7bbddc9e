-- Shared by the headless tests of editors/nvim/test/: results, waiting, LSP requests and a
-- temporary copy of the example workspace. Load with dofile(); it does not touch the runtimepath.
--
-- Env: E2E_RESULTS (file that gets one "PASS name" / "FAIL name: reason" line per check),
-- EXAMPLES (default <repo>/examples).
local H = {}

local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
H.plugin_dir = vim.fn.fnamemodify(here, ':h')
H.repo = vim.fn.fnamemodify(H.plugin_dir, ':h:h')
H.examples = os.getenv('EXAMPLES') or (H.repo .. '/examples')
H.has_011 = vim.fn.has('nvim-0.11') == 1

local results_file = os.getenv('E2E_RESULTS')
local passed, failed = 0, 0

vim.o.swapfile = false
vim.o.more = false
vim.o.shortmess = vim.o.shortmess .. 'F'

function H.say(line)
  io.stdout:write('[nvim] ' .. line .. '\n')
end

-- Messages from the plugin, one per line among the test's own.
H.notifications = {}
vim.notify = function(msg, level)
  H.notifications[#H.notifications + 1] = tostring(msg)
  H.say(('notify(%s): %s'):format(level or vim.log.levels.INFO, tostring(msg)))
end

function H.record(name, ok, reason)
  local line = ok and ('PASS ' .. name) or ('FAIL ' .. name .. ': ' .. tostring(reason):gsub('\n', ' '))
  if ok then
    passed = passed + 1
  else
    failed = failed + 1
  end
  H.say(line)
  if results_file then
    local f = io.open(results_file, 'a')
    if f then
      f:write(line .. '\n')
      f:close()
    end
  end
end

--- Stops every client, prints the tally and exits: 0 when something passed and nothing failed.
function H.finish(label)
  H.say(('%s: %d passed, %d failed'):format(label or 'nvim e2e', passed, failed))
  for _, c in ipairs(vim.lsp.get_clients()) do
    if H.has_011 then
      c:stop(true)
    else
      c.stop(true)
    end
  end
  vim.wait(1000, function()
    return #vim.lsp.get_clients() == 0
  end)
  os.exit(failed == 0 and passed > 0 and 0 or 1)
end

function H.check(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  H.record(name, ok, not ok and (tostring(err):match('^[^\n]*') or err) or nil)
  return ok
end

function H.wait_for(what, ms, fn)
  local last
  local ok = vim.wait(ms, function()
    local good, v = pcall(fn)
    if not good then
      last = v
      return false
    end
    return v and true or false
  end, 200)
  if not ok then
    error(('timed out after %d ms waiting for %s%s'):format(ms, what, last and (' (' .. tostring(last) .. ')') or ''), 0)
  end
end

--- Stops with a FAIL `prefix`Neovim 0.11+ before Neovim 0.11 (no vim.lsp.enable()); returns the
--- `finish` of the test named `label` (see H.finish).
function H.needs_011(prefix, label)
  local function finish()
    H.finish(label)
  end
  if not H.has_011 then
    H.record(prefix .. 'Neovim 0.11+', false, 'vim.lsp.enable() needs Neovim 0.11, this is ' .. tostring(vim.version()))
    finish()
  end
  return finish
end

--- A temporary copy of the example workspace (no .git above it: the root comes from its
--- promptic.toml / pyproject.toml files), and open(rel) = H.open(that copy, rel).
function H.copy_examples()
  local ws = vim.fn.tempname() .. '-promptls-ws'
  vim.fn.system({ 'cp', '-r', H.examples, ws })
  assert(vim.v.shell_error == 0, 'copying examples failed')
  ws = vim.fn.resolve(ws)
  return ws, function(rel)
    return H.open(ws, rel)
  end
end

function H.client_for(buf)
  return vim.lsp.get_clients({ name = 'promptls', bufnr = buf })[1]
end

function H.request_sync(buf, method, params, timeout)
  local client = assert(H.client_for(buf), 'no promptls client on the buffer')
  local resp
  if H.has_011 then
    resp = client:request_sync(method, params, timeout or 5000, buf)
  else
    resp = client.request_sync(method, params, timeout or 5000, buf)
  end
  if not resp then
    error(method .. ' timed out', 0)
  end
  if resp.err then
    error(method .. ' failed: ' .. vim.inspect(resp.err), 0)
  end
  return resp.result
end

--- Edits `ws/rel` and waits until a promptls client is attached and initialized.
function H.open(ws, rel)
  vim.cmd.edit(vim.fn.fnameescape(ws .. '/' .. rel))
  local buf = vim.api.nvim_get_current_buf()
  H.wait_for('promptls to attach to ' .. rel, 20000, function()
    local c = H.client_for(buf)
    return c and c.initialized ~= false and not (c.is_stopped and c:is_stopped())
  end)
  return buf
end

function H.position(buf, row, col)
  local client = H.client_for(buf)
  local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1]
  local enc = client.offset_encoding or 'utf-16'
  local character
  if enc == 'utf-8' then
    character = col
  elseif H.has_011 then
    character = vim.str_utfindex(line, enc, col, false)
  else
    local utf32, utf16 = vim.str_utfindex(line, col)
    character = enc == 'utf-32' and utf32 or utf16
  end
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = row, character = character } }
end

function H.hover_text(result)
  if type(result) ~= 'table' then
    return ''
  end
  local c = result.contents
  if type(c) == 'string' then
    return c
  end
  if c.value then
    return c.value
  end
  local parts = {}
  for _, p in ipairs(c) do
    parts[#parts + 1] = type(p) == 'string' and p or p.value
  end
  return table.concat(parts, '\n')
end

--- 0-based row and the column just after `needle` on the first line that holds it.
function H.line_of(buf, needle)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = l:find(needle, 1, true)
    if s then
      return i - 1, s - 1 + #needle
    end
  end
  error('no ' .. needle .. ' in the buffer', 0)
end

--- The labels of a completion response.
function H.labels(result)
  local labels = {}
  for _, it in ipairs(type(result) == 'table' and (result.items or result) or {}) do
    labels[#labels + 1] = it.label
  end
  return labels
end

--- Completion inside `version="` of a new load_prompt line at the end of the buffer lists
--- `latest` and the versions of prompts/task; the line is removed again.
function H.completes_versions(buf)
  local text = 'extra = load_prompt("prompts/task", version="")'
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_buf_set_lines(buf, last, last, false, { text })
  local col = #'extra = load_prompt("prompts/task", version="'
  local ok, err = pcall(H.wait_for, 'completion items latest + v2.0.0/v1.0.0', 30000, function()
    local flat = table.concat(H.labels(H.request_sync(buf, 'textDocument/completion', H.position(buf, last, col), 5000)), ' ')
    return flat:find('latest', 1, true) and (flat:find('v2.0.0', 1, true) or flat:find('v1.0.0', 1, true))
  end)
  vim.api.nvim_buf_set_lines(buf, last, last + 1, false, {})
  vim.bo[buf].modified = false
  assert(ok, err)
end

--- Waits until the quickfix list holds entries for task_v1.md and task_v2.md (`after`: what
--- filled it, for the timeout message).
function H.wait_qf_task_versions(after)
  H.wait_for('quickfix entries for task_v1.md and task_v2.md' .. (after or ''), 15000, function()
    local flat = table.concat(
      vim.tbl_map(function(item)
        return vim.fs.basename(vim.api.nvim_buf_get_name(item.bufnr))
      end, vim.fn.getqflist()),
      ' '
    )
    return flat:find('task_v1.md', 1, true) and flat:find('task_v2.md', 1, true)
  end)
end

--- Check `name`: after `first()` (when given), opening app.py of the workspace `ws` attaches a
--- promptls client whose root is `ws`. The rest needs it: a FAIL ends the test with `finish()`.
function H.check_attaches(name, ws, finish, first)
  local ok = H.check(name, function()
    if first then
      first()
    end
    local client = H.client_for(H.open(ws, 'app.py'))
    assert(client.config.root_dir == ws, 'root ' .. tostring(client.config.root_dir) .. ', want ' .. ws)
  end)
  if not ok then
    finish()
  end
end

--- Check `name`: completion inside version=" in app.py of the workspace `ws` lists the versions.
function H.check_completes_versions(name, ws)
  return H.check(name, function()
    H.completes_versions(H.open(ws, 'app.py'))
  end)
end

--- File names in `dir`.
function H.names(dir)
  local set = {}
  for name in vim.fs.dir(dir) do
    set[name] = true
  end
  return set
end

--- Waits for a new `prompts/task_v*.md` (not in `before`) that is open in the current window,
--- written, and returns its name.
function H.wait_new_version(ws, before, what)
  local created
  H.wait_for(what or 'a new prompts/task_v*.md on disk, open in the editor', 20000, function()
    for name in vim.fs.dir(ws .. '/prompts') do
      if not before[name] and name:match('^task_v[%d.]+%.md$') then
        created = name
      end
    end
    return created and vim.fs.basename(vim.api.nvim_buf_get_name(0)) == created and not vim.bo.modified
  end)
  return created
end

--- Check `name`: a TOML file other than promptic.toml / pyproject.toml in the workspace `ws`
--- gets no promptls client, while the promptic.toml beside it does.
function H.check_other_toml(name, ws)
  return H.check(name, function()
    local f = assert(io.open(ws .. '/other.toml', 'w'))
    f:write('name = "not promptic"\n')
    f:close()
    vim.cmd.edit(vim.fn.fnameescape(ws .. '/other.toml'))
    local buf = vim.api.nvim_get_current_buf()
    assert(vim.bo[buf].filetype == 'toml', 'filetype ' .. vim.bo[buf].filetype)
    vim.wait(1500)
    assert(H.client_for(buf) == nil, 'promptls attached to other.toml')
    H.open(ws, 'promptic.toml')
  end)
end

--- Check `name`: running the code lens on prompts/task_v2.md of the workspace `ws` (opened with
--- H.open) lists the versions in the quickfix list.
function H.check_code_lens(name, ws)
  return H.check(name, function()
    local buf = H.open(ws, 'prompts/task_v2.md')
    vim.fn.setqflist({}, 'r', { title = '', items = {} })
    H.wait_for('a code lens on task_v2.md', 15000, function()
      vim.lsp.codelens.refresh({ bufnr = buf })
      vim.wait(300)
      local lenses = vim.lsp.codelens.get(buf)
      return #lenses > 0 and lenses[1].command ~= nil
    end)
    H.say('code lens: ' .. vim.lsp.codelens.get(buf)[1].command.title)
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    vim.lsp.codelens.run()
    H.wait_for('the quickfix list', 10000, function()
      return #vim.fn.getqflist() >= 2
    end)
    vim.cmd('cclose')
  end)
end

--- Check `name`: the code action "Create version … (patch)" on prompts/task_v2.md of the
--- workspace `ws` writes a new prompts/task_v*.md with the copied content and opens it.
function H.check_code_action_patch(name, ws)
  return H.check(name, function()
    local before = H.names(ws .. '/prompts')
    H.open(ws, 'prompts/task_v2.md')
    vim.lsp.buf.code_action({
      apply = true,
      context = { only = { 'refactor.promptls.createVersion' }, diagnostics = {} },
      range = { start = { 1, 0 }, ['end'] = { 1, 0 } },
      filter = function(a)
        return a.title:find('(patch)', 1, true) ~= nil
      end,
    })
    local created = H.wait_new_version(ws, before)
    local content = H.read(ws .. '/prompts/' .. created) or ''
    assert(content:find('{{product}}', 1, true), 'prompts/' .. created .. ' is empty on disk')
    H.say('created prompts/' .. created .. ' from the code action')
  end)
end

function H.read(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local content = f:read('*a')
  f:close()
  return content
end

--- The lines of `:checkhealth {name}`.
function H.checkhealth(name)
  vim.cmd('silent checkhealth ' .. name)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  vim.cmd('bwipeout!')
  return table.concat(lines, '\n')
end

return H
