#!/usr/bin/env python3
"""Plants a restless 10-hour night into a PostureMap database, for the dashboard's night-open
timing (docs/performance.md, "Dashboard"): mat bedN, 2026-11-19 21:00 -> 2026-11-20 07:00 UTC, a
position change every 30 s (1200 position and 1200 knee episodes), epochs and posture epochs every
5 s. Far denser than a real night. The database must exist with the current schema (e.g. made by
pmap-gateway --db FILE, or pmap-bench-api --nights 1 --db FILE).

    docs/tools/planted_night.py FILE
"""
import sqlite3
import sys

START_S = 1795122000  # 2026-11-19T21:00:00Z
HOURS = 10
US = 1_000_000


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    db = sqlite3.connect(sys.argv[1])
    end_s = START_S + HOURS * 3600
    db.execute("INSERT OR REPLACE INTO mats (id, kind, rows, cols, row_pitch_mm, col_pitch_mm, "
               "layout, firmware, meta_json, first_seen_us, last_seen_us) VALUES "
               "('bedN', 'bed', 64, 32, 28.6, 28.6, '{}', 'sim', '{}', ?, ?)",
               (START_S * US, end_s * US))
    episodes = [("bedN", "presence", START_S * US, end_s * US, "in_bed", 360000, 1.0)]
    positions = ["supine", "left", "supine", "right", "prone", "left"]
    for i, t in enumerate(range(START_S, end_s, 30)):
        episodes.append(("bedN", "position", t * US, (t + 30) * US, positions[i % 6], 300, 0.9))
        episodes.append(("bedN", "knee", t * US, (t + 30) * US,
                         "aligned" if i % 3 else "dropped", 300, 0.9))
    db.executemany("INSERT OR REPLACE INTO episodes VALUES (?,?,?,?,?,?,?)", episodes)
    epochs = []
    posture = []
    for t in range(START_S, end_s, 5):
        epochs.append(("bedN", t, 50, 50, 50 * 4000.0, 5000.0, None, 50 * 900.0, 50 * 30.0,
                       50 * 16.0, 50 * 0.01, 0, 49))
        posture.append(("bedN", t, 50, 30, 30 * 3.0, 20, 10, 10, 5, 0, 0, 0, 0, 0, 0))
    db.executemany("INSERT OR REPLACE INTO epochs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", epochs)
    db.executemany("INSERT OR REPLACE INTO posture_epochs VALUES "
                   "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", posture)
    db.commit()
    print(f"planted {len(episodes)} episodes, {len(epochs)} epochs on bedN")


if __name__ == "__main__":
    main()
