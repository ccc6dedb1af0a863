#!/usr/bin/env bash
# Calibration on simulated mats over seeds (docs/calibration.md, "Evidence"): fit on the default
# calibration session of a mat, check on another session of the same mat at levels between the
# fit's (within range), and compare the dead/stuck map with the simulator's truth. Run from the
# repository root after a build. KIND=chair R=32 C=32 for chair mats; FIRST/LAST pick the seeds.
set -euo pipefail
B=${B:-build/bin}
KIND=${KIND:-bed}; R=${R:-64}; C=${C:-32}
out=${OUT:-/tmp/pmap-calibration-eval}; mkdir -p $out
for seed in $(seq ${FIRST:-1} ${LAST:-10}); do
  $B/pmap-sim --scenario calibration --kind $KIND --mat m1 --seed $seed --csv $out/fit.csv --truth-out $out/truth.json >/dev/null 2>&1
  $B/pmap-sim --scenario calibration --kind $KIND --mat m1 --seed $seed --cal-levels ${CHECK_LEVELS:-0,15,30,50,70,90,120} --csv $out/check.csv >/dev/null 2>&1
  $B/pmap-calibrate fit --input $out/fit.csv --rows $R --cols $C --mat m1 -o $out/cal.json > $out/fit.txt
  $B/pmap-calibrate check --cal $out/cal.json --input $out/check.csv --rows $R --cols $C --json > $out/check.json
  python3 - "$seed" "$out" <<'PY'
import json,sys
seed,out=sys.argv[1],sys.argv[2]
cal=json.load(open(out+'/cal.json')); t=json.load(open(out+'/truth.json')); ck=json.load(open(out+'/check.json'))
status=''.join(cal['taxels']['status_map'])
dead={i for i,c in enumerate(status) if c=='D'}; stuck={i for i,c in enumerate(status) if c=='S'}
td=set(t['dead_taxels']); ts={s['index'] for s in t['stuck_taxels']}
truth=td|ts; found=dead|stuck
c=ck['calibration']; g=ck['single_global_curve']; l=ck['single_global_line']
print(f"{seed} fs={c['full_scale_mmhg']:.0f} family={cal['curve']['family']} knots={len(cal['curve']['knot_mmhg'])} "
      f"frame_rms%={c['rms_pct_fs']:.2f} holdmean%={c['hold_mean_rms_pct_fs']:.2f} global_curve%={g['rms_pct_fs']:.2f} global_line%={l['rms_pct_fs']:.2f} "
      f"faulty_truth={len(truth)} found={len(truth&found)} false={len(found-truth)}")
PY
done
