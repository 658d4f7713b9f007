#!/usr/bin/env bash
# Installs a dmp-edge udp-node (and optionally the Node edge API) on Ubuntu 22.04+ /
# Debian 12+ as systemd units. Run as root; `--dry-run` prints every step instead.
# See docs/operators.md for the deployment shapes and every environment variable.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly NODE_MIN_MAJOR=20
readonly NODESOURCE_MAJOR=22
readonly SERVICE_USER=dmp
readonly CONF_DIR=/etc/dmp-edge
readonly STATE_DIR=/var/lib/dmp-edge
readonly UNIT_DIR=/etc/systemd/system

usage() {
  cat <<'EOF'
Usage: install.sh [options]

Installs dmp-edge: creates the system user `dmp`, installs Node 20+ through apt when
missing, puts the code in /opt/dmp-edge (a symlink to a release directory), runs
`npm ci --omit=dev`, writes /etc/dmp-edge/node.env (mode 0640, root:dmp; an existing
file is kept), installs dmp-udp-node.service and runs `systemctl enable --now`.

Source of the code (default: the checkout this script belongs to):
  --source DIR              copy this checkout
  --repo URL                clone this git repository instead
  --ref REF                 branch or tag to clone (with --repo; default: the default branch)
  --prefix DIR              install location (default: /opt/dmp-edge)

Node settings, written to /etc/dmp-edge/node.env (each flag's variable may be set in
the environment instead; any other DMP_* variable in the environment is written too,
so `sudo env $(grep -v '^#' old/node.env) ./install.sh` carries a reference node over):
  --domain NAME             DMP_DOMAIN, the served zone (e.g. mesh.example.com)
  --node-hostname NAME      DMP_NODE_HOSTNAME, the public host name
  --db-url URL              DMP_DB_URL (default: file:/var/lib/dmp-edge/replica.db with a
                            sync URL, else file:/var/lib/dmp-edge/dmp.db)
  --db-sync-url URL         DMP_DB_SYNC_URL, the primary (libsql://… Turso, https://… sqld)
  --db-auth-token TOKEN     DMP_DB_AUTH_TOKEN, JWT for the primary
  --tsig-secret-key HEX     DMP_TSIG_SECRET_KEY, 64 hex characters shared by the edge and
                            every node (generated only for a standalone install)
  --operator-token TOKEN    DMP_OPERATOR_TOKEN (default: generated)
  --dns-host ADDR           DMP_DNS_HOST (default: 0.0.0.0)
  --dns-port PORT           DMP_DNS_PORT (default: 53)
  --update                  DMP_DNS_UPDATE_ENABLED=1 (accept TSIG-signed UPDATEs)
  --apex-a IPV4             DMP_DNS_APEX_A
  --apex-aaaa IPV6          DMP_DNS_APEX_AAAA
  --apex-ns NAME            DMP_DNS_APEX_NS
  --apex-rname NAME         DMP_DNS_APEX_SOA_RNAME

Other options:
  --edge-api                also install dmp-edge-api.service (Node edge API on
                            127.0.0.1:8053, to put behind infra/caddy/Caddyfile) and
                            /etc/dmp-edge/edge.env
  --no-start                install and enable nothing at boot; start nothing
  --no-firewall             leave ufw alone (default: open 53/udp and 53/tcp when ufw is active)
  --dry-run                 print what would be done; change nothing (no root needed)
  -h, --help                this text
EOF
}

DRY_RUN=0
SOURCE_DIR=""
REPO_URL=""
REPO_REF=""
PREFIX=/opt/dmp-edge
EDGE_API=0
START=1
FIREWALL=1

# Settings: flag > environment > default.
DOMAIN="${DMP_DOMAIN:-}"
NODE_HOSTNAME="${DMP_NODE_HOSTNAME:-}"
DB_URL="${DMP_DB_URL:-}"
DB_SYNC_URL="${DMP_DB_SYNC_URL:-}"
DB_AUTH_TOKEN="${DMP_DB_AUTH_TOKEN:-}"
TSIG_SECRET_KEY="${DMP_TSIG_SECRET_KEY:-}"
OPERATOR_TOKEN="${DMP_OPERATOR_TOKEN:-${DMP_HTTP_TOKEN:-}}"
DNS_HOST="${DMP_DNS_HOST:-0.0.0.0}"
DNS_PORT="${DMP_DNS_PORT:-53}"
UPDATE_ENABLED="${DMP_DNS_UPDATE_ENABLED:-}"
APEX_A="${DMP_DNS_APEX_A:-}"
APEX_AAAA="${DMP_DNS_APEX_AAAA:-}"
APEX_NS="${DMP_DNS_APEX_NS:-}"
APEX_RNAME="${DMP_DNS_APEX_SOA_RNAME:-}"

# The variables the flags above own; other DMP_* variables pass through unchanged.
readonly OWNED_VARS=" DMP_DOMAIN DMP_NODE_HOSTNAME DMP_DB_URL DMP_DB_SYNC_URL DMP_DB_AUTH_TOKEN \
DMP_TSIG_SECRET_KEY DMP_OPERATOR_TOKEN DMP_HTTP_TOKEN DMP_DNS_HOST DMP_DNS_PORT \
DMP_DNS_UPDATE_ENABLED DMP_DNS_APEX_A DMP_DNS_APEX_AAAA DMP_DNS_APEX_NS DMP_DNS_APEX_SOA_RNAME "

# shellcheck source=infra/common.sh
. "$SCRIPT_DIR/common.sh"
# shellcheck source=infra/values.sh
. "$SCRIPT_DIR/values.sh"

# check_value CHECK FLAG VARIABLE VALUE EXPECTED: dies naming the flag and variable unless
# VALUE is empty (unset) or passes CHECK. A bad apex value used to install a node that served
# no A record at all (issue 10); the node refuses it too, but only at its first start.
check_value() {
  [ -z "$4" ] || "$1" "$4" || die "$2 / $3 \"$4\": $5"
}

parse_args() {
  while [ "$#" -gt 0 ]; do
    case "$1" in
    --source) need_arg "$@"; SOURCE_DIR="$2"; shift 2 ;;
    --repo) need_arg "$@"; REPO_URL="$2"; shift 2 ;;
    --ref) need_arg "$@"; REPO_REF="$2"; shift 2 ;;
    --prefix) need_arg "$@"; PREFIX="$2"; shift 2 ;;
    --domain) need_arg "$@"; DOMAIN="$2"; shift 2 ;;
    --node-hostname) need_arg "$@"; NODE_HOSTNAME="$2"; shift 2 ;;
    --db-url) need_arg "$@"; DB_URL="$2"; shift 2 ;;
    --db-sync-url) need_arg "$@"; DB_SYNC_URL="$2"; shift 2 ;;
    --db-auth-token) need_arg "$@"; DB_AUTH_TOKEN="$2"; shift 2 ;;
    --tsig-secret-key) need_arg "$@"; TSIG_SECRET_KEY="$2"; shift 2 ;;
    --operator-token) need_arg "$@"; OPERATOR_TOKEN="$2"; shift 2 ;;
    --dns-host) need_arg "$@"; DNS_HOST="$2"; shift 2 ;;
    --dns-port) need_arg "$@"; DNS_PORT="$2"; shift 2 ;;
    --update) UPDATE_ENABLED=1; shift ;;
    --apex-a) need_arg "$@"; APEX_A="$2"; shift 2 ;;
    --apex-aaaa) need_arg "$@"; APEX_AAAA="$2"; shift 2 ;;
    --apex-ns) need_arg "$@"; APEX_NS="$2"; shift 2 ;;
    --apex-rname) need_arg "$@"; APEX_RNAME="$2"; shift 2 ;;
    --edge-api) EDGE_API=1; shift ;;
    --no-start) START=0; shift ;;
    --no-firewall) FIREWALL=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
    esac
  done
  [ -z "$SOURCE_DIR" ] || [ -z "$REPO_URL" ] || die "--source and --repo exclude each other"
  [ -z "$REPO_REF" ] || [ -n "$REPO_URL" ] || die "--ref needs --repo"
  case "$DNS_PORT" in '' | *[!0-9]*) die "--dns-port must be a number" ;; esac
  case "$TSIG_SECRET_KEY" in
  '') ;;
  *[!0-9a-fA-F]*) die "--tsig-secret-key must be 64 hex characters" ;;
  *) [ "${#TSIG_SECRET_KEY}" -eq 64 ] || die "--tsig-secret-key must be 64 hex characters" ;;
  esac
  case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path" ;; esac
  local name_rule="expected a domain name (labels of letters, digits, '-' or '_', at most 63 characters each, 253 in all)"
  check_value is_host_name --domain DMP_DOMAIN "$DOMAIN" "$name_rule"
  check_value is_host_name --node-hostname DMP_NODE_HOSTNAME "$NODE_HOSTNAME" "$name_rule"
  check_value is_ipv4 --apex-a DMP_DNS_APEX_A "$APEX_A" \
    "expected an IPv4 address (four decimal octets 0-255, no leading zeros)"
  check_value is_ipv6 --apex-aaaa DMP_DNS_APEX_AAAA "$APEX_AAAA" \
    "expected an IPv6 address (RFC 4291 text form)"
  check_value is_host_name --apex-ns DMP_DNS_APEX_NS "$APEX_NS" "$name_rule"
  check_value is_host_name --apex-rname DMP_DNS_APEX_SOA_RNAME "$APEX_RNAME" "$name_rule"
}

