#!/usr/bin/env bash
# ctest deploy.systemd_unit: deploy/systemd/pmap-gateway.service carries every hardening option
# docs/deploy.md promises, and (where systemd-analyze exists) scores an exposure <= 2.0 offline.
#   check_unit.sh UNIT_FILE
set -euo pipefail
unit=$1
fail=0
# The value of the last assignment of KEY in [Service] (systemd: later assignments win, except
# for list options, which are checked as the concatenation of all lines).
value() {
  awk -v key="$1" '
    /^\[/ { section = $0; next }
    section == "[Service]" && index($0, key "=") == 1 { v = (v == "" ? "" : v " ") substr($0, length(key) + 2) }
    END { print v }' "$unit"
}
expect() {
  local key=$1 want=$2 got
  got=$(value "$key")
  if [ "$got" != "$want" ]; then
    echo "FAIL $key: expected '$want', found '$got'"
    fail=1
  else
    echo "ok   $key=$want"
  fi
}
grep -q '^\[Service\]' "$unit" || { echo "FAIL no [Service] section"; exit 1; }
expect Type exec
expect ExecStart "/usr/bin/pmap-gateway --config /etc/pmap/gateway.json"
expect User pmap
expect Group pmap
expect StateDirectory pmap
expect StateDirectoryMode 0700
expect UMask 0077
expect ProtectSystem strict
expect ProtectHome yes
expect PrivateTmp yes
expect PrivateDevices yes
expect NoNewPrivileges yes
expect CapabilityBoundingSet ""
expect AmbientCapabilities ""
expect RestrictAddressFamilies "AF_UNIX AF_INET AF_INET6"
expect SystemCallFilter "@system-service"
expect SystemCallArchitectures native
expect LockPersonality yes
expect MemoryDenyWriteExecute yes
expect RestrictNamespaces yes
expect RestrictRealtime yes
expect RestrictSUIDSGID yes
expect ProtectKernelTunables yes
expect ProtectKernelModules yes
expect ProtectKernelLogs yes
expect ProtectControlGroups yes
expect ProtectClock yes
expect ProtectHostname yes
expect RestartPreventExitStatus 2
# The only writable place is the state directory.
expect ReadWritePaths /var/lib/pmap
if grep -Eq '^(DynamicUser|PermissionsStartOnly|AmbientCapabilities=CAP)' "$unit"; then
  echo "FAIL unexpected privilege option"; fail=1
fi

if command -v systemd-analyze >/dev/null 2>&1; then
  out=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || true
  score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  if [ -z "$score" ]; then
    printf '%s\n' "$out" | tail -5
    echo "FAIL systemd-analyze security printed no exposure level"; fail=1
  elif awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
    echo "ok   systemd-analyze security --offline=yes: exposure $score (<= 2.0)"
  else
    printf '%s\n' "$out" | grep '✗' || true
    echo "FAIL exposure $score > 2.0"; fail=1
  fi
else
  echo "skip systemd-analyze not installed (exposure not measured)"
fi
exit $fail
