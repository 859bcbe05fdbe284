#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need, and nothing twice.
# Idempotent: each step checks first. Usage: scripts/setup.sh [--browser]
#   --browser  also install the browsers the tests drive: Debian's chromium, chromium-driver and
#              firefox-esr, and geckodriver (built from crates.io: its own downloads are unreachable here);
#              WebKitGTK's webkit2gtk-driver (WebKitWebDriver; brings MiniBrowser) and xvfb, as the GTK port
#              has no headless mode and tests/webkit.test.mjs runs it on a private Xvfb display.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== setup: %s\n' "$*"; }
GECKODRIVER_VERSION=0.37.1

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must be exactly the version Cargo.lock resolved for the wasm-bindgen crate.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  step "wasm-bindgen-cli $want (found: ${have:-none}); takes a few minutes once"
  # No --locked: the crates.io index may lack a pinned transitive version (see toolchain notes).
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm dependencies"
  # Not `npm ci`: the registry reachable here lacks deno's darwin/windows optional packages, so the
  # lock file cannot list them and `npm ci` refuses it. `npm install` keeps the locked versions.
  npm install --no-audit --no-fund
fi

# Real Redis and PostgreSQL servers for the store adapters' tests (tests/js/services.mjs starts private
# instances on free loopback ports; nothing runs system-wide). Debian's postinst would start the stock
# services: unless the machine already forbids that (Docker images ship a policy-rc.d), forbid it for the
# length of the install. PgBouncer (Debian's 1.18) goes in front of such a PostgreSQL in transaction mode, as
# serverless Postgres offers it; it too runs privately (as the non-root user the PostgreSQL helper creates).
# /usr/sbin may be off a non-root PATH: pgbouncer is looked for there too, so the check stays idempotent.
pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
if ! command -v redis-server >/dev/null || [ -z "$(pg_bin_dir)" ] || [ ! -x "$(pg_bin_dir)/initdb" ] ||
  { ! command -v pgbouncer >/dev/null && [ ! -x /usr/sbin/pgbouncer ]; }; then
  step "redis-server, postgresql and pgbouncer (Debian; services are not started)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    trap '$SUDO rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server postgresql pgbouncer
  [ -z "$policy" ] || $SUDO rm -f "$policy"
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    step "chromium and chromium-driver (Debian)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
  fi
  if ! command -v firefox-esr >/dev/null; then
    step "firefox-esr (Debian)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq firefox-esr
  fi
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
    step "geckodriver $GECKODRIVER_VERSION (cargo install; a few minutes once)"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --force
  fi
  if ! command -v WebKitWebDriver >/dev/null || ! command -v Xvfb >/dev/null ||
    [ ! -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser ]; then
    step "webkit2gtk-driver and xvfb (Debian)"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq webkit2gtk-driver xvfb
  fi
fi
