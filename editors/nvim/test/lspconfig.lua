-- Headless test of editors/lspconfig/promptls.lua, the config meant for nvim-lspconfig's lsp/
-- folder, the way nvim-lspconfig ships it: an lsp/promptls.lua on the runtimepath, WITHOUT this
-- plugin, then vim.lsp.enable('promptls'). promptls must be on PATH.
--
--   PATH=/tmp/pbin:$PATH nvim --headless --clean -l editors/nvim/test/lspconfig.lua
--
-- Env: EXAMPLES, E2E_RESULTS (see helpers.lua). Exits non-zero on failure.
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/helpers.lua')
local check = H.check
local finish = H.needs_011('lspconfig: ', 'nvim lspconfig')

-- A runtimepath entry like nvim-lspconfig's: lsp/promptls.lua and nothing else.
local fake_lspconfig = vim.fn.tempname() .. '-lspconfig'
vim.fn.mkdir(fake_lspconfig .. '/lsp', 'p')
vim.fn.writefile(vim.fn.readfile(H.repo .. '/editors/lspconfig/promptls.lua', 'b'), fake_lspconfig .. '/lsp/promptls.lua', 'b')
vim.opt.rtp:append(fake_lspconfig)
vim.lsp.enable('promptls')

local ws, open = H.copy_examples()

H.check_attaches('lspconfig: the config loads without the plugin and attaches to app.py', ws, finish, function()
  assert(#vim.api.nvim_get_runtime_file('lua/promptls/init.lua', true) == 0, 'the plugin is on the runtimepath')
  assert(vim.fn.exepath('promptls') ~= '', 'promptls is not on PATH')
end)

H.check_completes_versions('lspconfig: completion inside version=" lists the versions', ws)

check('lspconfig: files under folders with their own promptic.toml share ONE client', function()
  for _, rel in ipairs({ 'prompts/task_v2.md', 'agents/planner-v1.md', 'releases/notes_rev2.md', 'legacy/intro.v2.md', 'agents/promptic.toml' }) do
    open(rel)
  end
  local clients = vim.lsp.get_clients({ name = 'promptls' })
  assert(#clients == 1, #clients .. ' clients')
  assert(clients[1].config.root_dir == ws, 'root ' .. tostring(clients[1].config.root_dir))
end)

H.check_other_toml('lspconfig: a TOML file other than promptic.toml / pyproject.toml gets no client', ws)

check('lspconfig: :LspPromptlsVersions lists the versions, of the current file or of a prompt', function()
  local buf = open('prompts/task_v2.md')
  local cmds = vim.api.nvim_buf_get_commands(buf, {})
  assert(cmds.LspPromptlsVersions and cmds.LspPromptlsReindex, 'buffer commands missing')
  for _, cmd in ipairs({ 'LspPromptlsVersions', 'LspPromptlsVersions prompts/task' }) do
    vim.api.nvim_set_current_buf(cmd:find(' ') and open('app.py') or buf)
    vim.fn.setqflist({}, 'r', { title = '', items = {} })
    vim.cmd(cmd)
    H.wait_qf_task_versions(' after :' .. cmd)
    vim.cmd('cclose')
  end
end)

H.check_code_lens('lspconfig: running the code lens lists the versions in the quickfix list', ws)

H.check_code_action_patch('lspconfig: the code action "Create version … (patch)" writes and opens the file', ws)

check('lspconfig: :LspPromptlsReindex rebuilds the index', function()
  open('app.py')
  local before = #H.notifications
  vim.cmd('LspPromptlsReindex')
  H.wait_for('"index rebuilt"', 20000, function()
    for i = before + 1, #H.notifications do
      if H.notifications[i]:find('index rebuilt', 1, true) then
        return true
      end
    end
  end)
end)

vim.fn.delete(ws, 'rf')
vim.fn.delete(fake_lspconfig, 'rf')
finish()
