#!/usr/bin/env bash
# The value rules of packages/core/values/ in bash, for install.sh (sourced, never run): it
# runs before Node is installed, so it cannot call the node's validator. tests/infra checks
# these functions against the same vectors as core (packages/core/values/testdata), so the
# two cannot drift apart. Each returns 0 when the text is valid.

# is_ipv4 TEXT: a dotted quad, octets 0-255, no leading zeros (values/ipv4.ts).
is_ipv4() {
  local LC_ALL=C octet
  [[ "$1" =~ ^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$ ]] ||
    return 1
  for octet in "${BASH_REMATCH[@]:1}"; do
    [ "$octet" -le 255 ] || return 1
  done
}

# hex_group_count TEXT: prints how many 1-4 digit hex groups TEXT holds ("" = 0); fails on
# anything else.
hex_group_count() {
  local LC_ALL=C colons
  if [ -z "$1" ]; then
    echo 0
    return 0
  fi
  [[ "$1" =~ ^[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{1,4})*$ ]] || return 1
  colons="${1//[^:]/}"
  echo $((${#colons} + 1))
}

# is_ipv6 TEXT: an RFC 4291 section 2.2 text form, optional dotted-quad tail (values/ipv6.ts).
is_ipv6() {
  local text="$1" head last rest left right
  [[ "$text" == *:* ]] || return 1
  head="$text"
  last="${text##*:}"
  if [[ "$last" == *.* ]]; then
    is_ipv4 "$last" || return 1
    head="${text%:*}:0:0"
  fi
  rest="${head#*::}"
  if [ "$rest" = "$head" ]; then
    [ "$(hex_group_count "$head")" = 8 ]
    return
  fi
  [[ "$rest" != *::* ]] || return 1
  left="$(hex_group_count "${head%%::*}")" || return 1
  right="$(hex_group_count "$rest")" || return 1
  [ $((left + right)) -le 7 ]
}

# is_host_name TEXT: labels of letters, digits, - or _, 1-63 long, not starting or ending
# with -, at most 253 characters without the optional trailing dot (values/host_name.ts).
is_host_name() {
  local LC_ALL=C name="${1%.}"
  local label='[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?'
  [ "${#name}" -ge 1 ] && [ "${#name}" -le 253 ] || return 1
  [[ "$name" =~ ^$label(\.$label)*$ ]]
}
