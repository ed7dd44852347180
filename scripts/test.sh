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
  # keyctl session: a fresh kernel session keyring for the kernel-store tests.
  wrap=()
  if command -v keyctl >/dev/null 2>&1; then wrap=(keyctl session - ); fi
  "${wrap[@]}" dbus-run-session -- bash -c '
    set -euo pipefail
    printf %s "authtool-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    cargo test --locked --all-targets "$@"
  ' bash "$@"
else
  echo "note: dbus-run-session or gnome-keyring-daemon not installed: the real-keychain tests will be skipped (install gnome-keyring and dbus-x11, or run .ci/run)" >&2
  run_tests "$@"
fi
