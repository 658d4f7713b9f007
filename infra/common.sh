#!/usr/bin/env bash
# Helpers shared by install.sh and upgrade.sh (sourced, never run): messages, --dry-run, arguments.
# The sourcing script sets DRY_RUN (0 or 1) before calling run().

log() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
  exit 1
}

# Runs a command, or prints it under --dry-run.
run() {
  if [ "${DRY_RUN:-0}" = 1 ]; then
    printf '[dry-run] %s\n' "$*"
  else
    "$@"
  fi
}

# need_arg FLAG VALUE...: dies unless FLAG has a non-empty value.
need_arg() {
  if [ "$#" -lt 2 ] || [ -z "$2" ]; then
    die "$1 needs a value (see --help)"
  fi
}
