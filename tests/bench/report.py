#!/usr/bin/env python3
"""Turn tests/bench/run.sh results into docs/performance.md and a plot.

Reads results.jsonl (one line per run: mode, host, size, case, rep and the
bench-client's JSON result), memcpy.jsonl (bench-memcpy, one line per size
per round) and meta.json (machine, load, options). Takes the median over the
rounds of every figure (peak RSS: the largest), the ratio of fps to the
direct run of the same host, size and case, and writes a Markdown page and,
when matplotlib is there (Debian: python3-matplotlib), a PNG.
"""
import argparse
import json
import os
import statistics
import sys
import textwrap
from collections import defaultdict

MODE_ORDER = ["direct", "bridge", "waypipe-none", "waypipe-lz4"]
HOST_ORDER = ["bench-host", "weston", "sway"]
CASE_TEXT = {
    "full": "full damage, noise",
    "partial": "middle quarter damaged, noise",
    "flat": "full damage, flat colour",
    "unpaced": "full damage, noise, unpaced",
}
PROC_TEXT = {
    "agent": "agent",
    "daemon": "daemon",
    "wp_server": "waypipe server",
    "wp_client": "waypipe client",
    "host": "host",
}


def size_key(size):
    return {"1080p": 0, "4k": 1}.get(size, 2)


def order(seq, value):
    return seq.index(value) if value in seq else len(seq)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def load_jsonl(path):
    rows = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        print(f"report: skipping a bad line in {path}", file=sys.stderr)
    except FileNotFoundError:
        pass
    return rows


def aggregate(rows):
    groups = defaultdict(list)
    failed = defaultdict(int)
    for row in rows:
        key = (row["host"], row["mode"], row["size"], row["case"])
        if row.get("failed"):
            failed[key] += 1
        else:
            groups[key].append(row["result"])
    agg = {}
    for key in set(groups) | set(failed):
        runs = groups.get(key, [])
        a = {"runs": len(runs), "failed": failed.get(key, 0)}
        for field in ["fps", "mbps", "lat_p50_ms", "lat_p99_ms", "client_cpu_ms_per_frame"]:
            a[field] = median([r.get(field) for r in runs])
        procs = defaultdict(lambda: {"cpu": [], "hwm": []})
        for r in runs:
            for name, p in r.get("procs", {}).items():
                procs[name]["cpu"].append(p.get("cpu_ms_per_frame"))
                procs[name]["hwm"].append(p.get("hwm_kb"))
        a["procs"] = {
            name: {"cpu_ms": median(v["cpu"]), "hwm_kb": max(h for h in v["hwm"] if h is not None)
                   if any(h is not None for h in v["hwm"]) else None}
            for name, v in procs.items()
        }
        a["fps_all"] = [r.get("fps") for r in runs]
        # frames the host showed, and frames it replaced before showing them
        # (feedback `discarded`): a bridge that ran ahead of the host would
        # commit more than it presents
        a["presented_fps"] = median([r["presented"] / r["seconds"] for r in runs
                                     if r.get("presented") is not None and r.get("seconds")])
        a["discarded"] = sum(r.get("discarded") or 0 for r in runs)
        agg[key] = a
    # the ratio to direct is taken within each round (the runs of a round are
    # back to back, so a load that drifts between rounds cancels), then the
    # median over rounds
    fps_by_rep = defaultdict(dict)
    for row in rows:
        if not row.get("failed"):
            key = (row["host"], row["mode"], row["size"], row["case"])
            fps_by_rep[key][row["rep"]] = row["result"].get("fps")
    for key, a in agg.items():
        host, mode, size, case = key
        ref = fps_by_rep.get((host, "direct", size, case), {})
        ratios = [f / ref[rep] for rep, f in fps_by_rep.get(key, {}).items()
                  if f is not None and ref.get(rep)]
        a["ratio"] = median(ratios)
    return agg


def fmt(v, digits=1):
    if v is None:
        return "–"
    return f"{v:.{digits}f}"


def fps_cell(a):
    """The median, and the spread over the rounds when there are several."""
    runs = [f for f in a["fps_all"] if f is not None]
    if len(runs) < 2:
        return fmt(a["fps"])
    return f"{fmt(a['fps'])} ({min(runs):.0f}–{max(runs):.0f})"


def proc_cell(a, names):
    parts = []
    for n in names:
        p = a["procs"].get(n)
        if p and p["cpu_ms"] is not None:
            parts.append(f"{PROC_TEXT.get(n, n)} {p['cpu_ms']:.2f}")
    return ", ".join(parts) if parts else "–"