# 32 random bytes as 64 hex characters.
random_hex() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

# KEY=VALUE for a systemd EnvironmentFile; values with special characters are double-quoted.
env_line() {
  local name="$1" value="$2"
  case "$value" in
  *$'\n'*) die "$name must not contain a newline" ;;
  *[!A-Za-z0-9._:/@+=,%-]*)
    value="${value//\\/\\\\}"
    value="${value//\"/\\\"}"
    printf '%s="%s"\n' "$name" "$value"
    ;;
  *) printf '%s=%s\n' "$name" "$value" ;;
  esac
}

# Every other DMP_* variable of this script's environment, as env lines.
passthrough_env() {
  local name
  while IFS= read -r name; do
    case "$OWNED_VARS" in *" $name "*) continue ;; esac
    env_line "$name" "${!name}"
  done < <(compgen -e | grep '^DMP_' | sort || true)
}

node_env_content() {
  printf '# dmp-edge udp-node settings (docs/operators.md, "Environment variables").\n'
  printf '# Written by infra/install.sh on %s. Mode 0640, root:%s.\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SERVICE_USER"
  [ -z "$DOMAIN" ] || env_line DMP_DOMAIN "$DOMAIN"
  [ -z "$NODE_HOSTNAME" ] || env_line DMP_NODE_HOSTNAME "$NODE_HOSTNAME"
  env_line DMP_DB_URL "$DB_URL"
  [ -z "$DB_SYNC_URL" ] || env_line DMP_DB_SYNC_URL "$DB_SYNC_URL"
  [ -z "$DB_AUTH_TOKEN" ] || env_line DMP_DB_AUTH_TOKEN "$DB_AUTH_TOKEN"
  [ -z "$TSIG_SECRET_KEY" ] || env_line DMP_TSIG_SECRET_KEY "$TSIG_SECRET_KEY"
  env_line DMP_OPERATOR_TOKEN "$OPERATOR_TOKEN"
  env_line DMP_DNS_HOST "$DNS_HOST"
  env_line DMP_DNS_PORT "$DNS_PORT"
  [ -z "$UPDATE_ENABLED" ] || env_line DMP_DNS_UPDATE_ENABLED "$UPDATE_ENABLED"
  [ -z "$APEX_A" ] || env_line DMP_DNS_APEX_A "$APEX_A"
  [ -z "$APEX_AAAA" ] || env_line DMP_DNS_APEX_AAAA "$APEX_AAAA"
  [ -z "$APEX_NS" ] || env_line DMP_DNS_APEX_NS "$APEX_NS"
  [ -z "$APEX_RNAME" ] || env_line DMP_DNS_APEX_SOA_RNAME "$APEX_RNAME"
  passthrough_env
}

