#!/usr/bin/env bash
# Upgrades a dmp-edge install made by infra/install.sh: puts the new version in a new
# release directory, runs `npm ci`, switches /opt/dmp-edge to it, restarts the units and
# checks /health; when the check fails it switches back and restarts the old release.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# Overridable for tests and staging roots (names outside DMP_* so they never reach an env file).
readonly CONF_DIR="${DMPEDGE_CONF_DIR:-/etc/dmp-edge}"
readonly UNIT_DIR="${DMPEDGE_UNIT_DIR:-/etc/systemd/system}"

usage() {
  cat <<'EOF'
Usage: upgrade.sh [options]

Fetches a new version of dmp-edge into /opt/dmp-edge-releases/<time>, runs
`npm ci --omit=dev`, points /opt/dmp-edge at it, restarts dmp-udp-node (and
dmp-edge-api when it is enabled) and checks http://127.0.0.1:8054/health (and
the edge API's /health). If a check fails within --timeout seconds, the previous
release is restored and restarted, and the script exits 1.

  --source DIR         copy this checkout (default: the checkout this script belongs to)
  --repo URL           clone this git repository instead
  --ref REF            branch or tag to clone (with --repo)
  --prefix DIR         install location (default: /opt/dmp-edge)
  --health-url URL     the udp-node's health URL (default: from DMP_NODE_HTTP_PORT in
                       /etc/dmp-edge/node.env, else http://127.0.0.1:8054/health)
  --timeout SECONDS    how long the new release has to become healthy (default: 30)
  --keep N             release directories to keep, current included (default: 3)
  --dry-run            print what would be done; change nothing (no root needed)
  -h, --help           this text
EOF
}

DRY_RUN=0
SOURCE_DIR=""
REPO_URL=""
REPO_REF=""
PREFIX=/opt/dmp-edge
HEALTH_URL=""
TIMEOUT=30
KEEP=3

# shellcheck source=infra/common.sh
. "$SCRIPT_DIR/common.sh"

parse_args() {
  while [ "$#" -gt 0 ]; do
    case "$1" in
    --source) need_arg "$@"; SOURCE_DIR="$2"; shift 2 ;;
    --repo) need_arg "$@"; REPO_URL="$2"; shift 2 ;;
    --ref) need_arg "$@"; REPO_REF="$2"; shift 2 ;;
    --prefix) need_arg "$@"; PREFIX="$2"; shift 2 ;;
    --health-url) need_arg "$@"; HEALTH_URL="$2"; shift 2 ;;
    --timeout) need_arg "$@"; TIMEOUT="$2"; shift 2 ;;
    --keep) need_arg "$@"; KEEP="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
    esac
  done
  [ -z "$SOURCE_DIR" ] || [ -z "$REPO_URL" ] || die "--source and --repo exclude each other"
  [ -z "$REPO_REF" ] || [ -n "$REPO_URL" ] || die "--ref needs --repo"
  case "$TIMEOUT" in '' | *[!0-9]*) die "--timeout must be a number of seconds" ;; esac
  case "$KEEP" in '' | *[!0-9]* | 0) die "--keep must be a positive number" ;; esac
  case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path" ;; esac
}

# Value of NAME in an env file (last assignment wins), without quotes; empty when absent.
env_file_value() {
  local file="$1" name="$2"
  [ -r "$file" ] || return 0
  sed -n -E "s/^[[:space:]]*$name=[\"']?([^\"']*)[\"']?[[:space:]]*\$/\\1/p" "$file" | tail -n 1
}

unit_enabled() {
  systemctl is-enabled --quiet "$1" 2>/dev/null
}

switch_to() {
  run ln -sfn "$1" "$PREFIX.new"
  run mv -T "$PREFIX.new" "$PREFIX"
}

# Installs the unit files shipped in release DIR (they may change between versions).
install_units_from() {
  local dir="$1" unit node_bin
  node_bin="$(command -v node 2>/dev/null || echo /usr/bin/node)"
  for unit in "${UNITS[@]}"; do
    if [ "$DRY_RUN" = 1 ]; then
      printf '[dry-run] install %s/infra/systemd/%s as %s/%s\n' "$dir" "$unit" "$UNIT_DIR" "$unit"
      continue
    fi
    [ -f "$dir/infra/systemd/$unit" ] || continue
    sed -e "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" \
      -e "s#/opt/dmp-edge#$PREFIX#g" "$dir/infra/systemd/$unit" >"$UNIT_DIR/$unit.tmp"
    chmod 0644 "$UNIT_DIR/$unit.tmp"
    mv -f "$UNIT_DIR/$unit.tmp" "$UNIT_DIR/$unit"
  done
  run systemctl daemon-reload
}

