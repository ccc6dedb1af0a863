#!/usr/bin/python3
"""Side-by-side pictures of pmap-sim frames and real PMD recordings (docs/firmware-sim.md).

Usage: /usr/bin/python3 docs/tools/sim_vs_pmd.py BUILD_DIR PMD_DIR OUT_DIR

Runs BUILD_DIR/bin/pmap-sim --output for a few static scenarios, reads the frame logs (format in
docs/firmware-sim.md), and draws docs/img/sim-vs-pmd.png (bed: PMD experiment-i vs simulation)
and docs/img/sim-chair.png (seat postures). PMD data: M. Baran Pouyan et al., "A pressure map
dataset for posture and subject analytics", IEEE EMBS BHI 2017, PhysioNet, ODC-By 1.0.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_frame_log(path):
    """Returns (meta dict, list of 2-D arrays in the mat's own layout)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"PMAPLOG\0":
        raise ValueError(f"{path}: not a frame log")
    _version, id_len, meta_len = struct.unpack_from("<HHI", data, 8)
    offset = 16 + id_len
    meta = json.loads(data[offset:offset + meta_len])
    offset += meta_len
    frames = []
    while offset < len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        frame = data[offset + 4:offset + 4 + length]
        encoding = frame[5]
        rows, cols = struct.unpack_from("<HH", frame, 20)
        dtype = "<u2" if encoding == 1 else "u1"
        values = np.frombuffer(frame[24:-4], dtype=dtype).reshape(rows, cols)
        frames.append(values.astype(float))
        offset += 4 + length
    return meta, frames


def simulate(build, scenario, kind, seed, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "log.pmaplog")
        subprocess.run([os.path.join(build, "bin", "pmap-sim"), "--output", out, "--mat", "m",
                        "--kind", kind, "--scenario", scenario, "--duration", "5", "--seed",
                        str(seed), *extra], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return read_frame_log(out)[1]


def sim_image(build, scenario, kind, seed, extra=()):
    """Mean of a few frames minus the same mat's empty reading (a tare, as PMD exp-i is zeroed)."""
    loaded = np.mean(simulate(build, scenario, kind, seed, extra), axis=0)
    empty = np.mean(simulate(build, "empty", kind, seed, extra), axis=0)
    return np.clip(loaded - empty, 0, None)


def pmd_image(pmd, subject, posture_file):
    """PMD experiment-i, frames 5.. averaged, transformed to canonical layout (mirror columns)."""
    frames = np.loadtxt(os.path.join(pmd, "experiment-i", subject, posture_file))
    mean = frames[5:].mean(axis=0).reshape(64, 32)
    return mean[:, ::-1]


def main():
    build, pmd, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    vmax = 300
    cases = [("supine", "1.txt", "supine"), ("right side", "2.txt", "right"),
             ("left side", "3.txt", "left"), ("fetal (right)", "13.txt", "fetal-right")]
    subjects = ["S2", "S6"]
    fig, axes = plt.subplots(3, len(cases), figsize=(11, 12.5))
    for col, (title, pmd_file, scenario) in enumerate(cases):
        for row, subject in enumerate(subjects):
            ax = axes[row][col]
            ax.imshow(pmd_image(pmd, subject, pmd_file), cmap="jet", vmin=0, vmax=vmax)
            ax.set_title(f"PMD {subject}: {title}", fontsize=9)
        ax = axes[2][col]
        image = ax.imshow(sim_image(build, scenario, "bed", 11, ["--height-cm", "177",
                                                                 "--weight-kg", "80"]),
                          cmap="jet", vmin=0, vmax=vmax)
        ax.set_title(f"pmap-sim: {scenario}", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=axes, shrink=0.5, label="raw counts (0-1000 full scale)")
    fig.suptitle("Canonical layout (row 0 = head, column 0 = person's right). Rows 1-2: real PMD\n"
                 "experiment-i (M. Baran Pouyan et al., IEEE EMBS BHI 2017, PhysioNet, ODC-By "
                 "1.0).\nRow 3: pmap-sim, 177 cm / 80 kg, empty-mat reading subtracted.",
                 fontsize=9)
    fig.savefig(os.path.join(out, "sim-vs-pmd.png"), dpi=80)

    chair_cases = [("upright", []), ("slouched", ["--chair-tilt-deg", "20"]),
                   ("obliquity +8 deg", ["--chair-obliquity-deg", "8"]),
                   ("wallet right", ["--chair-wallet", "right"])]
    fig, axes = plt.subplots(1, len(chair_cases), figsize=(13, 3.8))
    for ax, (title, extra) in zip(axes, chair_cases):
        image = ax.imshow(sim_image(build, "sitting", "chair", 5, ["--height-cm", "177",
                                                                   "--weight-kg", "80", *extra]),
                          cmap="jet", vmin=0, vmax=1000)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=axes, shrink=0.8, label="raw counts")
    fig.suptitle("pmap-sim seat mat, 32 x 32 at 14 mm: row 0 = backrest edge, column 0 = "
                 "sitter's right", fontsize=10)
    fig.savefig(os.path.join(out, "sim-chair.png"), dpi=80)


if __name__ == "__main__":
    main()
