#!/usr/bin/env python3
"""Feeds one synthetic mat to a broker through `mosquitto_pub -l` (one message per line), for
measuring pmap-dashboard's live view without a gateway (docs/performance.md, "Dashboard").

    dashboard_feed.py frame bed1 10 | mosquitto_pub -p 19011 -l -t pmap/v1/bed1/frame
    dashboard_feed.py state bed1 1  | mosquitto_pub -p 19011 -l -t pmap/v1/bed1/state

The meta is published retained first by the caller (see docs/performance.md). Frames are JSON
(docs/protocol.md §5): a 64 x 32 mat with a body-shaped load that drifts slowly."""
import json
import math
import sys
import time

kind, mat, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows, cols = 64, 32
PERIOD_S = 10 * math.pi  # the load's drift repeats; its frames are made once (the rate holds)


def body(drift):
    values = []
    for r in range(rows):
        for c in range(cols):
            v = 0.0
            for (cr, cc, s, a) in ((10, 16, 4, 500), (30, 16 + drift / 3, 7, 700), (50, 12, 3, 300),
                                   (50, 20, 3, 300)):
                v += a * math.exp(-((r - cr) ** 2 + (c - cc) ** 2) / (2 * s * s))
            values.append(min(1000, int(v)))
    return values


steps = max(1, int(PERIOD_S * rate))
frames = [body(3 * math.sin(2 * math.pi * i / steps)) for i in range(steps)] if kind == "frame" else []
seq = 0
start = time.time()
while True:
    t = time.time()
    drift = 3 * math.sin((t - start) / 5)
    if kind == "frame":
        msg = {"v": 1, "seq": seq, "ts_us": int(t * 1e6), "rows": rows, "cols": cols,
               "values": frames[seq % steps]}
    else:
        msg = {"v": 1, "mat": mat, "kind": "bed", "ts_us": int(t * 1e6), "occupied": True,
               "occupancy": "occupied", "total_load": {"raw": 1, "force_n": 700 + 20 * drift},
               "cop": {"row": 30 + drift, "col": 16}, "calibrated": False,
               "posture": {"position": "supine", "confidence": 0.9, "axis_deg": drift,
                           "knee_support": {"state": "flexed_supported", "pelvic_tilt_deg": 3}}}
    print(json.dumps(msg), flush=True)
    seq += 1
    # On an absolute schedule, so the rate holds whatever each message cost.
    time.sleep(max(0.0, start + seq / rate - time.time()))
