#!/bin/sh
# Load run (issue 8, docs/performance.md "Load: 500 mats"): a private mosquitto on loopback, a
# pmap-gateway with a fresh database, and pmap-load (which starts the bare mosquitto_sub itself).
# Prints the load average before the run and pmap-load's JSON line, plus the broker's own count
# of dropped messages.
#
#   docs/tools/load_run.sh [BUILD_DIR] [-- pmap-load options]
#   docs/tools/load_run.sh build -- --mats 500 --rate-hz 10 --warmup-s 10 --duration-s 60
#
# Environment: PMAP_LOAD_BROKER_PORT (default 18920), PMAP_LOAD_API_PORT (18921),
# PMAP_LOAD_DIR (a fresh temporary directory), PMAP_LOAD_KEEP=1 keeps it; PMAP_LOAD_GATEWAY_NICE
# (e.g. -10, as root) renices the gateway, to tell its own stalls from the machine's scheduling.
set -eu
BUILD=${1:-build}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
BROKER_PORT=${PMAP_LOAD_BROKER_PORT:-18920}
API_PORT=${PMAP_LOAD_API_PORT:-18921}
DIR=${PMAP_LOAD_DIR:-$(mktemp -d /tmp/pmap-load.XXXXXX)}
mkdir -p "$DIR"

# The broker must not drop silently: mosquitto's default of 1000 queued QoS 1 messages per
# client drops the rest when a subscriber falls behind (500 mats x 10 Hz fill that in 0.2 s);
# 1 000 000 queued and no byte limit hold minutes of frames. max_inflight_messages 1000 (default
# 20) keeps the QoS 1 window to each subscriber from being the limit, and TCP_NODELAY keeps
# Nagle's algorithm from delaying the small state messages (latency is measured through them).
cat > "$DIR/mosquitto.conf" <<EOF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_queued_bytes 0
max_inflight_messages 1000
set_tcp_nodelay true
sys_interval 1
log_dest stderr
log_type error
log_type warning
log_type notice
EOF

cleanup() {
  [ -n "${GW:-}" ] && kill -TERM "$GW" 2>/dev/null && wait "$GW" 2>/dev/null || true
  [ -n "${MQ:-}" ] && kill -TERM "$MQ" 2>/dev/null && wait "$MQ" 2>/dev/null || true
  [ "${PMAP_LOAD_KEEP:-0}" = 1 ] || rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

mosquitto -c "$DIR/mosquitto.conf" 2>"$DIR/mosquitto.log" & MQ=$!
for _ in $(seq 50); do
  mosquitto_sub -p "$BROKER_PORT" -t '$SYS/broker/version' -C 1 -W 1 >/dev/null 2>&1 && break
  sleep 0.1
done

"$BUILD/bin/pmap-gateway" --broker "tcp://127.0.0.1:$BROKER_PORT" --db "$DIR/pmap.db" \
  --api-listen "127.0.0.1:$API_PORT" --log-level warn \
  >"$DIR/gateway.out" 2>"$DIR/gateway.err" & GW=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$API_PORT/metrics" 2>/dev/null | grep -q '^pmap_mqtt_connected 1' && break
  sleep 0.1
done

if [ -n "${PMAP_LOAD_GATEWAY_NICE:-}" ]; then  # every thread (nice is per thread on Linux)
  for t in /proc/"$GW"/task/*; do renice -n "$PMAP_LOAD_GATEWAY_NICE" -p "${t##*/}" >/dev/null; done
fi
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }  # CPU seconds (USER_HZ 100)
MQ0=$(cpu "$MQ"); GW0=$(cpu "$GW"); T0=$(date +%s)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/bin/pmap-load" --broker "tcp://127.0.0.1:$BROKER_PORT" \
  --metrics-url "http://127.0.0.1:$API_PORT/metrics" --gateway-pid "$GW" "$@" \
  2>"$DIR/load.err"
T1=$(date +%s)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU seconds over the $((T1 - T0)) s of pmap-load: mosquitto $(echo "$(cpu "$MQ") - $MQ0" | bc), gateway $(echo "$(cpu "$GW") - $GW0" | bc)"
echo "broker dropped messages: $(mosquitto_sub -p "$BROKER_PORT" -t '$SYS/broker/publish/messages/dropped' -C 1 -W 5 2>/dev/null || echo '?')"