edge_env_content() {
  local edge_db_url="$DB_URL"
  # The edge writes to the primary; a replica file belongs to one udp-node only.
  [ -z "$DB_SYNC_URL" ] || edge_db_url="$DB_SYNC_URL"
  printf '# dmp-edge edge API settings (docs/operators.md, "Environment variables").\n'
  printf '# Written by infra/install.sh on %s. Mode 0640, root:%s.\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SERVICE_USER"
  [ -z "$DOMAIN" ] || env_line DMP_DOMAIN "$DOMAIN"
  [ -z "$NODE_HOSTNAME" ] || env_line DMP_NODE_HOSTNAME "$NODE_HOSTNAME"
  env_line DMP_DB_URL "$edge_db_url"
  [ -z "$DB_AUTH_TOKEN" ] || env_line DMP_DB_AUTH_TOKEN "$DB_AUTH_TOKEN"
  [ -z "$TSIG_SECRET_KEY" ] || env_line DMP_TSIG_SECRET_KEY "$TSIG_SECRET_KEY"
  env_line DMP_OPERATOR_TOKEN "$OPERATOR_TOKEN"
  env_line DMP_HTTP_HOST 127.0.0.1
  env_line DMP_HTTP_PORT 8053
  env_line DMP_TRUSTED_PROXY_HEADER x-forwarded-for
  passthrough_env
}

