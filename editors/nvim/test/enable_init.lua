-- The whole user configuration the vim.lsp.enable() test runs with (test/enable.lua): the
-- plugin folder on the runtimepath and one call. No require('promptls').setup{}.
vim.opt.rtp:append(vim.env.PROMPTLS_NVIM_DIR)
vim.lsp.enable('promptls')