def rss_cell(a, names):
    parts = []
    for n in names:
        p = a["procs"].get(n)
        if p and p["hwm_kb"] is not None:
            parts.append(f"{PROC_TEXT.get(n, n)} {p['hwm_kb'] / 1024:.0f}")
    return ", ".join(parts) if parts else "–"


def between(mode):
    if mode == "bridge":
        return ["agent", "daemon"]
    if mode.startswith("waypipe"):
        return ["wp_server", "wp_client"]
    return []


def memcpy_table(mem):
    by = defaultdict(list)
    for m in mem:
        by[m["label"]].append(m)
    lines = ["| frame | bytes | memcpy ms (median) | GB/s | into a fresh mapping, ms |",
             "|---|---:|---:|---:|---:|"]
    out = {}
    for label in sorted(by, key=size_key):
        ms = median([m["ms_p50"] for m in by[label]])
        fresh = median([m["fresh_map_ms_p50"] for m in by[label]])
        gbps = median([m["gbps"] for m in by[label]])
        out[label] = ms
        lines.append(f"| {label} | {by[label][0]['bytes']:,} | {fmt(ms, 3)} | {fmt(gbps, 1)} | "
                     f"{fmt(fresh, 2)} |")
    return lines, out


def markdown(agg, mem, meta, plot_name):
    L = []
    L.append("# Performance")
    L.append("")
    L.append("Generated by `tests/bench/run.sh` (issue 7); do not edit by hand, re-run it.")
    L.append("")
    if meta.get("note"):
        L.append(f"> **Caveat: {meta['note']}**")
        L.append("")
    L.append(f"Measured {meta.get('started', '?')} on {meta.get('cpus', '?')} CPUs "
             f"({meta.get('cpu_model', '?')}), kernel {meta.get('kernel', '?')}; load average "
             f"{meta.get('load_start', '?')} at the start and {meta.get('load_end', '?')} at the "
             f"end. {meta.get('reps', '?')} rounds of {meta.get('duration', '?')} s runs (after "
             f"{meta.get('warmup', '?')} s of warm-up), modes interleaved within each round; "
             "every figure is the median over the rounds (peak RSS: the largest). "
             f"{meta.get('waypipe', 'waypipe')}. Our programs built with meson buildtype "
             f"`{meta.get('buildtype', '?')}`.")
    L.append("")
    if meta.get("bridge_note"):
        L.append(f"**Bridge: not measured yet** ({meta['bridge_note']}). Its rows appear once "
                 "bridge-agent and bridge-daemon are built; run.sh needs no change.")
        L.append("")
    L.append("How: `bench-client` (wl_shm, xdg toplevel, 3 buffers reused on release, "
             "xorshift noise new every frame, paced by frame callbacks) draws into `bench-host` "
             f"(headless wlroots 0.15, pixman, one output at {meta.get('refresh', '?')} Hz, "
             "always compositing). fps is frames committed per second; presented/s counts the "
             "frames whose wp_presentation feedback said `presented`, and in brackets the "
             "frames of all rounds that said `discarded` (replaced before the host showed "
             "them); MB/s is damaged bytes "
             "per second; latency is from the client's commit to the time in wp_presentation "
             "`presented`, which bench-host stamps when it has composited the frame (a "
             "headless output has no scanout to wait for). CPU is "
             "milliseconds of CPU (user + system, /proc/PID/stat) per frame of each process "
             "between the app and the host, and of the host; RSS is VmHWM in MiB. "
             "fps is the median with the range over the rounds in brackets. The ratio "
             "is fps over the direct run of the same size and case in the same round, "
             "median over the rounds.")
    L.append("")
    if plot_name:
        L.append(f"![fps and latency per mode]({plot_name})")
        L.append("")

    main = sorted([k for k in agg if k[0] == "bench-host"],
                  key=lambda k: (order(list(CASE_TEXT), k[3]), size_key(k[2]),
                                 order(MODE_ORDER, k[1])))
    L.append("## Direct, bridge and waypipe on bench-host")
    L.append("")
    L.append("| case | size | mode | fps | ratio to direct | presented/s (discarded) | MB/s | "
             "latency p50 / p99 ms | CPU ms/frame in between | host CPU ms/frame | "
             "peak RSS MiB | runs |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|")
    for k in main:
        a = agg[k]
        host_cpu = a["procs"].get("host", {}).get("cpu_ms")
        runs = f"{a['runs']}" + (f" ({a['failed']} failed)" if a["failed"] else "")
        L.append(f"| {CASE_TEXT.get(k[3], k[3])} | {k[2]} | {k[1]} | {fps_cell(a)} | "
                 f"{fmt(a['ratio'], 2)} | {fmt(a['presented_fps'])} ({a['discarded']}) | "
                 f"{fmt(a['mbps'], 0)} | {fmt(a['lat_p50_ms'], 2)} / "
                 f"{fmt(a['lat_p99_ms'], 2)} | {proc_cell(a, between(k[1]))} | "
                 f"{fmt(host_cpu, 2)} | {rss_cell(a, between(k[1]))} | {runs} |")
    L.append("")

    real = sorted([k for k in agg if k[0] != "bench-host"],
                  key=lambda k: (order(HOST_ORDER, k[0]), size_key(k[2])))
    if real:
        L.append("## The same direct runs on other hosts")
        L.append("")
        L.append("weston 10 (`--backend=headless-backend.so --use-pixman`, its fixed 60 Hz "
                 "refresh, desktop-shell) and sway (WLR_BACKENDS=headless WLR_RENDERER=pixman, run as an "
                 "unprivileged user), full damage, noise. sway gives no latency: on "
                 "wlroots 0.15's headless backend the output's present event comes before "
                 "the commit event that its presentation-time helper waits for, so feedback "
                 "never fires (bench-host sends its own). Each host's CPU includes its "
                 "helpers (weston-desktop-shell).")
        L.append("")
        L.append("| host | size | fps | MB/s | latency p50 / p99 ms | host CPU ms/frame | runs |")
        L.append("|---|---|---:|---:|---:|---:|---:|")
        for k in real:
            a = agg[k]
            host_cpu = a["procs"].get("host", {}).get("cpu_ms")
            runs = f"{a['runs']}" + (f" ({a['failed']} failed)" if a["failed"] else "")
            L.append(f"| {k[0]} | {k[2]} | {fps_cell(a)} | {fmt(a['mbps'], 0)} | "
                     f"{fmt(a['lat_p50_ms'], 2)} / {fmt(a['lat_p99_ms'], 2)} | "
                     f"{fmt(host_cpu, 2)} | {runs} |")
        L.append("")

    L.append("## memcpy ceiling")
    L.append("")
    L.append("`bench-memcpy`: one frame copied between two buffers mapped and touched once; "
             "the last column copies into a buffer mapped for that copy (page faults "
             "included), what a per-frame mapping would cost.")
    L.append("")
    mlines, mems = memcpy_table(mem)
    L.extend(mlines)
    L.append("")

    L.append("## Against the targets (DESIGN.md, issue 7)")
    L.append("")
    rows = []
    for size in sorted({k[2] for k in main}, key=size_key):
        b = agg.get(("bench-host", "bridge", size, "full"))
        d = agg.get(("bench-host", "direct", size, "full"))
        w = [agg.get(("bench-host", m, size, "full")) for m in ("waypipe-none", "waypipe-lz4")]
        w = [x for x in w if x and x["fps"]]
        best_wp = max((x["fps"] for x in w), default=None)
        if b is None or b["fps"] is None:
            rows.append(f"| {size} | not measured | – | – | – |")
            continue
        cpu = sum(p["cpu_ms"] or 0 for n, p in b["procs"].items() if n in ("agent", "daemon"))
        mc = mems.get(size)
        added = (b["lat_p50_ms"] - d["lat_p50_ms"]) if d and d["lat_p50_ms"] is not None and \
            b["lat_p50_ms"] is not None else None
        # partial damage: the bridge's CPU per frame against full damage,
        # next to the damaged share of the frame
        p = agg.get(("bench-host", "bridge", size, "partial"))
        pcpu = sum(x["cpu_ms"] or 0 for n, x in p["procs"].items()
                   if n in ("agent", "daemon")) if p else None
        share = (p["mbps"] / p["fps"]) / (b["mbps"] / b["fps"]) \
            if p and p["fps"] and p["mbps"] and b["mbps"] else None
        partial = f"{fmt(pcpu / cpu if pcpu and cpu else None, 2)} for " \
            f"{fmt(share, 2)} of the pixels" if p else "not measured"
        rows.append(f"| {size} | {fmt(b['ratio'], 2)} (≥ 0.8) | "
                    f"{fmt(b['fps'] / best_wp if best_wp else None, 2)} (≥ 3) | "
                    f"{fmt(cpu / mc if mc else None, 2)} (≤ 2.5 at 4k) | "
                    f"{fmt(added, 2)} (≤ 2 at 1080p) | {partial} |")
    L.append("| size | bridge/direct fps | bridge/best waypipe fps | bridge CPU per frame "
             "/ one memcpy | added latency p50 ms | partial damage: bridge CPU per frame "
             "/ full damage |")
    L.append("|---|---:|---:|---:|---:|---|")
    L.extend(rows)
    L.append("")
    if meta.get("profile") and os.path.exists(meta["profile"]):
        # written by hand from perf runs of the harness; kept beside it
        with open(meta["profile"]) as f:
            L.append(f.read().rstrip("\n"))
        L.append("")
    L.append("## Regenerate")
    L.append("")
    L.append("```")
    L.append("apt-get install python3-matplotlib   # for the plot; the table needs only python3")
    L.append("tests/bench/run.sh                    # about 10 minutes; --quick for a check")
    L.append("```")
    L.append("")
    L.append("Options: `tests/bench/run.sh --help` (sizes, damage cases, refresh rate, bridge "
             "binary paths). Raw results: `build/bench-results/`.")
    L.append("")
    return "\n".join(L)


