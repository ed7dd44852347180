
use builtin;
use str;

set edit:completion:arg-completer[authtool] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'authtool'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'authtool'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand token 'Print a valid token for a profile, logging in or refreshing only when needed'
            cand header 'Print the HTTP header(s) that authenticate a request (= token --format header)'
            cand login 'Store a profile''s secrets in the secret store and check them'
            cand logout 'Drop a profile''s cached token (and with --forget, its stored secrets)'
            cand refresh 'Renew a profile''s token now, even if the cached one is still valid'
            cand status 'Show every profile: provider, where its secrets come from, token expiry'
            cand list 'Show every profile: provider, where its secrets come from, token expiry'
            cand inspect 'Decode the cached token (JWT header and claims) locally, without verifying it'
            cand doctor 'Check the config, secret store, trust roots, proxies and token endpoint'
            cand config 'Show, check or create the config file'
            cand git-credential 'git credential helper: `git config credential.helper ''!authtool git-credential''`'
            cand docker-credential 'Docker credential helper protocol (install as docker-credential-authtool)'
            cand bazel-credential 'Bazel credential helper (--credential_helper; install as authtool-bazel-credential)'
            cand keyring 'The `keyring` command for pip and uv (--keyring-provider subprocess)'
            cand setup 'Wire a tool to a profile: writes the tool''s own config'
            cand exec 'Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'authtool;token'= {
            cand -f 'Output format'
            cand --format 'Output format'
            cand --min-ttl 'The token must stay valid at least this long (e.g. 10m); renew otherwise'
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -n 'Do not print the trailing newline (raw format)'
            cand --no-newline 'Do not print the trailing newline (raw format)'
            cand --no-cache 'Ignore the cache: fetch a new token and do not store it'
            cand --id-token 'Print the OpenID Connect ID token of the last login or refresh instead of the access token'
            cand --interactive 'Log in with a browser or device code if needed, even when stderr is not a terminal'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;header'= {
            cand --min-ttl 'The token must stay valid at least this long (e.g. 10m); renew otherwise'
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --no-cache 'Ignore the cache: fetch a new token and do not store it'
            cand --id-token 'Print the OpenID Connect ID token of the last login or refresh instead of the access token'
            cand --interactive 'Log in with a browser or device code if needed, even when stderr is not a terminal'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;login'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --secret-stdin 'Read the secrets from stdin, one per line, in the order `status` lists them'
            cand --no-verify 'Store the secrets without fetching a token to check them'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;logout'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --forget 'Also delete the stored secrets and refresh tokens'
            cand --all 'Every profile in the config'
            cand --no-revoke 'Do not revoke the tokens at the server''s revocation endpoint (RFC 7009) first'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;refresh'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;status'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --json 'Machine-readable output'
            cand --names 'Only the profile names, one per line (for the shell completion scripts)'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;list'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --json 'Machine-readable output'
            cand --names 'Only the profile names, one per line (for the shell completion scripts)'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;inspect'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --json 'Machine-readable output'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;doctor'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;config'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
            cand path 'Print the path of the config file in use'
            cand check 'Validate the config file and every profile in it'
            cand init 'Write the example config (with a profile per provider) to the config path'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'authtool;config;path'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;config;check'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;config;init'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --force 'Overwrite an existing file'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;config;help'= {
            cand path 'Print the path of the config file in use'
            cand check 'Validate the config file and every profile in it'
            cand init 'Write the example config (with a profile per provider) to the config path'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'authtool;config;help;path'= {
        }
        &'authtool;config;help;check'= {
        }
        &'authtool;config;help;init'= {
        }
        &'authtool;config;help;help'= {
        }
        &'authtool;git-credential'= {
            cand --timeout 'Forget credentials stored by this call after DURATION (store mode)'
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --interactive 'Log in with a browser or device code if needed, even when stderr is not a terminal'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;docker-credential'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --interactive 'Log in with a browser or device code if needed, even when stderr is not a terminal'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;bazel-credential'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;keyring'= {
            cand --mode 'password: the token alone; creds: the user name and the token, on two lines'
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;setup'= {
            cand --bin-dir 'Where the links (keyring, authtool-bazel-credential, docker-credential-authtool) go [default: ~/.local/bin]'
            cand --file 'The file to write for bazel (.bazelrc), pip (pip.conf) or uv (uv.toml) [default: ~/.bazelrc, $PIP_CONFIG_FILE or ~/.config/pip/pip.conf, $UV_CONFIG_FILE or ~/.config/uv/uv.toml]'
            cand --index-url 'pip, uv: the package index URL [default: the profile''s only `urls` entry]'
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --dry-run 'Print what would change, and change nothing'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;exec'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --interactive 'Log in with a browser or device code if needed, even when stderr is not a terminal'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'authtool;completions'= {
            cand --config 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]'
            cand -p 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand --profile 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]'
            cand -v 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand --verbose 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'authtool;help'= {
            cand token 'Print a valid token for a profile, logging in or refreshing only when needed'
            cand header 'Print the HTTP header(s) that authenticate a request (= token --format header)'
            cand login 'Store a profile''s secrets in the secret store and check them'
            cand logout 'Drop a profile''s cached token (and with --forget, its stored secrets)'
            cand refresh 'Renew a profile''s token now, even if the cached one is still valid'
            cand status 'Show every profile: provider, where its secrets come from, token expiry'
            cand inspect 'Decode the cached token (JWT header and claims) locally, without verifying it'
            cand doctor 'Check the config, secret store, trust roots, proxies and token endpoint'
            cand config 'Show, check or create the config file'
            cand git-credential 'git credential helper: `git config credential.helper ''!authtool git-credential''`'
            cand docker-credential 'Docker credential helper protocol (install as docker-credential-authtool)'
            cand bazel-credential 'Bazel credential helper (--credential_helper; install as authtool-bazel-credential)'
            cand keyring 'The `keyring` command for pip and uv (--keyring-provider subprocess)'
            cand setup 'Wire a tool to a profile: writes the tool''s own config'
            cand exec 'Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'authtool;help;token'= {
        }
        &'authtool;help;header'= {
        }
        &'authtool;help;login'= {
        }
        &'authtool;help;logout'= {
        }
        &'authtool;help;refresh'= {
        }
        &'authtool;help;status'= {
        }
        &'authtool;help;inspect'= {
        }
        &'authtool;help;doctor'= {
        }
        &'authtool;help;config'= {
            cand path 'Print the path of the config file in use'
            cand check 'Validate the config file and every profile in it'
            cand init 'Write the example config (with a profile per provider) to the config path'
        }
        &'authtool;help;config;path'= {
        }
        &'authtool;help;config;check'= {
        }
        &'authtool;help;config;init'= {
        }
        &'authtool;help;git-credential'= {
        }
        &'authtool;help;docker-credential'= {
        }
        &'authtool;help;bazel-credential'= {
        }
        &'authtool;help;keyring'= {
        }
        &'authtool;help;setup'= {
        }
        &'authtool;help;exec'= {
        }
        &'authtool;help;completions'= {
        }
        &'authtool;help;help'= {
        }
    ]
    $completions[$command]
}