# Hides secrets when content is printed.
redact() {
  sed -E 's/^((DMP_[A-Z_]*(TOKEN|KEY|SECRET)[A-Z_]*)=).*/\1<redacted>/'
}

# write_env_file PATH CONTENT: creates PATH with mode 0640, root:dmp, unless it exists.
write_env_file() {
  local path="$1" content="$2" tmp
  if [ -e "$path" ]; then
    log "keeping existing $path (not overwritten; edit it and restart to change settings)"
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] write %s with mode 0640, owner root:%s:\n' "$path" "$SERVICE_USER"
    printf '%s\n' "$content" | redact | sed 's/^/    /'
    return 0
  fi
  tmp="$(mktemp "$path.XXXXXX")"
  chmod 0640 "$tmp"
  chown "root:$SERVICE_USER" "$tmp"
  printf '%s\n' "$content" >"$tmp"
  mv -f "$tmp" "$path"
  log "wrote $path (mode 0640, root:$SERVICE_USER)"
}

node_major() {
  if command -v node >/dev/null 2>&1; then
    node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
  else
    echo 0
  fi
}

install_node() {
  local major candidate
  major="$(node_major)"
  if [ "$major" -ge "$NODE_MIN_MAJOR" ] && command -v npm >/dev/null 2>&1; then
    log "Node $(node --version) found"
    return 0
  fi
  log "installing Node $NODE_MIN_MAJOR+ through apt"
  run apt-get update
  candidate=""
  if command -v apt-cache >/dev/null 2>&1; then
    candidate="$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ { print $2 }')"
  fi
  candidate="${candidate#*:}"
  candidate="${candidate%%.*}"
  case "$candidate" in '' | *[!0-9]*) candidate=0 ;; esac
  if [ "$candidate" -ge "$NODE_MIN_MAJOR" ]; then
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
  else
    # The distribution's nodejs is too old (Debian 12 and Ubuntu 24.04 ship 18): NodeSource.
    log "the distribution's nodejs is older than $NODE_MIN_MAJOR; adding the NodeSource $NODESOURCE_MAJOR.x repository"
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y ca-certificates curl gnupg
    run install -d -m 0755 /etc/apt/keyrings
    if [ "$DRY_RUN" = 1 ]; then
      printf '[dry-run] curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor -o /etc/apt/keyrings/nodesource.gpg\n'
      printf '[dry-run] write /etc/apt/sources.list.d/nodesource.list\n'
    else
      curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key |
        gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
      printf 'deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_%s.x nodistro main\n' \
        "$NODESOURCE_MAJOR" >/etc/apt/sources.list.d/nodesource.list
    fi
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs
  fi
}

# A C compiler for the native addons (apps/udp-node/native): without it the node answers through
# node:dgram at about half the queries per second, and keeps ~40 MiB of freed C heap after a
# 100k-record load that malloc_trim would give back (bench/README.md).
install_compiler() {
  if command -v cc >/dev/null 2>&1; then
    log "C compiler found (batched UDP addon)"
  else
    log "installing gcc for the batched UDP addon"
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y gcc libc6-dev
  fi
  # NodeSource's nodejs ships its headers; the distribution's puts them in libnode-dev.
  local headers
  headers="$(dirname "$(dirname "$(command -v node || echo /usr/bin/node)")")/include/node/node_api.h"
  if [ ! -f "$headers" ]; then
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y libnode-dev ||
      warn "no Node headers: the node will answer UDP through node:dgram"
  fi
}

create_user() {
  if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    log "system user $SERVICE_USER exists"
  else
    run useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
      --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
  run install -d -m 0750 -o root -g "$SERVICE_USER" "$CONF_DIR"
  run install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR"
}

# Points PREFIX at the release (atomically).
switch_release() {
  local release="$1"
  if [ -e "$PREFIX" ] && [ ! -L "$PREFIX" ]; then
    [ "$DRY_RUN" = 1 ] || die "$PREFIX exists and is not a symlink to a release; move it away first"
    warn "$PREFIX exists and is not a symlink to a release; a real run stops here"
  fi
  run ln -sfn "$release" "$PREFIX.new"
  run mv -T "$PREFIX.new" "$PREFIX"
}

