#!/usr/bin/env bash
# The test command (README: "Run the tests"). Runs the whole suite; arguments
# go to `cargo test` (`scripts/test.sh store::`, `scripts/test.sh -- --nocapture`).
#
# The tests that need the real OS keychain (`real_keychain` in their names) or
# the kernel keyring (`kernel_keyring`) are `#[ignore]`d. This script selects
# them when it can give them what they need: the keychain tests run inside a
# private D-Bus session with an unlocked gnome-keyring (when dbus-run-session
# and gnome-keyring-daemon are installed; `.ci/run` installs them), the kernel
# keyring test inside a `keyctl session` (keyutils, where the kernel lets us).
# The OAuth flow tests against the real OpenID server (`oidc_provider` in
# their names) need node and tests/oidc/node_modules: this script runs
# `npm ci` there when node and npm are installed and the modules are not.
# Otherwise they stay out, and cargo's summary counts them as ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

keychain=0 kernel=0
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  keychain=1
else
  echo "note: dbus-run-session or gnome-keyring-daemon not installed: the real-keychain tests stay ignored (install gnome-keyring and dbus-x11, or run .ci/run)" >&2
fi
# Container seccomp filters may refuse a new session keyring.
if command -v keyctl >/dev/null 2>&1 && keyctl session - true >/dev/null 2>&1; then
  kernel=1
else
  echo "note: no kernel keyring session (keyctl missing or not permitted): the kernel-keyring test stays ignored (install keyutils)" >&2
fi

oidc=0
if [ ! -e tests/oidc/node_modules/oidc-provider/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
    echo "note: npm ci in tests/oidc failed" >&2
fi
if command -v node >/dev/null 2>&1 && [ -e tests/oidc/node_modules/oidc-provider/package.json ]; then
  oidc=1
else
  echo "note: node or tests/oidc/node_modules missing: the oidc_provider tests stay ignored (install nodejs and npm, or run .ci/run)" >&2
fi

# Each run goes through `session`: a fresh kernel session keyring, and a
# private D-Bus session with an unlocked gnome-keyring, as far as available.
session=()
if [ $kernel = 1 ]; then
  export AUTHTOOL_TEST_KERNEL_KEYRING=1
  session+=(keyctl session -)
fi
if [ $keychain = 1 ]; then
  export AUTHTOOL_TEST_KEYRING=1
  # The test session gets a HOME and XDG dirs of its own, so its keyring
  # daemon never creates, unlocks or talks to the user's real login keyring
  # (gnome-keyring keeps keyrings under $XDG_DATA_HOME and finds a running
  # daemon through $XDG_RUNTIME_DIR). cargo and rustup keep their homes.
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
  session_home=$(mktemp -d "${TMPDIR:-/tmp}/authtool-keyring.XXXXXX")
  trap 'rm -rf "$session_home"' EXIT
  mkdir -m 700 "$session_home/run"
  export HOME="$session_home" XDG_RUNTIME_DIR="$session_home/run"
  export XDG_DATA_HOME="$session_home/data" XDG_CONFIG_HOME="$session_home/config" XDG_CACHE_HOME="$session_home/cache"
  session+=(dbus-run-session -- bash -c '
    set -euo pipefail
    printf %s "authtool-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$@"
  ' bash)
fi
run() { "${session[@]}" cargo test --locked --all-targets "$@"; }

# The caller's arguments plus libtest's (`--` once).
libtest=("$@")
dashdash=0
for a in "$@"; do [ "$a" = -- ] && dashdash=1; done
[ $dashdash = 1 ] || libtest+=(--)

# The markers of the ignored tests whose needs are missing.
missing=()
[ $keychain = 1 ] || missing+=(--skip real_keychain)
[ $kernel = 1 ] || missing+=(--skip kernel_keyring)
[ $oidc = 1 ] || missing+=(--skip oidc_provider)

if [ ${#missing[@]} = 0 ]; then
  run "${libtest[@]}" --include-ignored
elif [ ${#missing[@]} -lt 6 ]; then
  # The tests whose needs are missing must show as ignored: a first run
  # leaves every ignored test out, a second runs those that can run.
  run "$@"
  run "${libtest[@]}" --ignored "${missing[@]}"
else
  run "$@"
fi
