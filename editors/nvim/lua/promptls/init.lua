--- promptls for Neovim: starts `promptls serve` for prompt files, Python files and promptic
--- config files, and adds the version commands :PromptVersions, :PromptNewVersion,
--- :PromptRevert and :PromptDiff. See :help promptls.
---
--- Two ways in: on Neovim 0.11+ `vim.lsp.enable('promptls')` (the config is lsp/promptls.lua,
--- plugin/promptls.lua adds the commands to every buffer the client attaches to); on 0.10+
--- `require('promptls').setup{}`, which starts the server with its own autocommands.
local M = {}

local uv = vim.uv or vim.loop

M.prompt_extensions = { 'md', 'markdown', 'yaml', 'yml', 'json', 'jinja2', 'jinja', 'j2', 'txt', 'prompt' }

--- The filetypes of those files, of Python and of the config files: what `vim.lsp.enable()`
--- starts the server for (lsp/promptls.lua). TOML buffers other than `filenames` are left alone.
M.filetypes = { 'markdown', 'yaml', 'json', 'text', 'jinja', 'prompt', 'toml', 'python' }

--- Filetype detection for the prompt extensions Neovim does not know (or not all versions do).
M.filetype_rules = {
  extension = { prompt = 'prompt', j2 = 'jinja', jinja = 'jinja', jinja2 = 'jinja' },
}

local defaults = {
  -- The server command. The binary from `cargo install --path .` lands in ~/.cargo/bin.
  cmd = { 'promptls', 'serve' },
  -- Files that start (or attach to) the server.
  extensions = M.prompt_extensions,
  filenames = { 'promptic.toml', 'pyproject.toml' },
  filetypes = { 'python' },
  -- Root detection: the nearest folder with `.git`; else the OUTERMOST folder with one of
  -- `root_markers` (nested promptic.toml files configure a subtree, they are not new roots);
  -- else the file's folder.
  root_markers = { 'promptic.toml', 'pyproject.toml' },
  -- promptic VersioningConfig fields (delimiter, delimiters, version_pattern,
  -- include_prerelease, prerelease_order, classifiers); the workspace's config files win.
  versioning = nil,
  -- `server.*` settings passed to the server as they are.
  server = nil,
  -- Extra fields for vim.lsp.start(): capabilities, handlers, on_attach, ...
  on_attach = nil,
  capabilities = nil,
  handlers = nil,
  -- Where :PromptVersions shows its list: 'quickfix' or 'float'.
  versions_view = 'quickfix',
  -- Open the file that :PromptNewVersion / :PromptRevert created.
  open_new_version = true,
  -- Define the user commands.
  commands = true,
}

M.config = vim.deepcopy(defaults)

local function notify(msg, level)
  vim.notify('promptls: ' .. msg, level or vim.log.levels.INFO)
end

local has_011 = vim.fn.has('nvim-0.11') == 1

--- client:request() on 0.11+, client.request() before.
local function request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function get_clients(filter)
  return (vim.lsp.get_clients or vim.lsp.get_active_clients)(filter)
end

