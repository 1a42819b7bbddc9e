-- :checkhealth promptls
local M = {}

function M.check()
  local health = vim.health
  health.start('promptls')
  if vim.fn.has('nvim-0.10') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.10 or newer is needed')
  end
  local promptls = require('promptls')
  local cmd = promptls.config.cmd or { 'promptls' }
  local bin = type(cmd) == 'table' and cmd[1] or nil
  if bin == nil then
    health.info('cmd is a function: not checked')
  elseif vim.fn.executable(bin) == 1 then
    local out = vim.fn.system({ bin, '--version' })
    health.ok(('server: %s (%s)'):format(vim.fn.exepath(bin), vim.trim(out)))
  else
    health.error(('server binary %q is not executable'):format(bin), {
      'Install it with `cargo install --path .` in the promptls repository (it lands in ~/.cargo/bin)',
      'or pass cmd = { "/path/to/promptls", "serve" } to require("promptls").setup{}',
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