def plot(agg, path, meta):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: matplotlib missing (apt-get install python3-matplotlib): no plot",
              file=sys.stderr)
        return False
    sizes = sorted({k[2] for k in agg if k[0] == "bench-host"}, key=size_key)
    modes = [m for m in MODE_ORDER if any(k[1] == m and k[0] == "bench-host" for k in agg)]
    realhosts = [h for h in HOST_ORDER[1:] if any(k[0] == h for k in agg)]
    series = [("bench-host", m) for m in modes] + [(h, "direct") for h in realhosts]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    width = 0.8 / max(len(series), 1)
    for i, (host, mode) in enumerate(series):
        label = mode if host == "bench-host" else f"{host} (direct)"
        fps, lat50, lat99 = [], [], []
        for s in sizes:
            a = agg.get((host, mode, s, "full"))
            fps.append(a["fps"] if a and a["fps"] is not None else 0)
            lat50.append(a["lat_p50_ms"] if a and a["lat_p50_ms"] is not None else 0)
            lat99.append(a["lat_p99_ms"] if a and a["lat_p99_ms"] is not None else 0)
        xs = [j + (i - (len(series) - 1) / 2) * width for j in range(len(sizes))]
        bars = axes[0].bar(xs, fps, width, label=label)
        for x, v in zip(xs, fps):
            axes[0].text(x, v, f"{v:.0f}", ha="center", va="bottom", fontsize=7)
        axes[1].bar(xs, lat50, width, label=label, color=bars.patches[0].get_facecolor())
        axes[1].errorbar(xs, lat50, yerr=[[0] * len(xs), [max(h - l, 0) for h, l in
                                                            zip(lat99, lat50)]],
                         fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    for ax in axes:
        ax.set_xticks(range(len(sizes)))
        ax.set_xticklabels(sizes)
    axes[0].set_ylabel("frames per second (full damage, noise)")
    axes[0].set_title(f"Throughput, host at {meta.get('refresh', '?')} Hz")
    axes[1].set_ylabel("commit to present, ms (bar p50, whisker p99)")
    axes[1].set_title("Latency")
    axes[0].legend(fontsize=8)
    title = "wl-grant-bridge benchmarks"
    if meta.get("bridge_note"):
        title += " (bridge not measured yet)"
    if meta.get("note"):
        title += "\n" + textwrap.fill(meta["note"], 140)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", required=True)
    ap.add_argument("--memcpy", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--markdown")
    ap.add_argument("--plot")
    args = ap.parse_args()

    rows = load_jsonl(args.results)
    mem = load_jsonl(args.memcpy)
    with open(args.meta) as f:
        meta = json.load(f)
    agg = aggregate(rows)
    plot_name = None
    if args.plot and plot(agg, args.plot, meta):
        plot_name = args.plot.rsplit("/", 1)[-1]
    text = markdown(agg, mem, meta, plot_name)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
        print(f"report: wrote {args.markdown}" + (f" and {args.plot}" if plot_name else ""),
              file=sys.stderr)
    else:
        print(text)


if __name__ == "__main__":
    main()
