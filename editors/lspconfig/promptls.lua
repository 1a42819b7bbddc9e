---@brief
---
--- https://github.com/promptls/promptls
---
--- Language server for workspaces that keep LLM prompts as versioned files
--- (`prompts/task_v2.md`, `prompts/task_en_v2.1.0.md`) in the conventions of the Python library
--- [promptic](https://github.com/ArtyomZemlyak/promptic): completion of prompt paths, versions and
--- classifiers in Markdown links, `load_prompt(...)` calls in Python and `promptic.toml`, hover with
--- each prompt's version history, diagnostics, and code actions that create a version or revert to
--- one without overwriting a file.
---
--- Install the `promptls` binary from the [releases](https://github.com/promptls/promptls/releases)
--- or with `cargo install promptls`.
---
--- One server serves a workspace: the root is the nearest folder with `.git`; without one, the
--- outermost folder with a `promptic.toml` or `pyproject.toml` (a nested `promptic.toml` configures
--- a subtree of the same workspace); else the file's folder. Of the TOML files only `promptic.toml`
--- and `pyproject.toml` start it.
---
--- Defaults for promptic's `VersioningConfig` (the workspace's config files override them):
---
--- ```lua
--- vim.lsp.config('promptls', {
---   init_options = { versioning = { delimiter = '_', include_prerelease = false } },
--- })
--- ```
---
--- Prompt files named `*.prompt` or `*.j2` need a filetype:
---
--- ```lua
--- vim.filetype.add({ extension = { prompt = 'prompt', j2 = 'jinja', jinja2 = 'jinja' } })
--- ```
---
--- Running the code lens (`vim.lsp.codelens.run()`) lists the prompt's versions in the quickfix
--- list; the code actions "Create version …" and "Revert to …" write the new file and open it.
--- `:LspPromptlsVersions [prompt]` lists the versions of the current file's prompt (or of `prompt`,
--- e.g. `prompts/task`) from any attached buffer; `:LspPromptlsReindex` rebuilds the index.

local config_files = { 'promptic.toml', 'pyproject.toml' }

---@param versions table[]
local function show_versions(versions)
  if type(versions) ~= 'table' or #versions == 0 then
    vim.notify('promptls: no versions found', vim.log.levels.WARN)
    return
  end
  local items = {}
  for _, v in ipairs(versions) do
    local tags = {}
    if v.latest then
      tags[#tags + 1] = 'latest'
    end
    for name, value in pairs(type(v.classifiers) == 'table' and v.classifiers or {}) do
      tags[#tags + 1] = name .. '=' .. value
    end
    local version = type(v.version) == 'string' and v.version or '(unversioned)'
    items[#items + 1] =
      { filename = v.path, lnum = 1, col = 1, text = vim.trim(version .. ' ' .. table.concat(tags, ' ')) }
  end
  local prompt = type(versions[1].prompt_id) == 'string' and versions[1].prompt_id or nil
  vim.fn.setqflist({}, ' ', { title = 'Versions of ' .. (prompt or '?'), items = items })
  vim.cmd('botright copen')
end

--- createVersion / revertVersion create the file through `workspace/applyEdit`: save the new
--- buffer and open it.
local function write_and_open(result)
  if type(result) ~= 'table' or type(result.path) ~= 'string' then
    return
  end
  local buf = vim.fn.bufnr(result.path)
  if buf > 0 and vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].modified then
    vim.api.nvim_buf_call(buf, function()
      vim.cmd('silent write')
    end)
  end
  vim.cmd.edit(vim.fn.fnameescape(result.path))
end

--- Runs one of the server's commands on the server. client:exec_cmd() would run the client-side
--- command of the same name (`commands` below) instead, so that one steps aside for this call.
---@param command lsp.Command
---@param ctx { client_id: integer, bufnr: integer }
---@param on_result fun(result: any)
local function on_server(command, ctx, on_result)
  local client = assert(vim.lsp.get_client_by_id(ctx.client_id))
  local own = client.commands[command.command]
  client.commands[command.command] = nil
  local ok, err = pcall(client.exec_cmd, client, command, ctx, function(e, result)
    if e then
      vim.notify(('promptls: %s failed: %s'):format(command.command, e.message), vim.log.levels.ERROR)
    else
      on_result(result)
    end
  end)
  client.commands[command.command] = own
  assert(ok, err)
end

---@type vim.lsp.Config
return {
  cmd = { 'promptls', 'serve' },
  filetypes = { 'markdown', 'yaml', 'json', 'text', 'jinja', 'prompt', 'toml', 'python' },
  root_dir = function(bufnr, on_dir)
    local fname = vim.api.nvim_buf_get_name(bufnr)
    if fname == '' then
      return
    end
    if vim.bo[bufnr].filetype == 'toml' and not vim.tbl_contains(config_files, vim.fs.basename(fname)) then
      return
    end
    local git = vim.fs.root(bufnr, '.git')
    if git then
      on_dir(git)
      return
    end
    -- Nested promptic.toml files configure subtrees of one workspace: take the outermost.
    local found = vim.fs.find(config_files, { path = vim.fs.dirname(fname), upward = true, limit = math.huge })
    on_dir(#found > 0 and vim.fs.dirname(found[#found]) or vim.fs.dirname(fname))
  end,
  -- The code lens and the code actions carry these commands: show the versions the server
  -- lists, save and open the version it creates.
  commands = {
    ['promptls.listVersions'] = function(command, ctx)
      on_server(command, ctx, show_versions)
    end,
    ['promptls.createVersion'] = function(command, ctx)
      on_server(command, ctx, write_and_open)
    end,
    ['promptls.revertVersion'] = function(command, ctx)
      on_server(command, ctx, write_and_open)
    end,
  },
  on_attach = function(client, bufnr)
    vim.api.nvim_buf_create_user_command(bufnr, 'LspPromptlsVersions', function(opts)
      local target = opts.args ~= '' and { prompt = opts.args } or { uri = vim.uri_from_bufnr(bufnr) }
      client:exec_cmd(
        { title = 'Versions', command = 'promptls.listVersions', arguments = { target } },
        { bufnr = bufnr }
      )
    end, {
      nargs = '?',
      desc = 'List the versions of the current prompt (or of the prompt given, e.g. prompts/task) in the quickfix list',
    })
    vim.api.nvim_buf_create_user_command(bufnr, 'LspPromptlsReindex', function()
      client:exec_cmd({ title = 'Reindex', command = 'promptls.reindex' }, { bufnr = bufnr }, function(err)
        if err then
          vim.notify('promptls: reindex failed: ' .. err.message, vim.log.levels.ERROR)
        else
          vim.notify('promptls: index rebuilt')
        end
      end)
    end, { desc = 'Rebuild the promptls index' })
  end,
}
