#!/usr/bin/env bash
# The Debian package's life cycle on this machine (root; no systemd PID 1 needed), the scripted
# check of docs/deploy.md:
#   1. cpack: posturemap_<V>_<arch>.deb, and posturemap_<V>+1 (the same, repacked with the next version)
#   2. apt-get install ./posturemap_<V>.deb: user pmap, /var/lib/pmap 0700, /etc/pmap/gateway.json
#      a conffile, the unit (and its systemd-analyze exposure when available)
#   3. the secured broker: pmap-broker-setup (installed), mosquitto with the installed pmap.conf
#      (ports moved to free loopback ports); the installed gateway as user pmap with the installed
#      config edited for TLS + credentials; the installed pmap-sim over TLS; frames stored, db 0600
#   4. upgrade to <V>+1 and reinstall: the edited config and the data survive
#   5. remove: binaries gone, data and config kept; purge: /var/lib/pmap, /etc/pmap, user gone
#
#   deploy/package-test.sh [BUILD_DIR]     (deploy/dev.sh test runs it after ctest when root)
# Leaves nothing installed; on failure it purges the package too.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-${PMAP_BUILD_DIR:-$ROOT/build}}
log() { printf '\033[1m[package]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[package] FAIL\033[0m %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (it installs and purges the package)"
if dpkg-query -W -f='${Status}' posturemap 2>/dev/null | grep -q 'installed'; then
  fail "posturemap is already installed here; purge it first (apt-get purge posturemap)"
fi

WORK=$(mktemp -d /tmp/pmap-package-test.XXXXXX)
chmod 0755 "$WORK"  # the broker (user mosquitto) and the gateway (user pmap) look inside
GATEWAY_PID="" BROKER_PID=""
cleanup() {
  local rc=$?
  [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
  if [ $rc -ne 0 ]; then
    log "failed (exit $rc); logs in $WORK; purging the package"
    dpkg --purge posturemap >/dev/null 2>&1 || true
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
mode_owner() { stat -c '%a %U' "$1"; }

# --- 1. packages ---------------------------------------------------------------------------
VERSION=$(sed -n 's/^CPACK_PACKAGE_VERSION:STRING=//p; s/^CMAKE_PROJECT_VERSION:STATIC=//p' \
  "$BUILD/CMakeCache.txt" | head -1)
[ -n "$VERSION" ] || fail "no project version in $BUILD/CMakeCache.txt (configure first)"
NEXT="$VERSION+1"
log "cpack: posturemap $VERSION and $NEXT"
start=$(date +%s)
(cd "$BUILD" && cpack -G DEB -B "$WORK/v1" >"$WORK/cpack1.log" 2>&1) ||
  { cat "$WORK/cpack1.log"; fail "cpack"; }
DEB1=$(ls "$WORK"/v1/posturemap_*.deb)
# Version N+1: the same package with the next version (what an upgrade sees: new version, same
# conffile), repacked rather than a second cpack run (saves a minute of CI).
mkdir -p "$WORK/v2"
dpkg-deb -R "$DEB1" "$WORK/v2/root"
sed -i "s/^Version: .*/Version: $NEXT/" "$WORK/v2/root/DEBIAN/control"
DEB2=$WORK/v2/posturemap_${NEXT}_$(dpkg --print-architecture).deb
dpkg-deb --root-owner-group -b "$WORK/v2/root" "$DEB2" >/dev/null
log "built in $(($(date +%s) - start)) s: $(basename "$DEB1") $(du -k "$DEB1" | cut -f1) KiB," \
  "$(basename "$DEB2") $(du -k "$DEB2" | cut -f1) KiB"
dpkg-deb -f "$DEB1" Package Version Depends Recommends | sed 's/^/  /' >&2
dpkg-deb -c "$DEB1" | awk '{print "  " $1 " " $6}' >&2
# No test or benchmark program in the package.
if dpkg-deb -c "$DEB1" | grep -Eq '_test$|pmap-bench|pmap-train|eval$'; then
  fail "a test or benchmark program is in the package"
fi
dpkg-deb -f "$DEB1" Depends | grep -q 'libpaho-mqttpp3' || fail "Depends lacks libpaho-mqttpp3"

# --- 2. install ----------------------------------------------------------------------------
log "install $VERSION"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB1" \
  >"$WORK/install1.log" 2>&1 || { cat "$WORK/install1.log"; fail "apt-get install"; }
for tool in pmap-gateway pmap-sim pmap-calibrate pmap-analyze pmapctl pmap-db pmap-html2pdf; do
  [ -x "/usr/bin/$tool" ] || fail "/usr/bin/$tool missing"
done
[ -x /usr/sbin/pmap-broker-setup ] || fail "/usr/sbin/pmap-broker-setup missing"
getent passwd pmap >/dev/null || fail "user pmap not created"
[ "$(getent passwd pmap | cut -d: -f7)" = /usr/sbin/nologin ] || fail "pmap has a login shell"
[ "$(mode_owner /var/lib/pmap)" = "700 pmap" ] || fail "/var/lib/pmap is $(mode_owner /var/lib/pmap)"
[ "$(stat -c '%a %U:%G' /etc/pmap/gateway.json)" = "640 root:pmap" ] ||
  fail "/etc/pmap/gateway.json is $(stat -c '%a %U:%G' /etc/pmap/gateway.json)"
dpkg-query -W -f='${Conffiles}\n' posturemap | grep -q '/etc/pmap/gateway.json' ||
  fail "/etc/pmap/gateway.json is not a conffile"
UNIT=/lib/systemd/system/pmap-gateway.service
[ -f "$UNIT" ] || fail "$UNIT missing"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze security --offline=yes --no-pager "$UNIT" 2>&1 | tail -1 | sed 's/^/  /' >&2
  systemd-analyze verify "$UNIT" >"$WORK/verify.log" 2>&1 ||
    { cat "$WORK/verify.log"; fail "systemd-analyze verify $UNIT"; }
fi
/usr/bin/pmap-gateway --help >/dev/null || fail "pmap-gateway --help"

# --- 3. secured broker, gateway as pmap, simulated mat over TLS ------------------------------
log "secured broker: pmap-broker-setup + the installed pmap.conf"
KIT=$WORK/broker
/usr/sbin/pmap-broker-setup "$KIT" --mat bed1 >"$WORK/setup.log" 2>&1 ||
  { cat "$WORK/setup.log"; fail "pmap-broker-setup"; }
LOCAL_PORT=$(free_port)
TLS_PORT=$(free_port)
mkdir -m 0777 "$WORK/persist"
sed -e "s#/etc/mosquitto/pmap#$KIT#g" -e "s/^listener 1883 127.0.0.1$/listener $LOCAL_PORT 127.0.0.1/" \
  -e "s/^listener 8883$/listener $TLS_PORT 127.0.0.1/" /usr/share/posturemap/mosquitto/pmap.conf \
  >"$WORK/mosquitto.conf"
printf 'persistence_location %s/\nlog_dest stderr\n' "$WORK/persist" >>"$WORK/mosquitto.conf"
grep -q '^max_queued_messages 1000000$' "$WORK/mosquitto.conf" || fail "pmap.conf: max_queued_messages"
/usr/sbin/mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
BROKER_PID=$!
wait_port "$TLS_PORT" || { cat "$WORK/mosquitto.log"; fail "mosquitto did not start"; }

# The admin's steps of docs/deploy.md: secrets to /etc/pmap (root:pmap 0640), config edited.
install -d -m 0750 -o root -g pmap /etc/pmap/tls
install -m 0640 -o root -g pmap "$KIT/clients/pmap.gateway.password" /etc/pmap/mqtt-password
install -m 0644 "$KIT/ca.crt" /etc/pmap/tls/ca.crt
install -m 0644 "$KIT/clients/pmap.gateway.crt" /etc/pmap/tls/gateway.crt
install -m 0640 -o root -g pmap "$KIT/clients/pmap.gateway.key" /etc/pmap/tls/gateway.key
# (sed on the shipped lines: a fresh Debian 12 has no JSON tool)
sed -i -e "s#\"broker\": \"tcp://127.0.0.1:1883\"#\"broker\": \"ssl://localhost:$TLS_PORT\"#" \
  -e 's#"mqtt_username": ""#"mqtt_username": "pmap.gateway"#' \
  -e 's#"mqtt_password_file": ""#"mqtt_password_file": "/etc/pmap/mqtt-password"#' \
  -e 's#"tls_ca_file": ""#"tls_ca_file": "/etc/pmap/tls/ca.crt"#' \
  -e 's#"tls_cert_file": ""#"tls_cert_file": "/etc/pmap/tls/gateway.crt"#' \
  -e 's#"tls_key_file": ""#"tls_key_file": "/etc/pmap/tls/gateway.key"#' \
  -e 's#"api_listen": "127.0.0.1:8787"#"api_listen": "off"#' /etc/pmap/gateway.json
grep -q "ssl://localhost:$TLS_PORT" /etc/pmap/gateway.json || fail "could not edit gateway.json"
log "gateway as user pmap with /etc/pmap/gateway.json (what the unit's ExecStart runs)"
# What systemd would give it: the user pmap, cwd and writes in /var/lib/pmap only.
AS_PMAP=(setpriv --reuid=pmap --regid=pmap --init-groups --)
(cd /var/lib/pmap && umask 0077 && exec "${AS_PMAP[@]}" /usr/bin/pmap-gateway --config /etc/pmap/gateway.json) \
  >"$WORK/gateway.out" 2>"$WORK/gateway.err" &
GATEWAY_PID=$!
for _ in $(seq 300); do
  grep -q 'connected to ssl://' "$WORK/gateway.err" && break
  kill -0 "$GATEWAY_PID" 2>/dev/null || { cat "$WORK/gateway.err"; fail "gateway exited"; }
  sleep 0.1
done
grep -q 'connected to ssl://' "$WORK/gateway.err" || { cat "$WORK/gateway.err"; fail "gateway did not connect"; }

log "pmap-sim as mat bed1 over TLS (ssl://localhost:$TLS_PORT)"
/usr/bin/pmap-sim --broker "ssl://localhost:$TLS_PORT" --mat bed1 --kind bed --scenario night \
  --duration 120 --speed max --seed 2 --mqtt-username bed1 \
  --mqtt-password-file "$KIT/clients/bed1.password" --tls-ca-file "$KIT/ca.crt" \
  --tls-cert-file "$KIT/clients/bed1.crt" --tls-key-file "$KIT/clients/bed1.key" \
  >"$WORK/sim.out" 2>"$WORK/sim.err" || { cat "$WORK/sim.err"; fail "pmap-sim"; }
# The last field of that name in the tools' one-line JSON summaries.
json_int() { grep -o "\"$1\": *[0-9]*" "$2" | tail -1 | grep -o '[0-9]*$'; }
published=$(json_int frames_published "$WORK/sim.out")
sleep 3
kill -TERM "$GATEWAY_PID"
wait "$GATEWAY_PID" || { cat "$WORK/gateway.err"; fail "gateway exit code"; }
GATEWAY_PID=""
accepted=$(json_int accepted "$WORK/gateway.out")
[ -n "$published" ] && [ "$published" -gt 100 ] || fail "pmap-sim published '$published' frames"
[ "$accepted" = "$published" ] || fail "gateway accepted $accepted of $published frames"
[ "$(mode_owner /var/lib/pmap/pmap.db)" = "600 pmap" ] ||
  fail "pmap.db is $(mode_owner /var/lib/pmap/pmap.db)"
"${AS_PMAP[@]}" /usr/bin/pmap-db summary --db /var/lib/pmap/pmap.db >"$WORK/summary.json"
grep -q '"bed1"' "$WORK/summary.json" || fail "pmap-db summary lacks bed1"
if grep -qF "$(head -1 /etc/pmap/mqtt-password)" "$WORK/gateway.err" "$WORK/gateway.out"; then
  fail "the MQTT password appears in the gateway's output"
fi
log "stored $accepted of $published frames over TLS; pmap.db 0600 pmap"
db_sum=$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)

# --- 4. upgrade and reinstall ----------------------------------------------------------------
log "upgrade to $NEXT"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB2" \
  >"$WORK/install2.log" 2>&1 || { cat "$WORK/install2.log"; fail "upgrade"; }
[ "$(dpkg-query -W -f='${Version}' posturemap)" = "$NEXT" ] || fail "version after upgrade"
grep -q '"mqtt_username": "pmap.gateway"' /etc/pmap/gateway.json || fail "upgrade lost the edited config"
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "upgrade changed the database"
[ -f /etc/pmap/mqtt-password ] || fail "upgrade lost /etc/pmap/mqtt-password"
log "reinstall $NEXT"
dpkg -i "$DEB2" >"$WORK/install3.log" 2>&1 || { cat "$WORK/install3.log"; fail "reinstall"; }
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "reinstall changed the database"
[ "$(mode_owner /var/lib/pmap)" = "700 pmap" ] || fail "/var/lib/pmap after reinstall"

# --- 5. remove, purge ------------------------------------------------------------------------
log "remove: data and config stay"
dpkg -r posturemap >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r"; }
[ ! -e /usr/bin/pmap-gateway ] || fail "remove left /usr/bin/pmap-gateway"
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "remove touched the database"
[ -f /etc/pmap/gateway.json ] || fail "remove deleted the conffile"
log "install again over the kept data, then purge"
dpkg -i "$DEB2" >"$WORK/install4.log" 2>&1 || { cat "$WORK/install4.log"; fail "install after remove"; }
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "reinstall after remove"
grep -q '"mqtt_username": "pmap.gateway"' /etc/pmap/gateway.json || fail "config lost after remove"
dpkg --purge posturemap >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge"; }
[ ! -e /var/lib/pmap ] || fail "purge left /var/lib/pmap"
[ ! -e /etc/pmap ] || fail "purge left /etc/pmap"
! getent passwd pmap >/dev/null || fail "purge left the user pmap"
! dpkg-query -W posturemap >/dev/null 2>&1 || fail "purge left dpkg's record"
log "ok: install, TLS round trip, upgrade, reinstall, remove, purge"
