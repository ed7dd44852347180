# The profile names of the config in use.
function __fish_authtool_profiles
    authtool status --names 2>/dev/null
end

# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_authtool_global_optspecs
    string join \n config= p/profile= v/verbose h/help V/version
end

function __fish_authtool_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_authtool_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_authtool_using_subcommand
    set -l cmd (__fish_authtool_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c authtool -n "__fish_authtool_needs_command" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_needs_command" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_needs_command" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_needs_command" -s V -l version -d 'Print version'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "token" -d 'Print a valid token for a profile, logging in or refreshing only when needed'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "header" -d 'Print the HTTP header(s) that authenticate a request (= token --format header)'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "login" -d 'Store a profile\'s secrets in the secret store and check them'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "logout" -d 'Drop a profile\'s cached token (and with --forget, its stored secrets)'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "refresh" -d 'Renew a profile\'s token now, even if the cached one is still valid'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "status" -d 'Show every profile: provider, where its secrets come from, token expiry'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "list" -d 'Show every profile: provider, where its secrets come from, token expiry'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "inspect" -d 'Decode the cached token (JWT header and claims) locally, without verifying it'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "doctor" -d 'Check the config, secret store, trust roots, proxies and token endpoint'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "config" -d 'Show, check or create the config file'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "git-credential" -d 'git credential helper: `git config credential.helper \'!authtool git-credential\'`'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "docker-credential" -d 'Docker credential helper protocol (install as docker-credential-authtool)'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "bazel-credential" -d 'Bazel credential helper (--credential_helper; install as authtool-bazel-credential)'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "keyring" -d 'The `keyring` command for pip and uv (--keyring-provider subprocess)'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "setup" -d 'Wire a tool to a profile: writes the tool\'s own config'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "exec" -d 'Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c authtool -n "__fish_authtool_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authtool -n "__fish_authtool_using_subcommand token" -s f -l format -d 'Output format' -r -f -a "raw\t'The bare token and a newline'
header\t'Ready HTTP headers, one per line (`Authorization: Bearer …`)'
json\t'A JSON object with the token, its expiry, headers and query parameters'
env\t'`export AUTHTOOL_TOKEN=\'…\'`, quoted for sh'
curl\t'curl config lines for `curl -K -` (`header = "…"` / `url-query = "…"`)'
query\t'Query parameters (`token=…`), URL-encoded, for APIs that take the token in the URL'
exec-credential\t'A Kubernetes ExecCredential for kubectl\'s exec plugin'"
complete -c authtool -n "__fish_authtool_using_subcommand token" -l min-ttl -d 'The token must stay valid at least this long (e.g. 10m); renew otherwise' -r
complete -c authtool -n "__fish_authtool_using_subcommand token" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand token" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand token" -s n -l no-newline -d 'Do not print the trailing newline (raw format)'
complete -c authtool -n "__fish_authtool_using_subcommand token" -l no-cache -d 'Ignore the cache: fetch a new token and do not store it'
complete -c authtool -n "__fish_authtool_using_subcommand token" -l id-token -d 'Print the OpenID Connect ID token of the last login or refresh instead of the access token'
complete -c authtool -n "__fish_authtool_using_subcommand token" -l interactive -d 'Log in with a browser or device code if needed, even when stderr is not a terminal'
complete -c authtool -n "__fish_authtool_using_subcommand token" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand header" -l min-ttl -d 'The token must stay valid at least this long (e.g. 10m); renew otherwise' -r
complete -c authtool -n "__fish_authtool_using_subcommand header" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand header" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand header" -l no-cache -d 'Ignore the cache: fetch a new token and do not store it'
complete -c authtool -n "__fish_authtool_using_subcommand header" -l id-token -d 'Print the OpenID Connect ID token of the last login or refresh instead of the access token'
complete -c authtool -n "__fish_authtool_using_subcommand header" -l interactive -d 'Log in with a browser or device code if needed, even when stderr is not a terminal'
complete -c authtool -n "__fish_authtool_using_subcommand header" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand header" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand login" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand login" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand login" -l secret-stdin -d 'Read the secrets from stdin, one per line, in the order `status` lists them'
complete -c authtool -n "__fish_authtool_using_subcommand login" -l no-verify -d 'Store the secrets without fetching a token to check them'
complete -c authtool -n "__fish_authtool_using_subcommand login" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand login" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand logout" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand logout" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand logout" -l forget -d 'Also delete the stored secrets and refresh tokens'
complete -c authtool -n "__fish_authtool_using_subcommand logout" -l all -d 'Every profile in the config'
complete -c authtool -n "__fish_authtool_using_subcommand logout" -l no-revoke -d 'Do not revoke the tokens at the server\'s revocation endpoint (RFC 7009) first'
complete -c authtool -n "__fish_authtool_using_subcommand logout" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand logout" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand refresh" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand refresh" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand refresh" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand refresh" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand status" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand status" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand status" -l json -d 'Machine-readable output'
complete -c authtool -n "__fish_authtool_using_subcommand status" -l names -d 'Only the profile names, one per line (for the shell completion scripts)'
complete -c authtool -n "__fish_authtool_using_subcommand status" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand status" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand list" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand list" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand list" -l json -d 'Machine-readable output'
complete -c authtool -n "__fish_authtool_using_subcommand list" -l names -d 'Only the profile names, one per line (for the shell completion scripts)'
complete -c authtool -n "__fish_authtool_using_subcommand list" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand list" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand inspect" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand inspect" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand inspect" -l json -d 'Machine-readable output'
complete -c authtool -n "__fish_authtool_using_subcommand inspect" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand doctor" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand doctor" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand doctor" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -f -a "path" -d 'Print the path of the config file in use'
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -f -a "check" -d 'Validate the config file and every profile in it'
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -f -a "init" -d 'Write the example config (with a profile per provider) to the config path'
complete -c authtool -n "__fish_authtool_using_subcommand config; and not __fish_seen_subcommand_from path check init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from path" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from check" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from init" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from init" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from init" -l force -d 'Overwrite an existing file'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the path of the config file in use'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate the config file and every profile in it'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write the example config (with a profile per provider) to the config path'
complete -c authtool -n "__fish_authtool_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authtool -n "__fish_authtool_using_subcommand git-credential" -l timeout -d 'Forget credentials stored by this call after DURATION (store mode)' -r
complete -c authtool -n "__fish_authtool_using_subcommand git-credential" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand git-credential" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand git-credential" -l interactive -d 'Log in with a browser or device code if needed, even when stderr is not a terminal'
complete -c authtool -n "__fish_authtool_using_subcommand git-credential" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand git-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand docker-credential" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand docker-credential" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand docker-credential" -l interactive -d 'Log in with a browser or device code if needed, even when stderr is not a terminal'
complete -c authtool -n "__fish_authtool_using_subcommand docker-credential" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand docker-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand bazel-credential" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand bazel-credential" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand bazel-credential" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand bazel-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand keyring" -l mode -d 'password: the token alone; creds: the user name and the token, on two lines' -r
complete -c authtool -n "__fish_authtool_using_subcommand keyring" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand keyring" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand keyring" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand keyring" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand setup" -l bin-dir -d 'Where the links (keyring, authtool-bazel-credential, docker-credential-authtool) go [default: ~/.local/bin]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand setup" -l file -d 'The file to write for bazel (.bazelrc), pip (pip.conf) or uv (uv.toml) [default: ~/.bazelrc, $PIP_CONFIG_FILE or ~/.config/pip/pip.conf, $UV_CONFIG_FILE or ~/.config/uv/uv.toml]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand setup" -l index-url -d 'pip, uv: the package index URL [default: the profile\'s only `urls` entry]' -r
complete -c authtool -n "__fish_authtool_using_subcommand setup" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand setup" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand setup" -l dry-run -d 'Print what would change, and change nothing'
complete -c authtool -n "__fish_authtool_using_subcommand setup" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand exec" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand exec" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand exec" -l interactive -d 'Log in with a browser or device code if needed, even when stderr is not a terminal'
complete -c authtool -n "__fish_authtool_using_subcommand exec" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c authtool -n "__fish_authtool_using_subcommand completions" -l config -d 'The config file [default: $AUTHTOOL_CONFIG, else the platform config dir]' -r -F
complete -c authtool -n "__fish_authtool_using_subcommand completions" -s p -l profile -d 'The profile to use [default: $AUTHTOOL_PROFILE, else default_profile, else the only one]' -r -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand completions" -s v -l verbose -d 'Explain what happens on stderr (cache hits, renewals, requests); secrets are never shown'
complete -c authtool -n "__fish_authtool_using_subcommand completions" -s h -l help -d 'Print help'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "token" -d 'Print a valid token for a profile, logging in or refreshing only when needed'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "header" -d 'Print the HTTP header(s) that authenticate a request (= token --format header)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "login" -d 'Store a profile\'s secrets in the secret store and check them'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "logout" -d 'Drop a profile\'s cached token (and with --forget, its stored secrets)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "refresh" -d 'Renew a profile\'s token now, even if the cached one is still valid'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "status" -d 'Show every profile: provider, where its secrets come from, token expiry'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "inspect" -d 'Decode the cached token (JWT header and claims) locally, without verifying it'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "doctor" -d 'Check the config, secret store, trust roots, proxies and token endpoint'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "config" -d 'Show, check or create the config file'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "git-credential" -d 'git credential helper: `git config credential.helper \'!authtool git-credential\'`'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "docker-credential" -d 'Docker credential helper protocol (install as docker-credential-authtool)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "bazel-credential" -d 'Bazel credential helper (--credential_helper; install as authtool-bazel-credential)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "keyring" -d 'The `keyring` command for pip and uv (--keyring-provider subprocess)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "setup" -d 'Wire a tool to a profile: writes the tool\'s own config'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "exec" -d 'Run a command with the token in its environment ($AUTHTOOL_TOKEN, $AUTHTOOL_AUTH_HEADER)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c authtool -n "__fish_authtool_using_subcommand help; and not __fish_seen_subcommand_from token header login logout refresh status inspect doctor config git-credential docker-credential bazel-credential keyring setup exec completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c authtool -n "__fish_authtool_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the path of the config file in use'
complete -c authtool -n "__fish_authtool_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate the config file and every profile in it'
complete -c authtool -n "__fish_authtool_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write the example config (with a profile per provider) to the config path'
complete -c authtool -n "__fish_authtool_using_subcommand token" -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand header" -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand login" -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand logout" -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand refresh" -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand exec" -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand inspect" -f -a "(__fish_authtool_profiles)"
complete -c authtool -n "__fish_authtool_using_subcommand doctor" -f -a "(__fish_authtool_profiles)"
