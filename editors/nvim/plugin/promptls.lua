-- promptls: filetype detection for prompt files (.prompt, .j2, .jinja, .jinja2) and, for every
-- buffer the promptls client attaches to, :PromptVersions, :PromptNewVersion, :PromptRevert,
-- :PromptDiff and :PromptReindex plus the client side of the server's code lens and code
-- actions. Nothing starts here: `vim.lsp.enable('promptls')` (0.11+) or
-- `require('promptls').setup{}` does. See :help promptls.
if vim.g.loaded_promptls or vim.fn.has('nvim-0.10') ~= 1 then
  return
end
vim.g.loaded_promptls = true

require('promptls').bootstrap()
