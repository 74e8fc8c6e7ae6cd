#!/usr/bin/env bash
# Installs and builds everything Skiff needs on a fresh machine of this kind:
# nats-server (Debian package) when missing, npm packages, the Rust and C++
# native modules, and the TypeScript build. Safe to run again: each step is
# skipped or incremental when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# Rust installed by rustup lives in ~/.cargo/bin, which a non-login shell may not have on PATH.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi

apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "need root to install $* (apt-get); install it by hand and run again"
    exit 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v nats-server >/dev/null 2>&1; then
  log "installing nats-server (Debian package)"
  apt_install nats-server
fi
if ! command -v kubectl >/dev/null 2>&1; then
  log "installing kubectl (Debian package kubernetes-client)"
  apt_install kubernetes-client
fi
# The runc container runtime (--container-runtime=runc) and the busybox its tests build an image from.
if ! command -v runc >/dev/null 2>&1; then
  log "installing runc (Debian package)"
  apt_install runc
fi
if [ ! -x /bin/busybox ]; then
  log "installing busybox (Debian package busybox-static)"
  apt_install busybox-static
fi
for tool in node npm cargo g++ make python3; do
  command -v "$tool" >/dev/null 2>&1 || { log "missing $tool: this machine kind ships it; install it first"; exit 1; }
done

# npm packages: only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "building the native scheduler core (Rust, napi-rs)"
(cd native/scheduler-core && npx napi build --platform --release >/dev/null 2>&1 || npx napi build --platform --release)

log "building the native node agent (C++, node-addon-api)"
if [ -f native/node-agent/build/Makefile ]; then
  (cd native/node-agent && npx node-gyp build --nodedir=/usr >/dev/null)
else
  (cd native/node-agent && npx node-gyp rebuild --nodedir=/usr >/dev/null)
fi

log "building TypeScript"
npx tsc -b
log "ready"
