#!/usr/bin/env bash
# The morning report's evidence on a month of simulated nights (docs/reports.md, "Evidence"):
# one diary with a planted effect on a measure chosen from `pmapctl nights --json`, and SEEDS
# pure-noise diaries; for each, a copy of the month's database, `pmapctl import`, and
# `pmapctl report --format json`. Prints the planted association and the noise claim rate.
#
#   docs/tools/report_evidence.sh MONTH_DIR [SEEDS] [MEASURE] [SCALE] [SLOPE]
#
# MONTH_DIR holds pmap.db from docs/tools/report_month.sh. Defaults: 20 seeds,
# side_knee_dropped_s in minutes, +0.04 leg-pain points per minute (+1.2 per 30 min).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${PMAP_BIN:-$ROOT/build/bin}
DIR=${1:?usage: report_evidence.sh MONTH_DIR [SEEDS] [MEASURE] [SCALE] [SLOPE]}
SEEDS=${2:-20}
MEASURE=${3:-side_knee_dropped_s}
SCALE=${4:-0.0166666667}
SLOPE=${5:-0.04}
ZONE=$(sqlite3 "$DIR/pmap.db" "SELECT tz FROM setup_switches LIMIT 1" 2>/dev/null || echo UTC)
[ -n "$ZONE" ] || ZONE=UTC
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
read -r FROM TO < <(sqlite3 -separator ' ' "$DIR/pmap.db" \
  "SELECT date(MIN(start_us) / 1000000, 'unixepoch', '-1 day'), date(MAX(end_us) / 1000000, 'unixepoch', '+1 day') FROM episodes")
"$BIN/pmapctl" nights --db "$DIR/pmap.db" --tz "$ZONE" --from "$FROM" --to "$TO" --json >"$WORK/nights.json"
LAST=$(python3 -c "import json,sys; n=json.load(open(sys.argv[1]))['nights']; print(max(x['wake_date'] for x in n))" "$WORK/nights.json")

report() {  # seed slope -> prints the report JSON path
  local seed=$1 slope=$2 db="$WORK/$1-$2.db"
  sqlite3 "$DIR/pmap.db" ".backup '$db'"
  python3 "$ROOT/docs/tools/planted_diary.py" "$WORK/nights.json" --measure "$MEASURE" \
    --scale "$SCALE" --slope "$slope" --seed "$seed" >"$WORK/diary.csv"
  "$BIN/pmapctl" import --db "$db" --tz "$ZONE" --csv "$WORK/diary.csv" >/dev/null
  "$BIN/pmapctl" report --db "$db" --tz "$ZONE" --date "$LAST" --format json -o "$WORK/r.json" >/dev/null
  rm -f "$db"*
  echo "$WORK/r.json"
}

r=$(report 1 "$SLOPE")
python3 - "$r" "$SLOPE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
hits = [a for a in r["associations"]["items"] if a["claimed"]]
print(f"planted {float(sys.argv[2]):+g} leg-pain points per unit of the measure; claimed:")
for a in r["associations"]["items"]:
    if a["outcome"] == "morning_leg_pain" and a["status"] == "tested" and a["claimed"]:
        print(f"  {a['metric']} -> {a['outcome']}: effect {a['effect']:+.2f} per {a['per_text']} (95 % {a['ci_low']:+.2f} to {a['ci_high']:+.2f}), n = {a['n']}")
print(f"  claims: {[(a['metric'], a['outcome']) for a in hits]} of {r['associations']['tested']} tested")
PY
claims=0
for seed in $(seq 1 "$SEEDS"); do
  r=$(report "$((seed + 100))" 0)
  n=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['associations']['claimed'])" "$r")
  [ "$n" -gt 0 ] && claims=$((claims + 1))
done
echo "pure noise: $claims of $SEEDS diaries gave a claim"
