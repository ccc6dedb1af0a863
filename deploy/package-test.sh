#!/usr/bin/env bash
# The Debian packages' life cycle on this machine (root; no systemd PID 1 needed), the scripted
# check of docs/deploy.md:
#   1. one cpack run: posturemap_<V>_<arch>.deb and posturemap-dashboard_<V>_<arch>.deb, and both
#      at <V>+1 (the same, repacked with the next version); contents and Depends checked
#   2. apt-get install of both: user pmap, /var/lib/pmap 0700, /etc/pmap/gateway.json a conffile,
#      the unit (and its systemd-analyze exposure when available); pmap-dashboard --help
#   3. the secured broker: pmap-broker-setup (installed), mosquitto with the installed pmap.conf
#      (ports moved to free loopback ports); the installed gateway as user pmap with the installed
#      config edited for TLS + credentials, Home Assistant discovery and the API (token) on a free
#      loopback port; the installed pmap-sim over TLS; frames stored, db 0600;
#      a Home Assistant discovery listener (mosquitto_sub, account pmap.homeassistant, TLS) sees
#      bed1's configs; GET /metrics (bearer token; 401 without) counts every published frame;
#      the installed pmap-dashboard shows bed1 live over TLS (account pmap.dashboard) and renders
#      the night view from the installed gateway's API
#   4. upgrade both to <V>+1 and reinstall: the edited config and the data survive
#   5. remove posturemap (the dashboard stays and runs: no dependency), remove the dashboard;
#      install again, purge both: /var/lib/pmap, /etc/pmap, user, every dashboard file gone;
#      the retained discovery configs left on the broker are cleared (mosquitto_pub -r -n)
#
#   deploy/package-test.sh [BUILD_DIR]     (deploy/dev.sh test runs it after ctest when root)
# Leaves nothing installed; on failure it purges the packages too. Prints each step's time.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-${PMAP_BUILD_DIR:-$ROOT/build}}
log() { printf '\033[1m[package]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[package] FAIL\033[0m %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (it installs and purges the package)"
for package in posturemap posturemap-dashboard; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'installed'; then
    fail "$package is already installed here; purge it first (apt-get purge $package)"
  fi
done

WORK=$(mktemp -d /tmp/pmap-package-test.XXXXXX)
chmod 0755 "$WORK"  # the broker (user mosquitto) and the gateway (user pmap) look inside
GATEWAY_PID="" BROKER_PID="" LISTENER_PID="" DASHBOARD_PID=""
cleanup() {
  local rc=$?
  [ -n "$DASHBOARD_PID" ] && kill "$DASHBOARD_PID" 2>/dev/null && wait "$DASHBOARD_PID" 2>/dev/null
  [ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null && wait "$LISTENER_PID" 2>/dev/null
  [ -n "$GATEWAY_PID" ] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null
  [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
  if [ $rc -ne 0 ]; then
    log "failed (exit $rc); logs in $WORK; purging the packages"
    dpkg --purge posturemap-dashboard posturemap >/dev/null 2>&1 || true
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# A loopback port nothing listens on, and none of the ports given.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    case " $* " in *" $port "*) continue ;; esac
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
# Step timings, printed as they end and summed up at the end.
TIMINGS=() STEP_START=$(date +%s) TEST_START=$(date +%s)
step_done() {
  local now
  now=$(date +%s)
  TIMINGS+=("$1 $((now - STEP_START)) s")
  log "($1: $((now - STEP_START)) s)"
  STEP_START=$now
}
# GET http://127.0.0.1:PORT/PATH with bash's /dev/tcp (a fresh Debian 12 has no curl), with the
# bearer token when given: the whole response (status line, headers, body) on stdout.
http_get() {
  local port=$1 path=$2 token=${3:-} auth=""
  [ -n "$token" ] && auth="Authorization: Bearer $token"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n%sConnection: close\r\n\r\n' \
    "$path" "$port" "$auth" >&3
  timeout 20 cat <&3
  exec 3<&-
}
http_status() { head -1 | tr -d '\r' | cut -d' ' -f2; }
# A package's regular files, one path a line (./usr/bin/...).
deb_files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print $6}'; }

# --- 1. packages ---------------------------------------------------------------------------
VERSION=$(sed -n 's/^CPACK_PACKAGE_VERSION:STRING=//p; s/^CMAKE_PROJECT_VERSION:STATIC=//p' \
  "$BUILD/CMakeCache.txt" | head -1)
[ -n "$VERSION" ] || fail "no project version in $BUILD/CMakeCache.txt (configure first)"
NEXT="$VERSION+1"
log "cpack: posturemap and posturemap-dashboard $VERSION (one run), both repacked as $NEXT"
(cd "$BUILD" && cpack -G DEB -B "$WORK/v1" >"$WORK/cpack1.log" 2>&1) ||
  { cat "$WORK/cpack1.log"; fail "cpack"; }
DEB1=$(ls "$WORK"/v1/posturemap_*.deb) || fail "cpack made no posturemap_*.deb"
DASH1=$(ls "$WORK"/v1/posturemap-dashboard_*.deb) || fail "cpack made no posturemap-dashboard_*.deb"
# Version N+1: the same package with the next version (what an upgrade sees: new version, same
# conffile), repacked rather than a second cpack run (saves a minute of CI).
repack() {  # DEB NAME -> $WORK/v2/NAME_<NEXT>_<arch>.deb
  local out
  out=$WORK/v2/$2_${NEXT}_$(dpkg --print-architecture).deb
  mkdir -p "$WORK/v2"
  dpkg-deb -R "$1" "$WORK/v2/$2"
  sed -i "s/^Version: .*/Version: $NEXT/" "$WORK/v2/$2/DEBIAN/control"
  dpkg-deb --root-owner-group -b "$WORK/v2/$2" "$out" >/dev/null
  echo "$out"
}
DEB2=$(repack "$DEB1" posturemap)
DASH2=$(repack "$DASH1" posturemap-dashboard)
for deb in "$DEB1" "$DASH1" "$DEB2" "$DASH2"; do
  log "  $(basename "$deb") $(du -k "$deb" | cut -f1) KiB"
done
# (listings are read into variables first: grep -q ending a pipe early is no failure to miss)
for deb in "$DEB1" "$DASH1"; do
  dpkg-deb -f "$deb" Package Version Depends Recommends Suggests | sed 's/^/  /' >&2
  listing=$(dpkg-deb -c "$deb")
  awk '{print "  " $1 " " $6}' <<<"$listing" >&2
  # No test or benchmark program in either package.
  if grep -Eq '_test$|pmap-bench|pmap-train|eval$|pmap-it-' <<<"$listing"; then
    fail "a test or benchmark program is in $(basename "$deb")"
  fi
  grep -q 'libpaho-mqttpp3' <<<"$(dpkg-deb -f "$deb" Depends)" ||
    fail "$(basename "$deb"): Depends lacks libpaho-mqttpp3"
done
! grep -q dashboard <<<"$(deb_files "$DEB1")" || fail "the dashboard is in the posturemap package"
# The dashboard package: exactly its program, its desktop entry and icon, its documentation; the
# Qt libraries in Depends, and no dependency on posturemap (it reaches a gateway over the network).
DASH_FILES="./usr/bin/pmap-dashboard
./usr/share/applications/pmap-dashboard.desktop
./usr/share/doc/posturemap-dashboard/dashboard.md
./usr/share/icons/hicolor/scalable/apps/pmap-dashboard.svg"
[ "$(deb_files "$DASH1" | sort)" = "$DASH_FILES" ] ||
  fail "posturemap-dashboard holds: $(deb_files "$DASH1" | tr '\n' ' ')"
# Each package's own synopsis (CPack would otherwise put one shared summary first).
[ "$(dpkg-deb -f "$DEB1" Description | head -1)" = "PostureMap gateway, mat simulator and tools" ] ||
  fail "posturemap's synopsis: $(dpkg-deb -f "$DEB1" Description | head -1)"
[ "$(dpkg-deb -f "$DASH1" Description | head -1)" = "PostureMap desktop dashboard (Qt)" ] ||
  fail "posturemap-dashboard's synopsis: $(dpkg-deb -f "$DASH1" Description | head -1)"
DASH_DEPENDS=$(dpkg-deb -f "$DASH1" Depends)
for lib in libqt6widgets6 libqt6charts6 libqt6network6; do
  grep -q "$lib" <<<"$DASH_DEPENDS" || fail "posturemap-dashboard: Depends lacks $lib"
done
if grep -Eq '(^|[,|]) *posturemap( |,|$)' <<<"$DASH_DEPENDS"; then
  fail "posturemap-dashboard depends on posturemap"
fi
if command -v desktop-file-validate >/dev/null; then
  dpkg-deb --fsys-tarfile "$DASH1" | tar -xO ./usr/share/applications/pmap-dashboard.desktop \
    >"$WORK/pmap-dashboard.desktop"
  desktop-file-validate "$WORK/pmap-dashboard.desktop" || fail "desktop-file-validate"
else
  log "  (desktop-file-validate missing: the .desktop file is not validated)"
fi
step_done "cpack + repack + contents"

# --- 2. install ----------------------------------------------------------------------------
log "install $VERSION: posturemap and posturemap-dashboard"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB1" "$DASH1" \
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
[ -x /usr/bin/pmap-dashboard ] || fail "/usr/bin/pmap-dashboard missing"
[ -f /usr/share/applications/pmap-dashboard.desktop ] || fail "the dashboard's .desktop file is missing"
/usr/bin/pmap-dashboard --help >"$WORK/dashboard-help.txt" 2>&1 ||
  { cat "$WORK/dashboard-help.txt"; fail "pmap-dashboard --help"; }
grep -q -- '--screenshot' "$WORK/dashboard-help.txt" || fail "pmap-dashboard --help: no options listed"
step_done "install"

# --- 3. secured broker, gateway as pmap, simulated mat over TLS ------------------------------
log "secured broker: pmap-broker-setup + the installed pmap.conf"
KIT=$WORK/broker
/usr/sbin/pmap-broker-setup "$KIT" --mat bed1 >"$WORK/setup.log" 2>&1 ||
  { cat "$WORK/setup.log"; fail "pmap-broker-setup"; }
for account in pmap.gateway pmap.dashboard pmap.homeassistant bed1; do
  [ -f "$KIT/clients/$account.crt" ] || fail "pmap-broker-setup made no account $account"
done
LOCAL_PORT=$(free_port)
TLS_PORT=$(free_port "$LOCAL_PORT")
API_PORT=$(free_port "$LOCAL_PORT" "$TLS_PORT")
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
# The API's bearer token (docs/api.md), root:pmap 0640 like the other secrets.
(umask 077 && openssl rand -hex 24 >"$WORK/api.token")
install -m 0640 -o root -g pmap "$WORK/api.token" /etc/pmap/api.token
TOKEN=$(head -1 /etc/pmap/api.token)
# (sed on the shipped lines: a fresh Debian 12 has no JSON tool)
sed -i -e "s#\"broker\": \"tcp://127.0.0.1:1883\"#\"broker\": \"ssl://localhost:$TLS_PORT\"#" \
  -e 's#"mqtt_username": ""#"mqtt_username": "pmap.gateway"#' \
  -e 's#"mqtt_password_file": ""#"mqtt_password_file": "/etc/pmap/mqtt-password"#' \
  -e 's#"tls_ca_file": ""#"tls_ca_file": "/etc/pmap/tls/ca.crt"#' \
  -e 's#"tls_cert_file": ""#"tls_cert_file": "/etc/pmap/tls/gateway.crt"#' \
  -e 's#"tls_key_file": ""#"tls_key_file": "/etc/pmap/tls/gateway.key"#' \
  -e "s#\"api_listen\": \"127.0.0.1:8787\"#\"api_listen\": \"127.0.0.1:$API_PORT\"#" \
  -e 's#"api_token_file": ""#"api_token_file": "/etc/pmap/api.token"#' \
  -e 's#"ha_discovery_prefix": "[^"]*"#"ha_discovery_prefix": "homeassistant"#' /etc/pmap/gateway.json
for edited in "ssl://localhost:$TLS_PORT" "\"api_listen\": \"127.0.0.1:$API_PORT\"" \
  '"api_token_file": "/etc/pmap/api.token"' '"ha_discovery_prefix": "homeassistant"'; do
  grep -qF "$edited" /etc/pmap/gateway.json || fail "could not edit gateway.json ($edited)"
done

# A Home Assistant discovery listener: what Home Assistant's MQTT integration subscribes to, with
# its read-only account pmap.homeassistant over TLS. The options (with the password) go in
# mosquitto_sub's own config file rather than on the command line.
install -d -m 0700 "$WORK/ha-client" "$WORK/gw-client"
{
  printf -- '-h localhost\n-p %s\n-u pmap.homeassistant\n-P %s\n' "$TLS_PORT" \
    "$(head -1 "$KIT/clients/pmap.homeassistant.password")"
  printf -- '--cafile %s\n--cert %s\n--key %s\n' "$KIT/ca.crt" \
    "$KIT/clients/pmap.homeassistant.crt" "$KIT/clients/pmap.homeassistant.key"
} >"$WORK/ha-client/mosquitto_sub"
ha_sub() { XDG_CONFIG_HOME=$WORK/ha-client mosquitto_sub "$@"; }
# Retained discovery configs as "topic payload" lines (what a Home Assistant starting now gets).
retained_configs() {
  local rc=0
  ha_sub -t 'homeassistant/#' -v --retained-only -W 1 >"$WORK/retained.out" 2>"$WORK/retained.err" || rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 27 ] || { cat "$WORK/retained.err"; fail "mosquitto_sub exit $rc"; }  # 27: -W
  grep -E '^homeassistant/[^ ]+/config [^ ]' "$WORK/retained.out" || true
}
# (mosquitto_sub itself in the background, not the function: $! must be its pid to stop it)
XDG_CONFIG_HOME=$WORK/ha-client mosquitto_sub -t 'homeassistant/#' -t pmap/gateway/status -v \
  >"$WORK/ha.out" 2>"$WORK/ha.err" &
LISTENER_PID=$!
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

log "pmap-dashboard (installed) live over TLS with the read-only account pmap.dashboard"
install -d -m 0700 "$WORK/xdg-runtime"
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$WORK/xdg-runtime timeout 120 /usr/bin/pmap-dashboard \
  --broker "ssl://localhost:$TLS_PORT" --mqtt-username pmap.dashboard \
  --mqtt-password-file "$KIT/clients/pmap.dashboard.password" --tls-ca-file "$KIT/ca.crt" \
  --tls-cert-file "$KIT/clients/pmap.dashboard.crt" --tls-key-file "$KIT/clients/pmap.dashboard.key" \
  --api "http://127.0.0.1:$API_PORT" --token-file /etc/pmap/api.token --view live \
  --screenshot "$WORK/dashboard-live.png" --wait-ms 30000 \
  >"$WORK/dashboard-live.out" 2>"$WORK/dashboard-live.err" &
DASHBOARD_PID=$!
# Its subscriptions must be in place before the simulated mat's first frame.
for _ in $(seq 100); do
  grep -q "as pmap-dashboard-.* u'pmap.dashboard'" "$WORK/mosquitto.log" && break
  sleep 0.1
done
grep -q "as pmap-dashboard-.* u'pmap.dashboard'" "$WORK/mosquitto.log" ||
  { cat "$WORK/dashboard-live.err"; fail "pmap-dashboard did not connect to the secured broker"; }
sleep 1

log "pmap-sim as mat bed1 over TLS (ssl://localhost:$TLS_PORT)"
/usr/bin/pmap-sim --broker "ssl://localhost:$TLS_PORT" --mat bed1 --kind bed --scenario night \
  --duration 120 --speed max --seed 2 --mqtt-username bed1 \
  --mqtt-password-file "$KIT/clients/bed1.password" --tls-ca-file "$KIT/ca.crt" \
  --tls-cert-file "$KIT/clients/bed1.crt" --tls-key-file "$KIT/clients/bed1.key" \
  >"$WORK/sim.out" 2>"$WORK/sim.err" || { cat "$WORK/sim.err"; fail "pmap-sim"; }
# The last field of that name in the tools' one-line JSON summaries.
json_int() { grep -o "\"$1\": *[0-9]*" "$2" | tail -1 | grep -o '[0-9]*$'; }
published=$(json_int frames_published "$WORK/sim.out")
sleep 3  # the gateway drains its queue; /metrics counters are up to 1 s old
step_done "secured broker, gateway, pmap-sim over TLS"

log "GET /metrics on 127.0.0.1:$API_PORT with the bearer token, and without it"
http_get "$API_PORT" /metrics "$TOKEN" >"$WORK/metrics.txt" || fail "GET /metrics: no answer"
[ "$(http_status <"$WORK/metrics.txt")" = 200 ] || { head -20 "$WORK/metrics.txt"; fail "GET /metrics with the token"; }
metric() { tr -d '\r' <"$WORK/metrics.txt" | sed -n "s/^$1{mat=\"bed1\"} \([0-9]*\)$/\1/p"; }
received=$(metric pmap_frames_received_total)
metric_accepted=$(metric pmap_frames_accepted_total)
[ "$received" = "$published" ] ||
  fail "pmap_frames_received_total{mat=\"bed1\"} is '$received', pmap-sim published $published"
[ "$metric_accepted" = "$published" ] ||
  fail "pmap_frames_accepted_total{mat=\"bed1\"} is '$metric_accepted', pmap-sim published $published"
grep -q '^pmap_mqtt_connected 1' "$WORK/metrics.txt" || fail "/metrics: pmap_mqtt_connected is not 1"
http_get "$API_PORT" /metrics >"$WORK/metrics-401.txt" || fail "GET /metrics without the token: no answer"
[ "$(http_status <"$WORK/metrics-401.txt")" = 401 ] ||
  fail "GET /metrics without the token: $(head -1 "$WORK/metrics-401.txt")"
log "  /metrics: bed1 received $received, accepted $metric_accepted of $published; 401 without the token"

wait "$DASHBOARD_PID" || { cat "$WORK/dashboard-live.err"; fail "pmap-dashboard --view live"; }
DASHBOARD_PID=""
facts=$(tr -d ' \n' <"$WORK/dashboard-live.png.json")
grep -q '"broker_connected":true' <<<"$facts" || fail "pmap-dashboard live: not connected: $facts"
grep -q '"mat":"bed1"' <<<"$facts" || fail "pmap-dashboard live: no mat bed1: $facts"
grep -q '"heatmap_drawn":true' <<<"$facts" || fail "pmap-dashboard live: no heatmap: $facts"
log "  dashboard-live.png $(du -k "$WORK/dashboard-live.png" | cut -f1) KiB: bed1's heatmap over TLS"

log "pmap-dashboard (installed) renders the night view from the installed gateway's API"
QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$WORK/xdg-runtime timeout 120 /usr/bin/pmap-dashboard \
  --api "http://127.0.0.1:$API_PORT" --token-file /etc/pmap/api.token --no-mqtt --view night \
  --screenshot "$WORK/dashboard-night.png" --wait-ms 10000 >"$WORK/dashboard.out" 2>"$WORK/dashboard.err" ||
  { cat "$WORK/dashboard.err"; fail "pmap-dashboard --screenshot"; }
[ "$(head -c 8 "$WORK/dashboard-night.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
  fail "pmap-dashboard wrote no PNG"
[ -s "$WORK/dashboard-night.png.json" ] || fail "pmap-dashboard wrote no facts file"
grep -Eq '"api_reachable": *true' "$WORK/dashboard-night.png.json" ||
  { cat "$WORK/dashboard-night.png.json"; fail "pmap-dashboard did not reach the gateway's API"; }
grep -Eq '"timed_out": *false' "$WORK/dashboard-night.png.json" ||
  { cat "$WORK/dashboard-night.png.json"; fail "pmap-dashboard timed out waiting for the night"; }
log "  dashboard-night.png $(du -k "$WORK/dashboard-night.png" | cut -f1) KiB; facts:" \
  "$(tr -d ' \n' <"$WORK/dashboard-night.png.json" | cut -c1-300)"
step_done "/metrics + pmap-dashboard"

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

# Home Assistant's view: bed1's discovery configs (docs/home_assistant.md, "Entities": 9 for a bed
# mat), each with its device and both availability topics, and the gateway's status.
for _ in $(seq 30); do
  grep -q '^pmap/gateway/status offline$' "$WORK/ha.out" && break
  kill -0 "$LISTENER_PID" 2>/dev/null || { cat "$WORK/ha.err"; fail "the Home Assistant listener exited"; }
  sleep 0.1
done
kill "$LISTENER_PID" 2>/dev/null || true
wait "$LISTENER_PID" 2>/dev/null || true
LISTENER_PID=""
BED_ENTITIES=9
configs=$(grep -E '^homeassistant/(sensor|binary_sensor)/pmap_bed1/[a-z_]+/config \{' "$WORK/ha.out" |
  cut -d' ' -f1 | sort -u | wc -l)
[ "$configs" = "$BED_ENTITIES" ] ||
  { cat "$WORK/ha.out" "$WORK/ha.err"; fail "the listener saw $configs discovery configs of bed1, not $BED_ENTITIES"; }
config=$(grep -m1 '^homeassistant/binary_sensor/pmap_bed1/in_bed/config ' "$WORK/ha.out" | cut -d' ' -f2-)
for field in '"identifiers":["pmap_bed1"]' '"manufacturer":"PostureMap"' '"availability_mode":"all"' \
  '"topic":"pmap/gateway/status"' '"topic":"pmap/v1/bed1/status"' '"state_topic":"pmap/v1/bed1/state"' \
  '"unique_id":"pmap_bed1_in_bed"'; do
  grep -qF "$field" <<<"$config" || fail "the in_bed config lacks $field: $config"
done
grep -q '^pmap/gateway/status online$' "$WORK/ha.out" || fail "the listener never saw the gateway online"
grep -q '^pmap/gateway/status offline$' "$WORK/ha.out" || fail "the listener did not see the gateway go offline"
# A clean stop does not clear them: a Home Assistant starting now still finds the configs.
[ "$(retained_configs | wc -l)" = "$BED_ENTITIES" ] || fail "the retained configs after the stop"
log "Home Assistant listener (pmap.homeassistant, TLS): $configs configs of bed1 with device and" \
  "availability; gateway online, then offline; the configs stay retained"
step_done "Home Assistant listener"

# --- 4. upgrade and reinstall ----------------------------------------------------------------
log "upgrade both to $NEXT"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB2" "$DASH2" \
  >"$WORK/install2.log" 2>&1 || { cat "$WORK/install2.log"; fail "upgrade"; }
for package in posturemap posturemap-dashboard; do
  [ "$(dpkg-query -W -f='${Version}' "$package")" = "$NEXT" ] || fail "$package: version after upgrade"
done
/usr/bin/pmap-dashboard --help >/dev/null 2>&1 || fail "pmap-dashboard --help after the upgrade"
grep -q '"mqtt_username": "pmap.gateway"' /etc/pmap/gateway.json || fail "upgrade lost the edited config"
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "upgrade changed the database"
[ -f /etc/pmap/mqtt-password ] || fail "upgrade lost /etc/pmap/mqtt-password"
log "reinstall $NEXT"
dpkg -i "$DEB2" "$DASH2" >"$WORK/install3.log" 2>&1 || { cat "$WORK/install3.log"; fail "reinstall"; }
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "reinstall changed the database"
[ "$(mode_owner /var/lib/pmap)" = "700 pmap" ] || fail "/var/lib/pmap after reinstall"
step_done "upgrade + reinstall"

# --- 5. remove, purge ------------------------------------------------------------------------
log "remove posturemap: data and config stay, the dashboard stays and runs"
dpkg -r posturemap >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r posturemap"; }
[ ! -e /usr/bin/pmap-gateway ] || fail "remove left /usr/bin/pmap-gateway"
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "remove touched the database"
[ -f /etc/pmap/gateway.json ] || fail "remove deleted the conffile"
/usr/bin/pmap-dashboard --help >/dev/null 2>&1 || fail "pmap-dashboard --help without posturemap"
log "remove posturemap-dashboard"
dpkg -r posturemap-dashboard >"$WORK/remove-dashboard.log" 2>&1 ||
  { cat "$WORK/remove-dashboard.log"; fail "dpkg -r posturemap-dashboard"; }
[ ! -e /usr/bin/pmap-dashboard ] || fail "remove left /usr/bin/pmap-dashboard"
log "install both again over the kept data, then purge"
dpkg -i "$DEB2" "$DASH2" >"$WORK/install4.log" 2>&1 || { cat "$WORK/install4.log"; fail "install after remove"; }
[ "$(md5sum /var/lib/pmap/pmap.db | cut -d' ' -f1)" = "$db_sum" ] || fail "reinstall after remove"
grep -q '"mqtt_username": "pmap.gateway"' /etc/pmap/gateway.json || fail "config lost after remove"
dpkg --purge posturemap-dashboard >"$WORK/purge-dashboard.log" 2>&1 ||
  { cat "$WORK/purge-dashboard.log"; fail "dpkg --purge posturemap-dashboard"; }
while read -r file; do
  [ ! -e "${file#.}" ] || fail "purging posturemap-dashboard left ${file#.}"
done < <(deb_files "$DASH2")
[ ! -e /usr/share/doc/posturemap-dashboard ] || fail "purge left /usr/share/doc/posturemap-dashboard"
! dpkg-query -W posturemap-dashboard >/dev/null 2>&1 || fail "purge left dpkg's record of posturemap-dashboard"
dpkg --purge posturemap >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge"; }
[ ! -e /var/lib/pmap ] || fail "purge left /var/lib/pmap"
[ ! -e /etc/pmap ] || fail "purge left /etc/pmap"
! getent passwd pmap >/dev/null || fail "purge left the user pmap"
! dpkg-query -W posturemap >/dev/null 2>&1 || fail "purge left dpkg's record"

# What purging the packages cannot reach: the broker keeps the retained discovery configs (the
# gateway clears a mat's configs only when the mat's meta is cleared while it runs, not when it
# stops). The admin clears them (docs/deploy.md) with an account allowed to write homeassistant/#,
# here pmap.gateway on the loopback listener; Home Assistant then deletes the entities.
left=$(retained_configs | cut -d' ' -f1)
[ "$(wc -l <<<"$left")" = "$BED_ENTITIES" ] || fail "after the purge the broker holds: $left"
{
  printf -- '-h 127.0.0.1\n-p %s\n-u pmap.gateway\n-P %s\n' "$LOCAL_PORT" \
    "$(head -1 "$KIT/clients/pmap.gateway.password")"
} >"$WORK/gw-client/mosquitto_pub"
for topic in $left pmap/gateway/status; do
  XDG_CONFIG_HOME=$WORK/gw-client mosquitto_pub -r -n -q 1 -t "$topic" ||
    fail "mosquitto_pub -r -n -t $topic"
done
[ -z "$(retained_configs)" ] || fail "retained discovery configs left after clearing them"
log "purged; the $BED_ENTITIES retained discovery configs left on the broker were cleared (mosquitto_pub -r -n)"
step_done "remove + purge + broker clean-up"
log "timings: ${TIMINGS[*]/%/;} total $(($(date +%s) - TEST_START)) s"
log "ok: both packages: install, TLS round trip, Home Assistant discovery, /metrics, dashboard," \
  "upgrade, reinstall, remove, purge"
