#!/usr/bin/env bash
# Run a command with $TOKEN as git's HTTP authorization for $SERVER, through the environment only: never in
# .git/config, on a command line or in the log, so no later step (and nothing lab runs for a leaf's documents)
# can read it from the checkout. Without a token (a local run), the command runs as it is.
set -euo pipefail
if [ -n "${TOKEN:-}" ]; then
  encoded=$(printf 'x-access-token:%s' "$TOKEN" | base64 -w0)
  echo "::add-mask::$encoded"
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="http.${SERVER:?}/.extraheader"
  export GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $encoded"
fi
unset TOKEN
exec "$@"
