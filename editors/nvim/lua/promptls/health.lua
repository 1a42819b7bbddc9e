-- :checkhealth promptls
local M = {}

local function resolved_config()
  if vim.fn.has('nvim-0.11') ~= 1 or not vim.lsp.config then
    return nil
  end
  local ok, config = pcall(function()
    return vim.lsp.config['promptls']
  end)
  return ok and type(config) == 'table' and config or nil
end

function M.check()
  local health = vim.health
  local promptls = require('promptls')
  local has_011 = vim.fn.has('nvim-0.11') == 1

  health.start('promptls')
  if has_011 then
    health.ok('Neovim ' .. tostring(vim.version()))
  elseif vim.fn.has('nvim-0.10') == 1 then
    health.warn('Neovim ' .. tostring(vim.version()) .. ': require("promptls").setup{} works, vim.lsp.enable("promptls") needs 0.11')
  else
    health.error('Neovim 0.10 or newer is needed (0.11+ for vim.lsp.enable("promptls"))')
  end

  -- How the server is started.
  local config = resolved_config()
  local enabled = has_011 and vim.lsp.is_enabled and vim.lsp.is_enabled('promptls')
  if has_011 then
    local files = vim.api.nvim_get_runtime_file('lsp/promptls.lua', true)
    if #files > 0 then
      health.ok('config: ' .. table.concat(files, ', '))
    else
      health.error('no lsp/promptls.lua on the runtimepath', {
        'Add the editors/nvim folder of the promptls repository to the runtimepath, see :help promptls-install',
      })
    end
  end
  if promptls._setup_called then
    health.ok('started by require("promptls").setup{}' .. (enabled and ' and vim.lsp.enable("promptls")' or ''))
  elseif enabled then
    health.ok('started by vim.lsp.enable("promptls")')
  else
    health.warn('nothing starts the server', {
      has_011 and 'Call vim.lsp.enable("promptls") in your init.lua' or 'Call require("promptls").setup{} in your init.lua',
    })
  end

  -- The binary: the cmd of setup{}, else the one vim.lsp.enable() uses.
  local cmd = promptls._setup_called and promptls.config.cmd or (config and config.cmd) or promptls.config.cmd
  local bin = type(cmd) == 'table' and cmd[1] or nil
  if bin == nil then
    health.info('cmd is a function: not checked')
  elseif vim.fn.executable(bin) == 1 then
    local out = vim.fn.system({ bin, '--version' })
    health.ok(('server binary found: %s (%s)'):format(vim.fn.exepath(bin), vim.trim(out)))
  else
    health.error(('server binary %q is not executable'):format(bin), {
      'Put promptls on PATH: the binary of a release archive, or `cargo install --path .` in the promptls repository (it lands in ~/.cargo/bin); see :help promptls-requirements',
      has_011 and 'or name the binary: vim.lsp.config("promptls", { cmd = { "/path/to/promptls", "serve" } })'
        or 'or name the binary: require("promptls").setup({ cmd = { "/path/to/promptls", "serve" } })',
    })
  end

  -- Filetype detection of plugin/promptls.lua.
  local detected = vim.filetype.match({ filename = 'task_v1.prompt' })
  if detected == 'prompt' and vim.filetype.match({ filename = 'task_v1.j2' }) == 'jinja' then
    health.ok('filetypes: .prompt -> prompt, .j2/.jinja/.jinja2 -> jinja')
  else
    health.warn('.prompt and .j2 files get no filetype, so the server does not start for them', {
      'plugin/promptls.lua was not sourced: source it after adding the folder to the runtimepath (see :help promptls-install)',
    })
  end

  local clients = (vim.lsp.get_clients or vim.lsp.get_active_clients)({ name = 'promptls' })
  if #clients == 0 then
    health.info('no promptls client is running (open a prompt file)')
  end
  for _, c in ipairs(clients) do
    health.ok(('client %d, root %s'):format(c.id, c.config.root_dir or '?'))
  end
end

return M
