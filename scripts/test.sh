#!/usr/bin/env bash
# The test command (README: "Run the tests"). Runs the whole suite; the tests
# that need the real OS keychain run inside a private D-Bus session with an
# unlocked gnome-keyring when those programs are installed (`.ci/run`
# installs them), and are skipped with a printed reason otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests() {
  cargo test --locked --all-targets "$@"
}

if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
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
  # keyctl session: a fresh kernel session keyring for the kernel-store
  # tests (where the kernel lets us: container seccomp filters may not).
  wrap=()
  if command -v keyctl >/dev/null 2>&1 && keyctl session - true >/dev/null 2>&1; then
    wrap=(keyctl session -)
    export AUTHTOOL_TEST_KERNEL_KEYRING=1
  else
    echo "note: no kernel keyring session (keyctl missing or not permitted): the kernel-store test will be skipped" >&2
  fi
  "${wrap[@]}" dbus-run-session -- bash -c '
    set -euo pipefail
    printf %s "authtool-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    cargo test --locked --all-targets "$@"
  ' bash "$@"
else
  echo "note: dbus-run-session or gnome-keyring-daemon not installed: the real-keychain tests will be skipped (install gnome-keyring and dbus-x11, or run .ci/run)" >&2
  run_tests "$@"
fi