restart_units() {
  local unit
  for unit in "${UNITS[@]}"; do
    run systemctl restart "$unit"
  done
}

# Polls every health URL until all answer 2xx with "ok", or the timeout passes.
healthy() {
  local deadline url ok
  if [ "$DRY_RUN" = 1 ]; then
    for url in "${HEALTH_URLS[@]}"; do
      printf '[dry-run] curl -fsS --max-time 2 %s   # until it answers "ok", at most %ss\n' "$url" "$TIMEOUT"
    done
    return 0
  fi
  deadline=$((SECONDS + TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    ok=1
    for url in "${HEALTH_URLS[@]}"; do
      if ! curl -fsS --max-time 2 "$url" 2>/dev/null | grep -q '"ok"'; then
        ok=0
        break
      fi
    done
    [ "$ok" = 0 ] || return 0
    sleep 1
  done
  return 1
}

prune_releases() {
  local dir="$PREFIX-releases" current old
  [ -d "$dir" ] || return 0
  current="$(readlink -f "$PREFIX" || true)"
  # Newest first (names are UTC timestamps); keep KEEP of them and never the current one.
  while IFS= read -r old; do
    [ "$old" = "$current" ] || run rm -rf "$old"
  done < <(find "$dir" -mindepth 1 -maxdepth 1 -type d | sort -r | tail -n +"$((KEEP + 1))")
}

main() {
  parse_args "$@"
  if [ "$DRY_RUN" = 1 ]; then
    log "dry run: nothing is changed"
  else
    [ "$(id -u)" -eq 0 ] || die "run as root (or with --dry-run)"
    command -v curl >/dev/null 2>&1 || die "curl not found (apt-get install curl)"
    if [ -e "$PREFIX" ] && [ ! -L "$PREFIX" ]; then
      die "$PREFIX is not a symlink to a release: install with infra/install.sh first"
    fi
  fi

  local previous release port edge_port
  previous="$(readlink -f "$PREFIX" 2>/dev/null || true)"
  if [ -z "$previous" ] || [ ! -d "$previous" ]; then
    [ "$DRY_RUN" = 1 ] || die "no current release at $PREFIX: install with infra/install.sh first"
    warn "no current release at $PREFIX (a real run stops here)"
    previous="$PREFIX-releases/PREVIOUS"
  fi

  UNITS=(dmp-udp-node.service)
  if [ -z "$HEALTH_URL" ]; then
    port="$(env_file_value "$CONF_DIR/node.env" DMP_NODE_HTTP_PORT)"
    HEALTH_URL="http://127.0.0.1:${port:-8054}/health"
  fi
  HEALTH_URLS=("$HEALTH_URL")
  if [ -f "$UNIT_DIR/dmp-edge-api.service" ] && unit_enabled dmp-edge-api.service; then
    UNITS+=(dmp-edge-api.service)
    edge_port="$(env_file_value "$CONF_DIR/edge.env" DMP_HTTP_PORT)"
    HEALTH_URLS+=("http://127.0.0.1:${edge_port:-8053}/health")
  fi

  release="$PREFIX-releases/$(date -u +%Y%m%dT%H%M%SZ)"
  [ ! -e "$release" ] || die "$release exists; try again in a second"
  log "previous release: $previous"
  log "new release: $release"
  place_release "$release"
  switch_to "$release"
  install_units_from "$release"
  restart_units
  if healthy; then
    log "healthy: ${HEALTH_URLS[*]}"
    prune_releases
    log "upgraded to $release"
    return 0
  fi

  warn "health check failed within ${TIMEOUT}s; rolling back to $previous"
  local unit
  for unit in "${UNITS[@]}"; do
    journalctl -u "$unit" -n 30 --no-pager >&2 2>/dev/null || true
  done
  switch_to "$previous"
  install_units_from "$previous"
  restart_units
  if healthy; then
    warn "rolled back to $previous; it is healthy. The failed release stays at $release"
  else
    warn "rolled back to $previous, but it is not healthy either: see journalctl -u dmp-udp-node"
  fi
  exit 1
}

UNITS=()
HEALTH_URLS=()

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
