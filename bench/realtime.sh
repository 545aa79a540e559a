#!/usr/bin/env bash
# Realtime benchmark (see bench/realtime.mjs): raises the open-file limit for 10,000 WebSockets on
# each side, then runs it. Usage: bench/realtime.sh [SUBSCRIBERS] [ROUNDS]
set -euo pipefail
ulimit -n "$(ulimit -Hn)"
exec node "$(dirname "$0")/realtime.mjs" "$@"
