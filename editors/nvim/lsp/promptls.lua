-- promptls for `vim.lsp.enable('promptls')` (Neovim 0.11+): with this folder's parent on the
-- runtimepath and `promptls` on PATH, that one call is the whole setup. See :help promptls.
--
-- Change any field with vim.lsp.config(), e.g.
--   vim.lsp.config('promptls', {
--     cmd = { vim.fn.expand('~/.cargo/bin/promptls'), 'serve' },
--     init_options = { versioning = { delimiter = '_', include_prerelease = false } },
--   })
local promptls = require('promptls')

-- Filetype detection for .prompt/.j2 and the buffer commands, in case plugin/ was not sourced.
promptls.bootstrap()

---@type vim.lsp.Config
return {
  cmd = { 'promptls', 'serve' },
  -- Prompt files (.md .markdown .yaml .yml .json .txt .jinja .jinja2 .j2 .prompt), Python, and
  -- promptic.toml / pyproject.toml (other TOML files are skipped by root_dir).
  filetypes = vim.deepcopy(promptls.filetypes),
  -- The nearest folder with .git; else the OUTERMOST folder with a promptic.toml or
  -- pyproject.toml (a nested promptic.toml configures a subtree of the same workspace, it is
  -- not a new one); else the file's folder. One server per workspace.
  root_dir = promptls.root_dir,
  reuse_client = promptls.reuse_client,
}
