
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'authtool' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'authtool'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'authtool' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print a valid token for a profile, logging in or refreshing only when needed')
            [CompletionResult]::new('header', 'header', [CompletionResultType]::ParameterValue, 'Print the HTTP header(s) that authenticate a request (= token --format header)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a profile''s secrets in the secret store and check them')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Drop a profile''s cached token (and with --forget, its stored secrets)')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Renew a profile''s token now, even if the cached one is still valid')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every profile: provider, where its secrets come from, token expiry')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show every profile: provider, where its secrets come from, token expiry')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode the cached token (JWT header and claims) locally, without verifying it')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the config, secret store, trust roots, proxies and token endpoint')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, check or create the config file')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'git credential helper: `git config credential.helper ''!authtool git-credential''`')
            [CompletionResult]::new('docker-credential', 'docker-credential', [CompletionResultType]::ParameterValue, 'Docker credential helper protocol (install as docker-credential-authtool)')
            [CompletionResult]::new('bazel-credential', 'bazel-credential', [CompletionResultType]::ParameterValue, 'Bazel credential helper (--credential_helper; install as authtool-bazel-credential)')
            [CompletionResult]::new('keyring', 'keyring', [CompletionResultType]::ParameterValue, 'The `keyring` command for pip and uv (--keyring-provider subprocess)')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Wire a tool to a profile: writes the tool''s own config')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'authtool;token' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'The token must stay valid at least this long (e.g. 10m); renew otherwise')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Do not print the trailing newline (raw format)')
            [CompletionResult]::new('--no-newline', '--no-newline', [CompletionResultType]::ParameterName, 'Do not print the trailing newline (raw format)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the cache: fetch a new token and do not store it')
            [CompletionResult]::new('--id-token', '--id-token', [CompletionResultType]::ParameterName, 'Print the OpenID Connect ID token of the last login or refresh instead of the access token')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Log in with a browser or device code if needed, even when stderr is not a terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;header' {
            [CompletionResult]::new('--min-ttl', '--min-ttl', [CompletionResultType]::ParameterName, 'The token must stay valid at least this long (e.g. 10m); renew otherwise')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Ignore the cache: fetch a new token and do not store it')
            [CompletionResult]::new('--id-token', '--id-token', [CompletionResultType]::ParameterName, 'Print the OpenID Connect ID token of the last login or refresh instead of the access token')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Log in with a browser or device code if needed, even when stderr is not a terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;login' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--secret-stdin', '--secret-stdin', [CompletionResultType]::ParameterName, 'Read the secrets from stdin, one per line, in the order `status` lists them')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Store the secrets without fetching a token to check them')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;logout' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--forget', '--forget', [CompletionResultType]::ParameterName, 'Also delete the stored secrets and refresh tokens')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every profile in the config')
            [CompletionResult]::new('--no-revoke', '--no-revoke', [CompletionResultType]::ParameterName, 'Do not revoke the tokens at the server''s revocation endpoint (RFC 7009) first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;refresh' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Only the profile names, one per line (for the shell completion scripts)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;list' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Only the profile names, one per line (for the shell completion scripts)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;inspect' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Machine-readable output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config file and every profile in it')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the example config (with a profile per provider) to the config path')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'authtool;config;path' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;config;init' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;config;help' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config file and every profile in it')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the example config (with a profile per provider) to the config path')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'authtool;config;help;path' {
            break
        }
        'authtool;config;help;check' {
            break
        }
        'authtool;config;help;init' {
            break
        }
        'authtool;config;help;help' {
            break
        }
        'authtool;git-credential' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Forget credentials stored by this call after DURATION (store mode)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Log in with a browser or device code if needed, even when stderr is not a terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;docker-credential' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Log in with a browser or device code if needed, even when stderr is not a terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;bazel-credential' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;keyring' {
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'password: the token alone; creds: the user name and the token, on two lines')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;setup' {
            [CompletionResult]::new('--bin-dir', '--bin-dir', [CompletionResultType]::ParameterName, 'Where the links (keyring, authtool-bazel-credential, docker-credential-authtool) go [default: ~/.local/bin]')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The file to write for bazel (.bazelrc), pip (pip.conf) or uv (uv.toml) [default: ~/.bazelrc, $PIP_CONFIG_FILE or ~/.config/pip/pip.conf, $UV_CONFIG_FILE or ~/.config/uv/uv.toml]')
            [CompletionResult]::new('--index-url', '--index-url', [CompletionResultType]::ParameterName, 'pip, uv: the package index URL [default: the profile''s only `urls` entry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would change, and change nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;exec' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Log in with a browser or device code if needed, even when stderr is not a terminal')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'authtool;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'authtool;help' {
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Print a valid token for a profile, logging in or refreshing only when needed')
            [CompletionResult]::new('header', 'header', [CompletionResultType]::ParameterValue, 'Print the HTTP header(s) that authenticate a request (= token --format header)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Store a profile''s secrets in the secret store and check them')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Drop a profile''s cached token (and with --forget, its stored secrets)')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Renew a profile''s token now, even if the cached one is still valid')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every profile: provider, where its secrets come from, token expiry')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Decode the cached token (JWT header and claims) locally, without verifying it')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the config, secret store, trust roots, proxies and token endpoint')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, check or create the config file')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'git credential helper: `git config credential.helper ''!authtool git-credential''`')
            [CompletionResult]::new('docker-credential', 'docker-credential', [CompletionResultType]::ParameterValue, 'Docker credential helper protocol (install as docker-credential-authtool)')
            [CompletionResult]::new('bazel-credential', 'bazel-credential', [CompletionResultType]::ParameterValue, 'Bazel credential helper (--credential_helper; install as authtool-bazel-credential)')
            [CompletionResult]::new('keyring', 'keyring', [CompletionResultType]::ParameterValue, 'The `keyring` command for pip and uv (--keyring-provider subprocess)')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Wire a tool to a profile: writes the tool''s own config')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'authtool;help;token' {
            break
        }
        'authtool;help;header' {
            break
        }
        'authtool;help;login' {
            break
        }
        'authtool;help;logout' {
            break
        }
        'authtool;help;refresh' {
            break
        }
        'authtool;help;status' {
            break
        }
        'authtool;help;inspect' {
            break
        }
        'authtool;help;doctor' {
            break
        }
        'authtool;help;config' {
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the path of the config file in use')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate the config file and every profile in it')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the example config (with a profile per provider) to the config path')
            break
        }
        'authtool;help;config;path' {
            break
        }
        'authtool;help;config;check' {
            break
        }
        'authtool;help;config;init' {
            break
        }
        'authtool;help;git-credential' {
            break
        }
        'authtool;help;docker-credential' {
            break
        }
        'authtool;help;bazel-credential' {
            break
        }
        'authtool;help;keyring' {
            break
        }
        'authtool;help;setup' {
            break
        }
        'authtool;help;exec' {
            break
        }
        'authtool;help;completions' {
            break
        }
        'authtool;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
