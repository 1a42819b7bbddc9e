-- Headless test of the zero-configuration path (Neovim 0.11+): the init file is
-- test/enable_init.lua — editors/nvim on the runtimepath and vim.lsp.enable('promptls'), no
-- setup{} — and the promptls binary is found on PATH.
--
--   mkdir -p /tmp/pbin && ln -sf $PWD/target/debug/promptls /tmp/pbin/promptls
--   PATH=/tmp/pbin:$PATH PROMPTLS_NVIM_DIR=$PWD/editors/nvim PROMPTLS_BIN=$PWD/target/debug/promptls \
--     nvim --headless --clean -u editors/nvim/test/enable_init.lua -l editors/nvim/test/enable.lua
--
-- Env: PROMPTLS_BIN (optional: the binary PATH must lead to), EXAMPLES, E2E_RESULTS (see
-- helpers.lua). Exits non-zero on failure.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/helpers.lua')
local check = H.check
local finish = H.needs_011('enable: ', 'nvim vim.lsp.enable')

local ws, open = H.copy_examples()

local ok_init = check('enable: the init holds only the runtimepath and vim.lsp.enable("promptls")', function()
  assert(vim.lsp.is_enabled('promptls'), 'promptls is not enabled')
  assert(vim.g.loaded_promptls, 'plugin/promptls.lua was not sourced')
  assert(not require('promptls')._setup_called, 'require("promptls").setup{} was called')
  assert(vim.api.nvim_get_commands({}).PromptVersions == nil, 'a global :PromptVersions exists without setup{}')
  local exe = vim.fn.exepath('promptls')
  assert(exe ~= '', 'promptls is not on PATH')
  local want = os.getenv('PROMPTLS_BIN')
  if want and want ~= '' then
    assert(vim.fn.resolve(exe) == vim.fn.resolve(want), ('PATH leads to %s, not %s'):format(exe, want))
  end
end)
if not ok_init then
  finish()
end

H.check_attaches('enable: opening app.py starts the server and attaches it', ws, finish)

H.check_completes_versions('enable: completion inside version=" lists the versions', ws)

check('enable: files under folders with their own promptic.toml share ONE client', function()
  -- What this guards against: with root_markers, the nearest marker would be the subfolder.
  local naive = vim.fs.root(ws .. '/agents/planner-v1.md', { '.git', 'promptic.toml', 'pyproject.toml' })
  assert(naive == ws .. '/agents', 'the example no longer has a nested promptic.toml: ' .. tostring(naive))
  local ids = {}
  for _, rel in ipairs({
    'app.py',
    'prompts/task_v2.md',
    'agents/planner-v1.md',
    'releases/notes_rev2.md',
    'legacy/intro.v2.md',
    'prompts/support/faq.yaml',
    'agents/promptic.toml',
    'pyproject.toml',
  }) do
    ids[#ids + 1] = rel .. '=' .. H.client_for(open(rel)).id
  end
  local clients = vim.lsp.get_clients({ name = 'promptls' })
  local roots = vim.tbl_map(function(c)
    return tostring(c.config.root_dir)
  end, clients)
  assert(#clients == 1, ('%d clients, roots %s (%s)'):format(#clients, table.concat(roots, ', '), table.concat(ids, ' ')))
  assert(clients[1].config.root_dir == ws, 'root ' .. roots[1])
end)

check('enable: inside this repository the root is the folder with .git', function()
  local promptls = require('promptls')
  local file = H.repo .. '/examples/agents/planner-v1.md'
  local git = vim.fs.root(file, '.git')
  local want = git or (H.repo .. '/examples')
  local buf = vim.fn.bufadd(file) -- not loaded: no FileType, no client
  local got
  promptls.root_dir(buf, function(dir)
    got = dir
  end)
  vim.api.nvim_buf_delete(buf, { force = true })
  assert(got == want, ('root %s, want %s'):format(tostring(got), want))
end)

check('enable: .prompt and .j2 files get a filetype and the client', function()
  for name, ft in pairs({ ['extra_v1.prompt'] = 'prompt', ['extra_v1.j2'] = 'jinja', ['extra_v1.jinja2'] = 'jinja' }) do
    local f = assert(io.open(ws .. '/prompts/' .. name, 'w'))
    f:write('Hello {{name}}.\n')
    f:close()
    local buf = open('prompts/' .. name)
    assert(vim.bo[buf].filetype == ft, name .. ' has filetype ' .. vim.bo[buf].filetype)
  end
  assert(#vim.lsp.get_clients({ name = 'promptls' }) == 1, 'a second client started')
end)

H.check_other_toml('enable: a TOML file other than promptic.toml / pyproject.toml gets no client', ws)

check('enable: the Prompt commands exist in attached buffers, :PromptVersions fills the quickfix list', function()
  local buf = open('prompts/task_v2.md')
  local cmds = vim.api.nvim_buf_get_commands(buf, {})
  for _, name in ipairs({ 'PromptVersions', 'PromptNewVersion', 'PromptRevert', 'PromptDiff', 'PromptReindex' }) do
    assert(cmds[name], ':' .. name .. ' is not defined in the buffer')
  end
  vim.cmd.enew()
  assert(vim.api.nvim_buf_get_commands(0, {}).PromptVersions == nil, ':PromptVersions in a buffer without the client')
  vim.cmd('bwipeout!')
  vim.api.nvim_set_current_buf(buf)
  vim.fn.setqflist({}, 'r', { title = '', items = {} })
  vim.cmd('PromptVersions')
  H.wait_qf_task_versions()
  vim.cmd('cclose')
end)

H.check_code_lens('enable: running the code lens lists the versions in the quickfix list', ws)

H.check_code_action_patch('enable: the code action "Create version … (patch)" writes and opens the file', ws)

check('enable: :PromptNewVersion patch in an attached buffer writes a new file', function()
  local before = H.names(ws .. '/prompts')
  open('prompts/task_v2.md')
  vim.cmd('PromptNewVersion patch')
  local created = H.wait_new_version(ws, before)
  H.say('created prompts/' .. created)
end)

check('enable: :checkhealth promptls finds the binary on PATH', function()
  local text = H.checkhealth('promptls')
  local exe = vim.fn.exepath('promptls')
  assert(text:find('server binary found: ' .. exe, 1, true), text)
  assert(text:find('started by vim.lsp.enable', 1, true), text)
  assert(not text:find('ERROR', 1, true), text)
end)

check('enable: :checkhealth promptls reports a binary that is not there', function()
  vim.lsp.config('promptls', { cmd = { 'promptls-not-installed', 'serve' } })
  local ok, text = pcall(H.checkhealth, 'promptls')
  vim.lsp.config('promptls', { cmd = { 'promptls', 'serve' } })
  assert(ok, text)
  assert(text:find('ERROR', 1, true) and text:find('"promptls-not-installed" is not executable', 1, true), text)
end)

vim.fn.delete(ws, 'rf')
finish()