--- The promptls client of a buffer (or any promptls client when the buffer has none).
function M.client(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local clients = get_clients({ name = 'promptls', bufnr = bufnr })
  if #clients == 0 then
    clients = get_clients({ name = 'promptls' })
  end
  return clients[1]
end

local function is_prompt_file(name)
  local ext = name:match('%.([^./\\]+)$')
  return ext ~= nil and vim.tbl_contains(M.config.extensions, ext:lower())
end

--- Root folder for a file (see `root_markers`).
function M.find_root(fname)
  if fname == nil or fname == '' then
    return uv.cwd()
  end
  local start = vim.fs.dirname(vim.fs.normalize(fname))
  local git = vim.fs.find('.git', { path = start, upward = true, limit = 1 })[1]
  if git then
    return vim.fs.dirname(git)
  end
  local outermost
  for dir in vim.fs.parents(fname) do
    for _, marker in ipairs(M.config.root_markers) do
      if uv.fs_stat(dir .. '/' .. marker) then
        outermost = dir
        break
      end
    end
  end
  return outermost or start
end

local function init_options()
  local opts = {}
  if M.config.versioning and next(M.config.versioning) then
    opts.versioning = M.config.versioning
  end
  if M.config.server and next(M.config.server) then
    opts.server = M.config.server
  end
  return opts
end

local function under(path, root)
  path = vim.fs.normalize(path)
  root = vim.fs.normalize(root)
  return path == root or path:sub(1, #root + 1) == root .. '/'
end

--- Whether a buffer is one the server is for: a file, and among TOML files only `filenames`
--- (promptic.toml, pyproject.toml).
function M.wants(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return false
  end
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' then
    return false
  end
  if vim.bo[bufnr].filetype == 'toml' then
    return vim.tbl_contains(M.config.filenames, vim.fs.basename(fname))
  end
  return true
end

--- `root_dir` of the vim.lsp.Config (lsp/promptls.lua): the rule of `find_root`, so one server
--- serves a workspace with nested promptic.toml files. Buffers the server is not for get none.
function M.root_dir(bufnr, on_dir)
  if M.wants(bufnr) then
    on_dir(M.find_root(vim.api.nvim_buf_get_name(bufnr)))
  end
end

--- `reuse_client` of the vim.lsp.Config: a running promptls client serves every root inside its
--- own (as `start()` attaches a file to the client whose root holds it).
function M.reuse_client(client, config)
  if client.name ~= config.name or (client.is_stopped and client:is_stopped()) then
    return false
  end
  local root, client_root = config.root_dir, client.config.root_dir
  return type(root) == 'string' and type(client_root) == 'string' and under(root, client_root)
end

--- The vim.lsp.start() config for a buffer.
function M.lsp_config(bufnr)
  local fname = vim.api.nvim_buf_get_name(bufnr)
  local opts = init_options()
  return {
    name = 'promptls',
    cmd = M.config.cmd,
    root_dir = M.find_root(fname),
    init_options = opts,
    settings = opts,
    capabilities = M.config.capabilities,
    handlers = M.config.handlers,
    on_attach = M.config.on_attach,
  }
end

--- Starts promptls for a buffer, or attaches the buffer to the running client whose root holds it.
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].buftype ~= '' then
    return
  end
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' then
    return
  end
  local cmd0 = type(M.config.cmd) == 'table' and M.config.cmd[1] or nil
  if cmd0 and vim.fn.executable(cmd0) ~= 1 then
    if not M._warned_missing then
      M._warned_missing = true
      notify(
        ('server binary %q not found: install it with `cargo install --path .` (in the promptls repository) or pass cmd = { "/path/to/promptls", "serve" } to setup{}'):format(
          cmd0
        ),
        vim.log.levels.ERROR
      )
    end
    return
  end
  local config = M.lsp_config(bufnr)
  return vim.lsp.start(config, {
    bufnr = bufnr,
    reuse_client = function(client, conf)
      return client.name == conf.name and client.config.root_dir ~= nil and under(fname, client.config.root_dir)
    end,
  })
end

-- ---------------------------------------------------------------------------------------------
-- Commands

--- workspace/executeCommand with the single-object argument convention of the server.
--- `callback(err, result)` runs on the main loop.
function M.execute(command, args, callback, bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    local err = { message = 'promptls is not running for this buffer' }
    if callback then
      callback(err, nil)
    else
      notify(err.message, vim.log.levels.ERROR)
    end
    return
  end
  request(client, 'workspace/executeCommand', { command = command, arguments = { args } }, function(err, result)
    if callback then
      callback(err, result)
    elseif err then
      notify(command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end, bufnr)
end

local function buf_uri(bufnr)
  return vim.uri_from_bufnr(bufnr or vim.api.nvim_get_current_buf())
end

local function classifiers_text(v)
  local parts = {}
  for k, val in pairs(v.classifiers or {}) do
    parts[#parts + 1] = k .. '=' .. val
  end
  table.sort(parts)
  return table.concat(parts, ',')
end

local function same_variant(a, b)
  return classifiers_text(a) == classifiers_text(b)
end

local function str(x)
  return type(x) == 'string' and x or nil
end

local function version_label(v)
  return str(v.version) or '(unversioned)'
end

local function version_line(v)
  local tags = {}
  if v.latest then
    tags[#tags + 1] = 'latest'
  end
  if v.prerelease and v.prerelease ~= vim.NIL then
    tags[#tags + 1] = 'prerelease'
  end
  local cls = classifiers_text(v)
  if cls ~= '' then
    tags[#tags + 1] = cls
  end
  local date = type(v.created_at) == 'string' and v.created_at:gsub('T', ' '):sub(1, 16) or ''
  local title = ''
  if str(v.title) and v.title ~= vim.fs.basename(str(v.path) or '') then
    title = '  ' .. v.title
  end
  return ('%-14s %-16s %s%s'):format(version_label(v), date, #tags > 0 and ('[' .. table.concat(tags, ' ') .. ']') or '', title)
end

--- The target of a versions request: `{prompt = ARG}` or `{uri = current buffer}`.
local function target(arg, bufnr)
  if arg and arg ~= '' then
    return { prompt = arg }
  end
  return { uri = buf_uri(bufnr) }
end

--- listVersions; `callback(versions)` gets a list (empty on error, with a message).
function M.list_versions(arg, callback, bufnr)
  M.execute('promptls.listVersions', target(arg, bufnr), function(err, result)
    if err then
      notify('listVersions failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return callback({})
    end
    callback(type(result) == 'table' and result or {})
  end, bufnr)
end

local function show_float(title, lines, versions)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local width = 20
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = math.min(width + 2, vim.o.columns - 4),
    height = math.min(#lines, vim.o.lines - 6),
    row = 2,
    col = math.floor((vim.o.columns - width) / 2),
    style = 'minimal',
    border = 'rounded',
    title = ' ' .. title .. ' ',
  })
  local function open()
    local v = versions[vim.api.nvim_win_get_cursor(win)[1]]
    vim.api.nvim_win_close(win, true)
    if v then
      vim.cmd.edit(vim.fn.fnameescape(v.path))
    end
  end
  vim.keymap.set('n', '<CR>', open, { buffer = buf, nowait = true })
  vim.keymap.set('n', 'q', '<cmd>close<CR>', { buffer = buf, nowait = true })
  vim.keymap.set('n', '<Esc>', '<cmd>close<CR>', { buffer = buf, nowait = true })
end

--- :PromptVersions [prompt] — every version, newest first, in the quickfix list (or a float).
--- `arg` is a prompt name (`prompts/task`), nil for the current buffer, or a request table
--- (`{uri = …}` / `{prompt = …}`, as the server's code lens sends).
function M.show_versions(arg, view)
  local bufnr = vim.api.nvim_get_current_buf()
  local function list(callback)
    if type(arg) == 'table' then
      return M.execute('promptls.listVersions', arg, function(err, result)
        if err then
          notify('listVersions failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        end
        callback(type(result) == 'table' and result or {})
      end, bufnr)
    end
    M.list_versions(arg, callback, bufnr)
  end
  list(function(versions)
    if #versions == 0 then
      return notify('no versions found', vim.log.levels.WARN)
    end
    local title = 'Versions of ' .. (str(versions[1].prompt_id) or (type(arg) == 'string' and arg) or '?')
    view = view or M.config.versions_view
    if view == 'float' then
      local lines = {}
      for _, v in ipairs(versions) do
        lines[#lines + 1] = version_line(v)
      end
      return show_float(title, lines, versions)
    end
    local items = {}
    for _, v in ipairs(versions) do
      items[#items + 1] = { filename = v.path, lnum = 1, col = 1, text = version_line(v) }
    end
    vim.fn.setqflist({}, ' ', { title = title, items = items })
    vim.cmd('botright copen')
  end, bufnr)
end

local function save_and_open(result, what)
  if type(result) ~= 'table' or type(result.path) ~= 'string' then
    return
  end
  -- The edit came as workspace/applyEdit (CreateFile + insert): write the new buffer to disk.
  local created = vim.fn.bufnr(result.path)
  if created > 0 and vim.api.nvim_buf_is_loaded(created) and vim.bo[created].modified then
    vim.api.nvim_buf_call(created, function()
      vim.cmd('silent write')
    end)
  end
  if M.config.open_new_version then
    vim.cmd.edit(vim.fn.fnameescape(result.path))
  end
  notify(('%s %s (%s)'):format(what, str(result.id) or result.path, version_label(result)))
end

local valid_bumps = { major = true, minor = true, patch = true, prerelease = true }

local function run_create(args, bufnr)
  M.execute('promptls.createVersion', args, function(err, result)
    if err then
      return notify('createVersion failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    save_and_open(result, 'created')
  end, bufnr)
end

--- :PromptNewVersion [bump] [label] — new version of the current prompt file. Without a bump,
--- offers the server's "Create version …" code actions (the recommended one first).
function M.new_version(bump, label)
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].modified then
    vim.cmd('silent write')
  end
  if bump and bump ~= '' then
    if not valid_bumps[bump] then
      return notify('bump must be major, minor, patch or prerelease, not ' .. bump, vim.log.levels.ERROR)
    end
    local args = { uri = buf_uri(bufnr), bump = bump }
    if label and label ~= '' then
      args.label = label
    end
    return run_create(args, bufnr)
  end
  local client = M.client(bufnr)
  if not client then
    return notify('promptls is not running for this buffer', vim.log.levels.ERROR)
  end
  local params = {
    textDocument = { uri = buf_uri(bufnr) },
    range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
    context = { diagnostics = {}, triggerKind = 1 },
  }
  request(client, 'textDocument/codeAction', params, function(err, actions)
    local choices = {}
    if not err and type(actions) == 'table' then
      for _, a in ipairs(actions) do
        local cmd = type(a.command) == 'table' and a.command or (type(a.command) == 'string' and a or nil)
        local kind = type(a.kind) == 'string' and a.kind or ''
        if cmd and (kind:find('refactor.promptls.createVersion', 1, true) == 1 or cmd.command == 'promptls.createVersion') then
          choices[#choices + 1] = { title = a.title, preferred = a.isPreferred == true, command = cmd }
        end
      end
    end
    table.sort(choices, function(x, y)
      return x.preferred and not y.preferred
    end)
    if #choices == 0 then
      for _, b in ipairs({ 'patch', 'minor', 'major', 'prerelease' }) do
        choices[#choices + 1] = {
          title = b,
          command = { command = 'promptls.createVersion', arguments = { { uri = buf_uri(bufnr), bump = b } } },
        }
      end
    end
    vim.ui.select(choices, {
      prompt = 'New version (recommended first):',
      format_item = function(c)
        return c.title .. (c.preferred and '  (recommended)' or '')
      end,
    }, function(choice)
      if not choice then
        return
      end
      local cmd = choice.command
      M.execute(cmd.command, (cmd.arguments or {})[1], function(e, result)
        if e then
          return notify(cmd.command .. ' failed: ' .. (e.message or vim.inspect(e)), vim.log.levels.ERROR)
        end
        save_and_open(result, 'created')
      end, bufnr)
    end)
  end, bufnr)
end

--- :PromptRevert [version] — a new version whose content is an older one's (history stays).
function M.revert(version)
  local bufnr = vim.api.nvim_get_current_buf()
  local function run(v)
    M.execute('promptls.revertVersion', { uri = buf_uri(bufnr), version = v }, function(err, result)
      if err then
        return notify('revertVersion failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      end
      save_and_open(result, 'reverted to ' .. v .. ' as')
    end, bufnr)
  end
  if version and version ~= '' then
    return run(version)
  end
  local current = vim.fs.normalize(vim.api.nvim_buf_get_name(bufnr))
  M.list_versions(nil, function(versions)
    local self
    for _, v in ipairs(versions) do
      if vim.fs.normalize(v.path) == current then
        self = v
      end
    end
    -- Other versions of the same variant.
    local others = vim.tbl_filter(function(v)
      return str(v.version) ~= nil and vim.fs.normalize(v.path) ~= current and (self == nil or same_variant(v, self))
    end, versions)
    if #others == 0 then
      return notify('no other version to revert to', vim.log.levels.WARN)
    end
    vim.ui.select(others, { prompt = 'Revert to version:', format_item = version_line }, function(choice)
      if choice then
        run(choice.version)
      end
    end)
  end, bufnr)
end

--- :PromptDiff — diff the current version with the previous one of the same variant.
function M.diff_previous()
  local bufnr = vim.api.nvim_get_current_buf()
  local current = vim.fs.normalize(vim.api.nvim_buf_get_name(bufnr))
  M.list_versions(nil, function(versions)
    local self
    for _, v in ipairs(versions) do
      if vim.fs.normalize(v.path) == current then
        self = v
      end
    end
    if not self then
      return notify('this file is not a versioned prompt', vim.log.levels.WARN)
    end
    local found = false
    for _, v in ipairs(versions) do
      if found and same_variant(v, self) then
        vim.cmd('diffthis')
        vim.cmd('vertical leftabove diffsplit ' .. vim.fn.fnameescape(v.path))
        return
      end
      if v == self then
        found = true
      end
    end
    notify(version_label(self) .. ' is the first version of ' .. (str(self.prompt_id) or '?'))
  end, bufnr)
end

function M.reindex()
  M.execute('promptls.reindex', nil, function(err)
    if err then
      return notify('reindex failed: ' .. (err.message or ''), vim.log.levels.ERROR)
    end
    notify('reindexed')
  end)
end

--- For a statusline: the server's progress message while it indexes, else ''.
function M.status()
  local ok, s = pcall(vim.lsp.status)
  return ok and s or ''
end

--- Client-side handlers for the server's commands when they come from a code lens or a code
--- action (vim.lsp.buf.code_action(), vim.lsp.codelens.run()): listVersions shows the list
--- instead of dropping it; createVersion / revertVersion write and open the new file.
local function register_lsp_commands()
  vim.lsp.commands['promptls.listVersions'] = function(command)
    M.show_versions((command.arguments or {})[1])
  end
  for _, name in ipairs({ 'promptls.createVersion', 'promptls.revertVersion' }) do
    vim.lsp.commands[name] = function(command, ctx)
      M.execute(name, (command.arguments or {})[1], function(err, result)
        if err then
          return notify(name .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        end
        save_and_open(result, name == 'promptls.createVersion' and 'created' or 'reverted as')
      end, ctx and ctx.bufnr)
    end
  end
end

--- The user commands: global (setup{}), or local to `bufnr` (a buffer the client attached to).
local function create_commands(bufnr)
  local cmd = vim.api.nvim_create_user_command
  if bufnr then
    cmd = function(name, fn, opts)
      vim.api.nvim_buf_create_user_command(bufnr, name, fn, opts)
    end
  end
  cmd('PromptVersions', function(o)
    M.show_versions(o.args, o.bang and 'float' or nil)
  end, { nargs = '?', bang = true, desc = 'promptls: list the versions of the current prompt (! = floating window)' })
  cmd('PromptNewVersion', function(o)
    M.new_version(o.fargs[1], o.fargs[2])
  end, {
    nargs = '*',
    desc = 'promptls: create a new version (major|minor|patch|prerelease [label])',
    complete = function(_, line)
      if #vim.split(line, '%s+') > 2 then
        return {}
      end
      return { 'patch', 'minor', 'major', 'prerelease' }
    end,
  })
  cmd('PromptRevert', function(o)
    M.revert(o.args)
  end, { nargs = '?', desc = 'promptls: create a new version from an older one' })
  cmd('PromptDiff', M.diff_previous, { desc = 'promptls: diff with the previous version' })
  cmd('PromptReindex', M.reindex, { desc = 'promptls: rebuild the index' })
end

--- For each buffer the promptls client attaches to, whoever started it (vim.lsp.enable(),
--- setup{}, nvim-lspconfig): the client-side handlers of the server's commands, and the user
--- commands local to the buffer unless setup{} defined them globally or `commands` is off.
function M.attach(bufnr)
  register_lsp_commands()
  if M.config.commands and not M._global_commands and vim.api.nvim_buf_is_valid(bufnr) then
    create_commands(bufnr)
  end
end

--- Filetype detection and the LspAttach hook; plugin/promptls.lua and lsp/promptls.lua call it,
--- so it runs whether or not the plugin manager sourced plugin/. Runs once.
function M.bootstrap()
  if M._bootstrapped then
    return
  end
  M._bootstrapped = true
  vim.filetype.add(M.filetype_rules)
  vim.api.nvim_create_autocmd('LspAttach', {
    group = vim.api.nvim_create_augroup('promptls.attach', { clear = true }),
    desc = 'promptls: version commands in buffers the promptls client attaches to',
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == 'promptls' then
        M.attach(ev.buf)
      end
    end,
  })
end

--- require('promptls').setup{ ... } — see :help promptls-setup.
function M.setup(opts)
  if vim.fn.has('nvim-0.10') ~= 1 then
    return notify('needs Neovim 0.10 or newer', vim.log.levels.ERROR)
  end
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  if type(M.config.cmd) == 'string' then
    M.config.cmd = { M.config.cmd, 'serve' }
  end
  M._warned_missing = false
  M._setup_called = true
  M.bootstrap()
  if M.config.commands then
    create_commands()
    M._global_commands = true
  end
  register_lsp_commands()

  local group = vim.api.nvim_create_augroup('promptls', { clear = true })
  local patterns = {}
  for _, ext in ipairs(M.config.extensions) do
    patterns[#patterns + 1] = '*.' .. ext
  end
  for _, name in ipairs(M.config.filenames) do
    patterns[#patterns + 1] = name
  end
  vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
    group = group,
    pattern = patterns,
    callback = function(ev)
      M.start(ev.buf)
    end,
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(ev)
      M.start(ev.buf)
    end,
  })
  -- Buffers that were open before setup{} ran.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      local name = vim.api.nvim_buf_get_name(buf)
      local base = vim.fs.basename(name)
      if is_prompt_file(name) or vim.tbl_contains(M.config.filenames, base) or vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
        M.start(buf)
      end
    end
  end

  -- 0.11+: pass the options on to the vim.lsp.Config of lsp/promptls.lua (its root rule stays),
  -- so `vim.lsp.enable('promptls')` after setup{} starts the same server the same way.
  if has_011 and vim.lsp.config then
    local filetypes = vim.deepcopy(M.filetypes)
    for _, ft in ipairs(M.config.filetypes) do
      if not vim.tbl_contains(filetypes, ft) then
        filetypes[#filetypes + 1] = ft
      end
    end
    pcall(vim.lsp.config, 'promptls', {
      cmd = M.config.cmd,
      filetypes = filetypes,
      root_dir = M.root_dir,
      reuse_client = M.reuse_client,
      init_options = init_options(),
      settings = init_options(),
      capabilities = M.config.capabilities,
      handlers = M.config.handlers,
      on_attach = M.config.on_attach,
    })
  end
end

return M
