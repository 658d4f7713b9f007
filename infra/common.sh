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

# What a release never carries over from a source checkout.
readonly COPY_EXCLUDES=(--exclude=./node_modules --exclude=./.data --exclude=./.git --exclude=./test-artifacts)

# place_release DIR: puts a version in DIR (git clone of REPO_URL at REPO_REF, or a copy of
# SOURCE_DIR, default this checkout), installs its runtime dependencies and smoke-tests it.
# On failure DIR is removed, so nothing else has changed. The release is owned by root: the
# service user can read the code, never change it.
place_release() {
  local release="$1" src="${SOURCE_DIR:-$SCRIPT_DIR/..}"
  run install -d -m 0755 "$release"
  if [ -n "$REPO_URL" ]; then
    command -v git >/dev/null 2>&1 || run env DEBIAN_FRONTEND=noninteractive apt-get install -y git
    if [ -n "$REPO_REF" ]; then
      run git clone --depth 1 --branch "$REPO_REF" "$REPO_URL" "$release"
    else
      run git clone --depth 1 "$REPO_URL" "$release"
    fi
  else
    if [ ! -f "$src/package.json" ] || [ ! -f "$src/bin/dmp.mjs" ]; then
      die "$src is not a dmp-edge checkout (no package.json / bin/dmp.mjs)"
    fi
    src="$(cd "$src" && pwd)"
    log "copying $src to $release"
    if [ "${DRY_RUN:-0}" = 1 ]; then
      printf '[dry-run] tar -C %s %s -cf - . | tar -C %s --no-same-owner -xf -\n' "$src" "${COPY_EXCLUDES[*]}" "$release"
    else
      tar -C "$src" "${COPY_EXCLUDES[@]}" -cf - . | tar -C "$release" --no-same-owner -xf -
    fi
  fi
  # --ignore-scripts: the root postinstall fetches the sqld test server; of what it does, only the
  # native addons are needed here (batched UDP, malloc_trim), and they are built as their own step
  # (it never fails the install: without a compiler the node falls back to node:dgram and says so
  # at start, and keeps the C heap's freed pages).
  # tsx (the edge API runs its TypeScript sources) and esbuild (which compiles the udp-node's
  # dist/dmp.mjs) are runtime dependencies, so --omit=dev keeps them.
  if [ "${DRY_RUN:-0}" = 1 ]; then
    printf '[dry-run] (cd %s && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)\n' "$release"
    printf '[dry-run] (cd %s && node apps/udp-node/native/build.mjs)   # batched UDP and malloc_trim addons\n' "$release"
    printf '[dry-run] (cd %s && node scripts/build_node_bundle.mjs)   # dist/dmp.mjs\n' "$release"
    printf '[dry-run] (cd %s && node dist/dmp.mjs --help)   # smoke test\n' "$release"
  else
    (cd "$release" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund) || {
      rm -rf "$release"
      die "npm ci failed in $release; nothing was changed"
    }
    (cd "$release" && node apps/udp-node/native/build.mjs)
    (cd "$release" && node scripts/build_node_bundle.mjs >/dev/null) || {
      rm -rf "$release"
      die "building dist/dmp.mjs failed in $release; nothing was changed"
    }
    (cd "$release" && node dist/dmp.mjs --help >/dev/null) || {
      rm -rf "$release"
      die "smoke test (node dist/dmp.mjs --help) failed in $release; nothing was changed"
    }
  fi
  run chown -R root:root "$release"
}
