#!/usr/bin/env bash
# Installs what is missing, builds, and runs `skiff up` (a one-node cluster in the foreground).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node packages/cli/bin/skiff.js up "$@"
