#!/usr/bin/env bash
# A month of simulated nights and working days, through mosquitto and pmap-gateway, into one
# SQLite file: the data behind the morning-report evidence (docs/reports.md, "Evidence").
#
#   docs/tools/report_month.sh OUT_DIR [NIGHTS] [START_DATE] [TZ] [SEED] [RATE]
#
# Defaults: 30 nights from 2026-10-01 in Europe/Berlin (a DST change on 2026-10-25), seed 5,
# 0.1 frames/s. Bed nights follow a setup schedule (thin and thick knee pillows, two nights at a
# time); the same schedule is entered with `pmapctl setup use`. Writes OUT_DIR/pmap.db,
# OUT_DIR/bed-truth.jsonl, OUT_DIR/chair-truth.jsonl and logs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${PMAP_BIN:-$ROOT/build/bin}
OUT=${1:?usage: report_month.sh OUT_DIR [NIGHTS] [START_DATE] [TZ] [SEED] [RATE]}
NIGHTS=${2:-30}
START=${3:-2026-10-01}
ZONE=${4:-Europe/Berlin}
SEED=${5:-5}
RATE=${6:-0.1}
mkdir -p "$OUT"
rm -f "$OUT"/pmap.db*

port=""
for _ in $(seq 100); do
  p=$((20000 + RANDOM % 40000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "no free port" >&2; exit 1; }
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n' "$port" >"$OUT/mosquitto.conf"
/usr/sbin/mosquitto -c "$OUT/mosquitto.conf" >"$OUT/mosquitto.log" 2>&1 &
BROKER=$!
GATEWAY=""
trap 'kill $GATEWAY $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# Setup schedule: thin for two nights, thick for two, from the first night on.
: >"$OUT/setups.txt"
for i in $(seq 0 $((NIGHTS - 1))); do
  d=$(date -u -d "$START + $i day" +%F)
  if [ $(((i / 2) % 2)) = 0 ]; then s=thin; else s=thick; fi
  echo "$d $s" >>"$OUT/setups.txt"
done

"$BIN/pmap-gateway" --broker "tcp://127.0.0.1:$port" --db "$OUT/pmap.db" \
  --client-id pmap-report-month --clock-skew-past-s 315360000 >"$OUT/gateway-summary.json" 2>"$OUT/gateway.log" &
GATEWAY=$!
sleep 1
"$BIN/pmap-sim" --broker "tcp://127.0.0.1:$port" --speed max --seed "$SEED" --rate "$RATE" \
  --nights "$NIGHTS" --start-date "$START" --tz "$ZONE" --setup-schedule "$OUT/setups.txt" \
  --mat bed1 --kind bed --truth-out "$OUT/bed-truth.jsonl" >"$OUT/sim-bed.json" 2>"$OUT/sim-bed.log" &
SIM_BED=$!
"$BIN/pmap-sim" --broker "tcp://127.0.0.1:$port" --speed max --seed "$((SEED + 1))" --rate "$RATE" \
  --nights "$NIGHTS" --start-date "$START" --tz "$ZONE" \
  --mat chair1 --kind chair --truth-out "$OUT/chair-truth.jsonl" >"$OUT/sim-chair.json" 2>"$OUT/sim-chair.log"
wait $SIM_BED
# Let the gateway drain its queue (the stored epochs stop growing), then stop it (SIGTERM
# flushes and closes episodes).
last=-1
while :; do
  sleep 3
  now=$(sqlite3 "$OUT/pmap.db" 'SELECT COALESCE(SUM(frames), 0) FROM epochs' 2>/dev/null || echo -1)
  [ "$now" = "$last" ] && break
  last=$now
done
kill -TERM "$GATEWAY"
wait "$GATEWAY" || true
GATEWAY=""

# The person's setups, as they would enter them: in use from 20:00 on the evening a night starts
# (the schedule's dates are the evenings, as pmap-sim's truth "date").

"$BIN/pmapctl" setup add thin --db "$OUT/pmap.db" --tz "$ZONE" --knee-pillow thin >/dev/null
"$BIN/pmapctl" setup add thick --db "$OUT/pmap.db" --tz "$ZONE" --knee-pillow thick >/dev/null
prev=""
while read -r d s; do
  [ "$s" = "$prev" ] && continue
  "$BIN/pmapctl" setup use "$s" --db "$OUT/pmap.db" --tz "$ZONE" --from "${d}T20:00" >/dev/null
  prev=$s
done <"$OUT/setups.txt"

echo "$OUT/pmap.db"
