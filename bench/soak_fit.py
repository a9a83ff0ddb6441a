#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/soak_fit.py — the slopes of bench/soak.sh's samples.

    soak_fit.py SAMPLES.tsv WARMUP_S RELOAD_S [MAPS.tsv[.gz]]

Prints markdown: the table of every figure (first and last sample after
the warm-up, least-squares slope per hour with its 95% interval), then
the memory of each process read the way it can be read:

- the window starts after the warm-up and ends after a whole number of
  reload periods, so that a fit over a periodic curve does not depend on
  where in the period the run stopped;
- the parent is one process for the whole run: its RSS slope is the fit;
- a worker lives from one reload (or link flap, or kill) to the next, so
  the worker column is many processes end to end.  Each worker's own
  samples are grouped by its pid: the fit over the highest RSS of each
  worker against its start (the envelope) says whether successive
  workers grow; the spread within a worker's life says how much one
  worker grows before it is replaced.

With MAPS.tsv (the resident kB of each mapping of each process, summed
by name, at every sample) it then names the mappings whose resident
size moved in the window, each with its own fit: the heap, anonymous
memory, the stack or a library, which is where a slope is read.
"""
import gzip
import math
import sys


def fit(xs, ys):
    """Least-squares slope and its 95% half-interval (nan when undefined)."""
    n = len(xs)
    if n < 3:
        return float('nan'), float('nan')
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if not sxx:
        return float('nan'), float('nan')
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys))
    se = math.sqrt(res / (n - 2) / sxx)
    return b, 1.96 * se


def ncpu():
    import os
    return os.cpu_count()


def main():
    path, warm, period = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    rows = [l.rstrip('\n').split('\t') for l in open(path)]
    head = rows[0]
    data = [list(map(float, r)) for r in rows[1:] if len(r) == len(head)]
    data = [r for r in data if r[0] >= warm]
    if data and period > 0:
        whole = math.floor((data[-1][0] - data[0][0]) / period) * period
        data = [r for r in data if r[0] <= data[0][0] + whole]
    if len(data) < 3:
        print("Too few samples after the warm-up to fit anything.")
        return
    col = {h: i for i, h in enumerate(head)}
    hours = [r[0] / 3600 for r in data]
    print(f"Window: {data[0][0]:.0f} s to {data[-1][0]:.0f} s, {len(data)} samples"
          + (f" ({(data[-1][0] - data[0][0]) / period:.0f} whole reload periods)"
             if period > 0 else "") + ".")
    print()
    print("| figure | first | last | slope per hour | 95% interval |")
    print("|---|---|---|---|---|")
    for h in head[1:]:
        if h in ('worker_pid', 'load1'):
            continue
        i = col[h]
        b, ci = fit(hours, [r[i] for r in data])
        print(f"| {h} | {data[0][i]:.0f} | {data[-1][i]:.0f} | {b:+.1f} | ±{ci:.1f} |")
    print()

    if 'load1' in col:
        load = sorted(r[col['load1']] for r in data)
        print(f"Load average (1 min) of the machine during the window: {load[0]:.1f} to "
              f"{load[-1]:.1f}, median {load[len(load) // 2]:.1f}, on {ncpu()} cores.")
        print()
    b, ci = fit(hours, [r[col['parent_rss']] for r in data])
    lo, hi = min(r[col['parent_rss']] for r in data), max(r[col['parent_rss']] for r in data)
    print(f"- parent RSS: {b:+.0f} ± {ci:.0f} kB/h (one process; {lo:.0f} to {hi:.0f} kB)")

    if 'worker_pid' not in col:
        return
    workers = {}
    for r in data:
        if r[col['worker_pid']] > 0 and r[col['worker_rss']] > 0:
            workers.setdefault(int(r[col['worker_pid']]), []).append((r[0], r[col['worker_rss']]))
    lives = sorted(workers.values(), key=lambda s: s[0][0])
    peaks = [(s[0][0] / 3600, max(v for _, v in s)) for s in lives]
    b, ci = fit([t for t, _ in peaks], [v for _, v in peaks])
    print(f"- workers: {len(lives)} in the window; the highest RSS of each ranges over "
          f"{min(v for _, v in peaks):.0f} to {max(v for _, v in peaks):.0f} kB, "
          f"and its fit against the worker's start is {b:+.0f} ± {ci:.0f} kB/h")
    grow = [s[-1][1] - s[0][1] for s in lives if len(s) > 1]
    if grow:
        print(f"- within one worker's life (first to last sample, {len(grow)} workers "
              f"sampled twice or more): {min(grow):+.0f} to {max(grow):+.0f} kB, "
              f"mean {sum(grow) / len(grow):+.0f} kB")
    b, ci = fit(hours, [r[col['worker_rss']] for r in data])
    print(f"- worker RSS over all samples (many workers end to end): {b:+.0f} ± {ci:.0f} kB/h")
    if len(sys.argv) > 4:
        print()
        mappings(sys.argv[4], data[0][0], data[-1][0])


def mappings(path, t0, t1):
    """The table of mappings whose resident size moved between T0 and T1."""
    series = {}
    opener = gzip.open if path.endswith('.gz') else open
    for line in list(opener(path, 'rt'))[1:]:
        f = line.rstrip('\n').split('\t')
        if len(f) != 4 or not t0 <= float(f[0]) <= t1:
            continue
        series.setdefault((f[1], f[2]), []).append((float(f[0]) / 3600, float(f[3])))
    print("Mappings whose resident size moved in the window (kB; a worker's column")
    print("is every worker end to end; the rest stayed the same size throughout):")
    print()
    print("| process | mapping | first | last | lowest | highest | slope per hour |")
    print("|---|---|---|---|---|---|---|")
    for (proc, name), pts in sorted(series.items()):
        vs = [v for _, v in pts]
        if max(vs) == min(vs):
            continue
        b, ci = fit([t for t, _ in pts], vs)
        print(f"| {proc} | {name} | {vs[0]:.0f} | {vs[-1]:.0f} | {min(vs):.0f} | "
              f"{max(vs):.0f} | {b:+.0f} ± {ci:.0f} |")


if __name__ == '__main__':
    main()