# install_unit NAME: copies infra/systemd/NAME with ExecStart's node set to this host's node.
install_unit() {
  local name="$1" src="$SCRIPT_DIR/systemd/$1" node_bin
  node_bin="$(command -v node 2>/dev/null || echo /usr/bin/node)"
  [ -f "$src" ] || die "missing $src"
  if [ "$DRY_RUN" = 1 ]; then
    printf '[dry-run] install %s as %s/%s (mode 0644; ExecStart node: %s)\n' "$src" "$UNIT_DIR" "$name" "$node_bin"
  else
    sed -e "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" \
      -e "s#/opt/dmp-edge#$PREFIX#g" "$src" >"$UNIT_DIR/$name.tmp"
    chmod 0644 "$UNIT_DIR/$name.tmp"
    mv -f "$UNIT_DIR/$name.tmp" "$UNIT_DIR/$name"
  fi
}

open_firewall() {
  [ "$FIREWALL" = 1 ] || return 0
  command -v ufw >/dev/null 2>&1 || return 0
  if [ "$DRY_RUN" = 1 ] || ufw status 2>/dev/null | grep -q '^Status: active'; then
    run ufw allow "$DNS_PORT/udp"
    run ufw allow "$DNS_PORT/tcp"
  fi
}

main() {
  parse_args "$@"
  if [ "$DRY_RUN" = 1 ]; then
    log "dry run: nothing is changed"
  else
    [ "$(id -u)" -eq 0 ] || die "run as root (or with --dry-run)"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Ubuntu and Debian"
    command -v systemctl >/dev/null 2>&1 || die "systemctl not found: this script needs systemd"
  fi

  if [ -z "$DB_URL" ]; then
    if [ -n "$DB_SYNC_URL" ]; then
      DB_URL="file:$STATE_DIR/replica.db"
    else
      DB_URL="file:$STATE_DIR/dmp.db"
    fi
  fi
  if [ -n "$DB_SYNC_URL" ]; then
    case "$DB_URL" in file:*) ;; *) die "with --db-sync-url, --db-url must be a file: replica path" ;; esac
    [ -n "$DB_AUTH_TOKEN" ] || warn "no DMP_DB_AUTH_TOKEN: the primary must accept unauthenticated syncs"
    [ -n "$TSIG_SECRET_KEY" ] ||
      warn "no DMP_TSIG_SECRET_KEY: this node cannot open TSIG keys; use the edge's key"
  elif [ -z "$TSIG_SECRET_KEY" ]; then
    TSIG_SECRET_KEY="$(random_hex)"
    log "generated DMP_TSIG_SECRET_KEY (standalone install)"
  fi
  if [ -z "$OPERATOR_TOKEN" ]; then
    OPERATOR_TOKEN="$(random_hex)"
    log "generated DMP_OPERATOR_TOKEN (read it from $CONF_DIR/node.env)"
  fi
  [ -n "$DOMAIN" ] || warn "no --domain / DMP_DOMAIN: add zones with \`dmp zone add\`"

  install_node
  install_compiler
  create_user

  local release
  release="$PREFIX-releases/$(date -u +%Y%m%dT%H%M%SZ)"
  place_release "$release"
  switch_release "$release"

  write_env_file "$CONF_DIR/node.env" "$(node_env_content)"
  install_unit dmp-udp-node.service
  if [ "$EDGE_API" = 1 ]; then
    write_env_file "$CONF_DIR/edge.env" "$(edge_env_content)"
    install_unit dmp-edge-api.service
  fi
  open_firewall
  run systemctl daemon-reload

  if [ "$START" = 1 ]; then
    run systemctl enable --now dmp-udp-node.service
    [ "$EDGE_API" = 0 ] || run systemctl enable --now dmp-edge-api.service
  else
    log "--no-start: start with systemctl enable --now dmp-udp-node.service"
  fi
  log "done. Status: systemctl status dmp-udp-node; logs: journalctl -u dmp-udp-node -f"
  log "health: curl http://127.0.0.1:8054/health; DNS: dig @127.0.0.1 -p $DNS_PORT ${DOMAIN:-ZONE} SOA"
  [ "$EDGE_API" = 0 ] || log "edge API on 127.0.0.1:8053: put infra/caddy/Caddyfile in front of it"
}

# Sourcing the script (tests) defines the functions without running anything.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
