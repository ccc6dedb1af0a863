#!/usr/bin/env python3
"""A pain diary with a planted effect, for the morning-report evidence (docs/reports.md).

Reads `pmapctl nights --json` (a file, or - for stdin) and writes a pain-diary CSV in the
`pmapctl import` format: one on-waking entry per night at 07:30 local on its wake date, with

    leg pain  = base_leg  + slope * (measure per step) + AR(1) noise   (rounded, clipped 0-10)
    back pain = base_back + AR(1) noise

The measure is any numeric field of a night (e.g. side_knee_dropped_s); --scale converts it
(1/60 for minutes). --slope 0 gives pure-noise pain. Deterministic for a --seed.

  pmapctl nights --db pmap.db --tz Europe/Berlin --from 2026-10-01 --to 2026-11-01 --json \\
    | docs/tools/planted_diary.py - --measure side_knee_dropped_s --scale 0.016667 \\
        --slope 0.04 --seed 1 > diary.csv
"""
import argparse
import json
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("nights_json", help="pmapctl nights --json output, or - for stdin")
    ap.add_argument("--measure", required=True, help="numeric night field the leg pain follows")
    ap.add_argument("--scale", type=float, default=1.0, help="measure multiplier (1/60: s -> min)")
    ap.add_argument("--slope", type=float, required=True, help="leg-pain points per scaled unit")
    ap.add_argument("--base-leg", type=float, default=2.0)
    ap.add_argument("--base-back", type=float, default=3.0)
    ap.add_argument("--sd", type=float, default=0.8, help="noise SD, pain points")
    ap.add_argument("--ar", type=float, default=0.3, help="AR(1) coefficient of the noise")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tz", default=None, help="zone of the entries (default: the JSON's tz)")
    a = ap.parse_args()
    doc = json.load(sys.stdin if a.nights_json == "-" else open(a.nights_json))
    tz = a.tz or doc["tz"]
    rng = random.Random(a.seed)
    innov = a.sd * (1 - a.ar * a.ar) ** 0.5
    e_leg = rng.gauss(0, a.sd)
    e_back = rng.gauss(0, a.sd)
    print("time,tz,back_pain,leg_pain,extent,tags,bladder_bowel,saddle_numbness,leg_weakness,note")
    for night in sorted(doc["nights"], key=lambda n: n["wake_date"]):
        x = night.get(a.measure)
        if not isinstance(x, (int, float)):
            continue
        e_leg = a.ar * e_leg + rng.gauss(0, innov)
        e_back = a.ar * e_back + rng.gauss(0, innov)
        leg = min(10, max(0, round(a.base_leg + a.slope * x * a.scale + e_leg)))
        back = min(10, max(0, round(a.base_back + e_back)))
        extent = "thigh" if leg >= 3 else ("buttock" if leg >= 1 else "back")
        print(f"{night['wake_date']}T07:30,{tz},{back},{leg},{extent},on_waking,no,no,no,")


if __name__ == "__main__":
    main()
