#!/usr/bin/env python3
"""Plots of one qbench report folder, drawn from its report.json / report.csv without
re-running anything:

  <suite>_accuracy.png          float vs int8 output parity, and SQNR per layer (red:
                                the lowest; the output gate over the output layer)
  <suite>_cost.png              instructions and est_cycles per layer on every target
                                side by side (log scale), host wall time per layer (when
                                present: the median, a whisker from the first to the third
                                quartile), bytes per layer; failed targets named
  <suite>_decision_surface.png  the int8 pipeline's output over [0,1]^2 (suites with a
                                decision_grid, e.g. xor)
  trend.png                     with --history DIR: TOTAL insns / time_ns per suite and
                                target across the report folders in DIR, then this one

plots.json lists them (file, suite, title) for `qbench report`. --facts FILE writes what
each figure drew (titles, scales, legends, bars, whiskers, labels), read back from matplotlib,
for tests.

Usage: /usr/bin/python3 scripts/plot_report.py REPORT_DIR [--out DIR] [--history DIR] [--quiet] [--facts FILE]
Exit codes: 0 written; 2 bad input (one line naming the file and the missing column or
key); 3 matplotlib missing (Debian package python3-matplotlib).
"""
import argparse
import csv
import json
import math
import os
import sys

EXIT_BAD_INPUT = 2
EXIT_TOOL_MISSING = 3


def fail(message, code):
    print(f"plot_report: {message}", file=sys.stderr)
    sys.exit(code)


try:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on CI machines
    import matplotlib.colors
    import matplotlib.container
    import matplotlib.lines
    import matplotlib.patches
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError:
    fail(f"matplotlib is not installed for {sys.executable}: install the Debian package "
         "python3-matplotlib (scripts/setup.sh)", EXIT_TOOL_MISSING)


class BadInput(Exception):
    """A report that lacks what a plot needs; the message names the file and the column."""


# The columns these plots read; a report without one of them is bad input, but for
# LATER_COLUMNS, which a report of an older qbench lacks and which then read as empty.
ROW_COLUMNS = ["suite", "target", "layer_index", "layer", "insns", "est_cycles", "time_ns", "time_ns_iqr",
               "time_ns_q1", "time_ns_q3", "weight_bytes", "bias_bytes", "quant_param_bytes", "activation_bytes",
               "sqnr_db"]
LATER_COLUMNS = {"time_ns_q1", "time_ns_q3"}  # host wall-time quartiles
TREND_COLUMNS = ["suite", "target", "layer", "insns", "time_ns"]
TEXT_COLUMNS = {"suite", "target", "layer", "op", "out_shape"}


def number(value):
    """A report cell as a float: empty/null is None, "inf" is infinity (an exact SQNR)."""
    if value is None or value == "":
        return None
    if value in ("inf", "-inf"):
        return math.inf if value == "inf" else -math.inf
    return float(value)


class Report:
    def __init__(self, folder, columns):
        self.folder = folder
        self.json_path = os.path.join(folder, "report.json")
        self.csv_path = os.path.join(folder, "report.csv")
        self.doc = None
        self.rows = []  # dicts: text columns as str, the rest as float or None
        if os.path.isfile(self.json_path):
            self._load_json(columns)
        elif os.path.isfile(self.csv_path):
            self._load_csv(columns)
        else:
            raise BadInput(f"{folder}: expected a report folder with report.json or report.csv, found neither")

    def _row(self, raw, columns, where):
        row = {}
        for c in columns:
            if c not in raw and c in LATER_COLUMNS:
                row[c] = None
                continue
            if c not in raw:
                raise BadInput(f"{where}: missing column '{c}'")
            try:
                row[c] = raw[c] if c in TEXT_COLUMNS else number(raw[c])
            except (TypeError, ValueError):
                raise BadInput(f"{where}: column '{c}': expected a number, got {raw[c]!r}")
        return row

    def _load_json(self, columns):
        try:
            with open(self.json_path, encoding="utf-8") as f:
                self.doc = json.load(f)
        except (OSError, ValueError) as e:
            raise BadInput(f"{self.json_path}: not a readable JSON report ({e})")
        runs = self.doc.get("runs")
        if not isinstance(runs, list):
            raise BadInput(f"{self.json_path}: missing 'runs'")
        for i, run in enumerate(runs):
            if run.get("error"):
                continue  # a failed target has no rows to plot
            for key in ("suite", "target", "layers"):
                if key not in run:
                    raise BadInput(f"{self.json_path}: runs[{i}]: missing '{key}'")
            entries = [(f"runs[{i}].layers[{k}]", r) for k, r in enumerate(run["layers"])]
            if "total" in run:
                entries.append((f"runs[{i}].total", run["total"]))
            for where, raw in entries:
                raw = dict(raw, suite=run["suite"], target=run["target"])
                self.rows.append(self._row(raw, columns, f"{self.json_path}: {where}"))

    def _load_csv(self, columns):
        with open(self.csv_path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            for c in columns:
                if c not in header and c not in LATER_COLUMNS:
                    raise BadInput(f"{self.csv_path}: missing column '{c}'")
            for line, raw in enumerate(reader, start=2):
                self.rows.append(self._row(raw, columns, f"{self.csv_path}: line {line}"))

    def runs(self):
        return self.doc["runs"] if self.doc else []

    def date(self):
        return (self.doc or {}).get("qbench", {}).get("date_utc", "")

    def suites(self):
        seen = []
        for r in self.rows:
            if r["suite"] not in seen:
                seen.append(r["suite"])
        return seen

    def targets(self, suite):
        seen = []
        for r in self.rows:
            if r["suite"] == suite and r["target"] not in seen:
                seen.append(r["target"])
        return seen

    def layers(self, suite, target):
        rows = [r for r in self.rows if r["suite"] == suite and r["target"] == target
                and r["layer_index"] is not None]
        return sorted(rows, key=lambda r: r["layer_index"])

    def total(self, suite, target):
        for r in self.rows:
            if r["suite"] == suite and r["target"] == target and r["layer"] == "TOTAL":
                return r
        return None


def target_colours(targets):
    """One colour per target, the same in every panel of a figure."""
    if len(targets) <= 10:
        return {t: f"C{k}" for k, t in enumerate(targets)}
    cmap = matplotlib.colormaps["tab20"]
    return {t: cmap(k % 20) for k, t in enumerate(targets)}


def grouped_bars(ax, labels, series, ylabel, title, log=False, colours=None, extra_handles=()):
    """One group of bars per layer, one bar per series (name, values, errors): errors is None,
    or [below, above], how far each bar's whisker reaches down and up from its top.
    log: a log y axis, for counts that differ by orders of magnitude between targets (a
    missing or zero figure draws no bar). Always a legend, even with one series: a bar
    without a name does not say which target it is."""
    n = max(len(series), 1)
    width = 0.8 / n
    for k, (name, values, errors) in enumerate(series):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(labels))]
        heights = [v if v is not None and (v > 0 or not log) else (math.nan if log else 0) for v in values]
        ax.bar(xs, heights, width, label=name, yerr=errors, capsize=2 if errors else 0,
               color=(colours or {}).get(name))
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    # Whole counts with separators rather than a "1e6" offset above the axis.
    whole = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}")
    if log:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(whole)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    handles += list(extra_handles)
    names += [h.get_label() for h in extra_handles]
    if handles:
        ax.legend(handles, names, fontsize=8)


def failed_runs(report, suite):
    """(target, error) of every run of the suite that failed: they have no rows to draw."""
    return [(r.get("target", "?"), str(r["error"])) for r in report.runs()
            if r.get("suite") == suite and r.get("error")]


def short(text, limit=90):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def run_with(report, suite, key):
    for i, run in enumerate(report.runs()):
        if run.get("suite") == suite and not run.get("error") and key in run:
            return i, run
    return None, None


def accuracy_figure(report, suite, out_dir):
    ok_runs = [(i, r) for i, r in enumerate(report.runs()) if r.get("suite") == suite and not r.get("error")]
    if not ok_runs:
        raise BadInput(f"{report.json_path}: no successful run of {suite} (parity needs report.json)")
    # qbench writes the outputs once per suite: the int8 bytes are the same on every target.
    runs = [(i, r) for i, r in ok_runs if "test_outputs" in r]
    if not runs:
        i, run = ok_runs[0]
        raise BadInput(f"{report.json_path}: runs[{i}] ({suite} on {run.get('target')}): missing "
                       "'test_outputs' (float and int8 outputs; re-run with this qbench)")
    for i, run in runs:
        for key in ("float", "int8_dequantized", "samples", "values_per_sample"):
            if key not in run["test_outputs"]:
                raise BadInput(f"{report.json_path}: runs[{i}].test_outputs: missing '{key}'")

    fig, (ax_parity, ax_sqnr) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.4]})
    # int8 outputs are the same bytes on every target (the golden contract): one cloud
    # when they agree, one per target when they do not.
    first = runs[0][1]["test_outputs"]
    same = all(r["test_outputs"]["int8_dequantized"] == first["int8_dequantized"] for _, r in runs)
    if same:
        # A matching golden holds a target to these bytes, so one run speaks for all of those.
        label = f"int8 on {runs[0][1]['target']}"
        matched = [r for _, r in ok_runs if r.get("golden") in ("match", "updated")]
        if len(ok_runs) > 1 and len(matched) == len(ok_runs):
            label = f"int8 on all {len(ok_runs)} targets (goldens match)"
        clouds = [(label, first)]
    else:
        clouds = [(f"int8 on {r['target']}", r["test_outputs"]) for _, r in runs]
    lo = min(min(first["float"]), min(first["int8_dequantized"]))
    hi = max(max(first["float"]), max(first["int8_dequantized"]))
    ax_parity.plot([lo, hi], [lo, hi], color="grey", lw=1, ls="--", label="int8 = float")
    size = 10 if len(first["float"]) > 50 else 30
    for name, t in clouds:
        ax_parity.scatter(t["float"], t["int8_dequantized"], s=size, alpha=0.6, label=name)
    ax_parity.set_xlabel("float reference output (real units)")
    ax_parity.set_ylabel("int8 output, dequantized (real units)")
    values_text = "1 value" if first["values_per_sample"] == 1 else f"{first['values_per_sample']} values"
    ax_parity.set_title(f"output parity: {first['samples']} test samples x {values_text}", fontsize=10)
    ax_parity.legend(fontsize=8, loc="lower right")  # below the diagonal stays empty
    ax_parity.grid(alpha=0.3)

    target = ok_runs[0][1]["target"]
    layers = report.layers(suite, target)
    labels = [r["layer"] for r in layers]
    values = [r["sqnr_db"] for r in layers]
    finite = [v for v in values if v is not None and math.isfinite(v)]
    top = (max(finite) if finite else 0.0) + 10.0
    heights = [top if v is not None and math.isinf(v) else (v or 0.0) for v in values]
    # Red: the least accurate layer, the lowest SQNR (an exact layer is never it).
    worst = min((v, k) for k, v in enumerate(values) if v is not None and math.isfinite(v))[1] if finite else None
    colors = ["tab:red" if k == worst else "tab:blue" for k in range(len(values))]
    bars = ax_sqnr.bar(range(len(labels)), heights, color=colors)
    # Value labels: upright when few, turned and smaller when many; any that would still
    # touch a neighbour is left out below (the lowest one always stays).
    many = len(values) > 12
    value_labels = []
    for k, v in enumerate(values):
        text = "exact" if v is not None and math.isinf(v) else (f"{v:.1f}" if v is not None else "n/a")
        label = ax_sqnr.annotate(text, (bars[k].get_x() + bars[k].get_width() / 2, heights[k]),
                                 xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                                 fontsize=6 if many else 7, rotation=90 if many else 0,
                                 color="tab:red" if k == worst else "black",
                                 fontweight="bold" if k == worst else "normal")
        label.set_gid("value-label")
        value_labels.append((k, label))
    ax_sqnr.set_ylim(0, max(heights + [1.0]) * (1.2 if many else 1.1))
    # The output gate (min_sqnr_db) holds the model's output, so its line is drawn over the
    # output layer only, not across layers it does not judge.
    for gate in runs[0][1].get("gates", []):
        if gate.get("gate") == "min_sqnr_db" and labels:
            out = len(labels) - 1
            ax_sqnr.plot([out - 0.5, out + 0.5], [gate["threshold"]] * 2, color="tab:orange", ls="--", lw=2,
                         label=f"output gate {gate['threshold']:g} dB (output layer)")
    if worst is not None:
        ax_sqnr.plot([], [], color="tab:red", marker="s", linestyle="None",
                     label=f"lowest SQNR: {labels[worst]} ({values[worst]:.1f} dB)")
    if ax_sqnr.get_legend_handles_labels()[0]:
        ax_sqnr.legend(fontsize=8, loc="lower left")
    ax_sqnr.set_xticks(range(len(labels)))
    ax_sqnr.set_xticklabels(labels, rotation=30 if not many else 60, ha="right", fontsize=8 if not many else 6)
    ax_sqnr.set_ylabel("SQNR (dB), int8 vs float")
    ax_sqnr.set_title("SQNR per layer (red: the least accurate layer)", fontsize=10)
    ax_sqnr.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{suite}: float vs int8")
    fig.tight_layout()
    drop_overlapping(fig, [label for _, label in sorted(value_labels, key=lambda kl: (kl[0] != worst, kl[0]))])
    name = f"{suite}_accuracy.png"
    save(fig, out_dir, name)
    return {"file": name, "suite": suite, "title": f"{suite}: float vs int8 output parity and SQNR per layer"}


def drop_overlapping(fig, texts):
    """Removes every text that would overlap one kept before it (texts in priority order)."""
    renderer = fig.canvas.get_renderer()
    kept = []
    for t in texts:
        box = t.get_window_extent(renderer).padded(1)
        if any(box.overlaps(k) for k in kept):
            t.remove()
        else:
            kept.append(box)


FACTS = None  # with --facts FILE: what each figure drew, read back from its artists (for the tests)


def finite_or_none(v):
    v = float(v)
    return v if math.isfinite(v) else None


def figure_facts(fig, name):
    renderer = fig.canvas.get_renderer()
    colour = matplotlib.colors.to_hex
    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append({
            "title": ax.get_title(),
            "ylabel": ax.get_ylabel(),
            "yscale": ax.get_yscale(),
            "axis_on": bool(ax.axison),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "bars": [{"x": finite_or_none(p.get_x() + p.get_width() / 2), "height": finite_or_none(p.get_height()),
                      "color": colour(p.get_facecolor())}
                     for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)],
            "texts": [{"text": t.get_text(), "gid": t.get_gid(), "rotation": t.get_rotation(),
                       "fontsize": t.get_fontsize(), "bbox": [float(e) for e in t.get_window_extent(renderer).extents]}
                      for t in ax.texts],
            "lines": [{"label": line.get_label(), "color": colour(line.get_color()),
                       "x": [finite_or_none(x) for x in line.get_xdata()],
                       "y": [finite_or_none(y) for y in line.get_ydata()]}
                      for line in ax.get_lines()],
            # Error bars of the bar series, one per bar: where the whisker starts and ends.
            "whiskers": [{"label": c.get_label(),
                          "bars": [{"x": finite_or_none(seg[0][0]), "low": finite_or_none(seg[0][1]),
                                    "high": finite_or_none(seg[1][1])}
                                   for seg in c.errorbar.lines[2][0].get_segments()]}
                         for c in ax.containers
                         if isinstance(c, matplotlib.container.BarContainer) and c.errorbar is not None],
        })
    return {"file": name, "suptitle": fig._suptitle.get_text() if fig._suptitle else "", "axes": axes}


def save(fig, out_dir, name):
    fig.savefig(os.path.join(out_dir, name), dpi=110)
    if FACTS is not None:
        FACTS.append(figure_facts(fig, name))
    plt.close(fig)


def cost_figure(report, suite, out_dir):
    targets = report.targets(suite)
    failed = failed_runs(report, suite)
    # Colours follow the run order, failed targets included, so a target keeps its colour
    # when another one fails.
    order = []
    for t in [r.get("target") for r in report.runs() if r.get("suite") == suite] + targets:
        if t not in order:
            order.append(t)
    colours = target_colours(order)
    per_target = {t: report.layers(suite, t) for t in targets}
    labels = [r["layer"] for r in per_target[targets[0]]]
    counted = [t for t in targets if any(r["insns"] is not None for r in per_target[t])]
    uncounted = [t for t in targets if t not in counted]
    timed = [t for t in targets if any(r["time_ns"] is not None for r in per_target[t])]
    modelled = [t for t in targets if any(r["est_cycles"] is not None for r in per_target[t])]
    panels = 2 + (1 if timed else 0) + (1 if modelled else 0)
    # Without instruction counts the first panel only carries a sentence: keep it short.
    ratios = ([1.0] if counted else [0.25]) + [1.0] * (panels - 1)
    fig, axes = plt.subplots(panels, 1, figsize=(11, 3.6 * sum(ratios)), gridspec_kw={"height_ratios": ratios})
    ax_insns, ax_bytes = axes[0], axes[-1]
    # A target that failed has no figures: it is named in the first panel's legend and the
    # title, never silently missing.
    failed_handles = [matplotlib.patches.Patch(facecolor="none", edgecolor="tab:red", hatch="///",
                                               label=f"{t}: FAILED, nothing to draw") for t, _ in failed]
    failed_text = "; ".join(f"{t} failed: {short(e, 70)}" for t, e in failed)

    if counted:
        missing = f" (no insns: {', '.join(uncounted)})" if uncounted else ""
        grouped_bars(ax_insns, labels, [(t, [r["insns"] for r in per_target[t]], None) for t in counted],
                     "instructions (retired, log scale)",
                     "instructions per layer, counted exactly under QEMU (log scale)" + missing,
                     log=True, colours=colours, extra_handles=failed_handles)
    else:
        ax_insns.set_axis_off()
        ax_insns.set_title("instructions per layer", fontsize=10)
        verb = "reports" if len(uncounted) == 1 else "report"
        text = ("no instruction counts in this report: " + ", ".join(uncounted) +
                f" {verb} wall time only (an emulated target counts instructions)")
        if failed_text:
            text += "\n" + failed_text
        ax_insns.text(0.5, 0.5, text, transform=ax_insns.transAxes, ha="center", va="center", fontsize=9,
                      color="grey")

    if modelled:
        grouped_bars(axes[1], labels, [(t, [r["est_cycles"] for r in per_target[t]], None) for t in modelled],
                     "estimated cycles (model, log scale)",
                     "est_cycles per layer: a per-core timing model, not a measurement (docs/cycle-model.md; log scale)",
                     log=True, colours=colours)

    if timed:
        reps = (report.doc or {}).get("qbench", {}).get("repetitions", "?")
        series = []
        kinds = set()  # which whiskers were drawn: "quartiles", "centred"
        for t in timed:
            rows = per_target[t]
            below, above = [], []
            for r in rows:
                median = r["time_ns"]
                if median is None:
                    below.append(0.0)
                    above.append(0.0)
                elif r["time_ns_q1"] is not None and r["time_ns_q3"] is not None:
                    # From the first to the third quartile, as the report holds them.
                    below.append(max(0.0, median - r["time_ns_q1"]))
                    above.append(max(0.0, r["time_ns_q3"] - median))
                    kinds.add("quartiles")
                else:
                    # A report of an older qbench keeps the median and the IQR, not the
                    # quartiles: the whisker is as wide as the IQR, centred on the median.
                    half = (r["time_ns_iqr"] or 0.0) / 2
                    below.append(half)
                    above.append(half)
                    kinds.add("centred")
            series.append((t, [r["time_ns"] for r in rows], [below, above]))
        # The legend says what the whiskers are, for each kind drawn.
        whiskers = []
        if "quartiles" in kinds:
            whiskers.append(matplotlib.lines.Line2D([], [], color="black", marker="|", linestyle="None", markersize=10,
                                                    label="whisker: first to third quartile (nearest rank)"))
        if "centred" in kinds:
            whiskers.append(matplotlib.lines.Line2D([], [], color="black", marker="|", linestyle="None", markersize=10,
                                                    label="whisker: IQR wide, centred on the median "
                                                          "(the report has median + IQR, not the quartiles)"))
        grouped_bars(axes[2 if modelled else 1], labels, series, "wall time (ns)",
                     f"host wall time per layer: median of {reps} repetitions",
                     colours=colours, extra_handles=whiskers)

    first = per_target[targets[0]]
    grouped_bars(ax_bytes, labels, [
        ("weights (int8)", [r["weight_bytes"] for r in first], None),
        ("bias + quant params", [(r["bias_bytes"] or 0) + (r["quant_param_bytes"] or 0) for r in first], None),
        ("activations (output tensor)", [r["activation_bytes"] for r in first], None),
    ], "bytes", "bytes per layer (the same on every target)")
    fig.suptitle(f"{suite}: cost per layer" + (f"\n{failed_text}" if failed_text else ""))
    # Room for a second title line naming the failed targets.
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()) if failed_text else None)
    name = f"{suite}_cost.png"
    save(fig, out_dir, name)
    return {"file": name, "suite": suite,
            "title": f"{suite}: instructions per layer per target, host time, bytes per layer" +
                     (f" ({failed_text})" if failed_text else "")}


def decision_surface_figure(report, suite, out_dir):
    i, run = run_with(report, suite, "decision_surface")
    if run is None:
        return None
    surface = run["decision_surface"]
    for key in ("steps", "output"):
        if key not in surface:
            raise BadInput(f"{report.json_path}: runs[{i}].decision_surface: missing '{key}'")
    steps, values = surface["steps"], surface["output"]
    if len(values) != steps * steps:
        raise BadInput(f"{report.json_path}: runs[{i}].decision_surface.output: expected {steps * steps} "
                       f"values, got {len(values)}")
    # Row-major with x1 fastest: row j is x2 = j / (steps - 1).
    grid = [values[j * steps:(j + 1) * steps] for j in range(steps)]
    fig, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(grid, origin="lower", extent=[0, 1, 0, 1], cmap="viridis", aspect="equal")
    lo, hi = min(values), max(values)
    if lo < 0.5 < hi:
        axis = [k / (steps - 1) for k in range(steps)]
        ax.contour(axis, axis, grid, levels=[0.5], colors="white", linewidths=1)
    fig.colorbar(image, ax=ax, label="int8 output, dequantized")
    ax.set_xlabel("x1 (input)")
    ax.set_ylabel("x2 (input)")
    ax.set_title(f"{suite}: int8 decision surface on {run['target']} ({steps}x{steps}; white: 0.5)", fontsize=10)
    fig.tight_layout()
    name = f"{suite}_decision_surface.png"
    save(fig, out_dir, name)
    return {"file": name, "suite": suite, "title": f"{suite}: decision surface of the int8 pipeline"}


def series_colours(n):
    """n distinct colours; past 20, evenly spaced on a colour map and dealt out in a
    scrambled order so that neighbours in the legend are far apart on it."""
    if n <= 10:
        return [matplotlib.colors.to_hex(f"C{k}") for k in range(n)]
    if n <= 20:
        cmap = matplotlib.colormaps["tab20"]
        return [matplotlib.colors.to_hex(cmap(k)) for k in range(n)]
    cmap = matplotlib.colormaps["turbo"]
    spread = [matplotlib.colors.to_hex(cmap(0.03 + 0.94 * k / (n - 1))) for k in range(n)]
    step = next(s for s in range(max(2, round(n * 0.382)), n) if math.gcd(s, n) == 1)
    return [spread[(k * step) % n] for k in range(n)]


def family_figures(report, out_dir):
    """Suites that are variants of one network (the same layer names in the same order,
    e.g. the quantization study's mnv1_*): their per-layer SQNR overlaid, one line each,
    so a user sees where each variant loses what the others keep."""
    families = {}
    for suite in report.suites():
        targets = report.targets(suite)
        if not targets:
            continue
        layers = report.layers(suite, targets[0])
        names = tuple(r["layer"] for r in layers)
        if len(names) >= 2:
            families.setdefault(names, []).append((suite, layers))
    plots = []
    for names, members in families.items():
        if len(members) < 2:
            continue
        fig, ax = plt.subplots(figsize=(max(8, 0.45 * len(names) + 3), 4.8))
        colours = series_colours(len(members))
        for (suite, layers), colour in zip(members, colours):
            values = [finite_or_none(r["sqnr_db"]) for r in layers]
            ax.plot(range(len(names)), [v if v is not None else float("nan") for v in values],
                    marker="o", ms=3, color=colour, label=suite)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("SQNR (dB), int8 vs float, carried to each layer")
        ax.set_title("Variants of one network: SQNR per layer", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        name = f"family_{members[0][0]}.png"
        save(fig, out_dir, name)
        plots.append({"file": name, "suite": members[0][0],
                      "title": "SQNR per layer, overlaid: " + ", ".join(s for s, _ in members)})
    return plots


def trend_figure(report, history_dir, out_dir):
    if not os.path.isdir(history_dir):
        raise BadInput(f"{history_dir}: expected a folder of earlier report folders")
    folders = sorted(os.path.join(history_dir, d) for d in os.listdir(history_dir)
                     if os.path.isdir(os.path.join(history_dir, d)))
    earlier = [Report(f, TREND_COLUMNS) for f in folders
               if os.path.isfile(os.path.join(f, "report.json")) or os.path.isfile(os.path.join(f, "report.csv"))]
    if not earlier:
        raise BadInput(f"{history_dir}: no report folders inside (each needs report.json or report.csv)")
    earlier.sort(key=lambda r: (r.date() or "", r.folder))
    reports = earlier + [report]
    labels = [r.date() or os.path.basename(os.path.normpath(r.folder)) for r in reports]
    metrics = [(m, unit) for m, unit in (("insns", "instructions"), ("time_ns", "ns"))
               if any(row[m] is not None for r in reports for row in r.rows if row["layer"] == "TOTAL")]
    if not metrics:
        raise BadInput(f"{history_dir}: no TOTAL insns or time_ns in any report")
    # Relative to each line's first report, so a 2% regression shows on suites whose totals
    # differ by a factor of a thousand; the legend gives the latest absolute figure.
    lines = {}
    for metric, _ in metrics:
        pairs = lines.setdefault(metric, [])
        for r in reports:
            for row in r.rows:
                key = (row["suite"], row["target"])
                if row["layer"] == "TOTAL" and row[metric] is not None and key not in pairs:
                    pairs.append(key)
    # The legend beside each panel: columns of at most 30 lines, the panel as tall as it.
    legend_columns = {m: max(1, math.ceil(len(p) / 30)) for m, p in lines.items()}
    heights = [max(4.5, 1.5 + 0.16 * math.ceil(len(lines[m]) / legend_columns[m])) for m, _ in metrics]
    width = 10 + 3.2 * max(legend_columns.values())
    fig, axes = plt.subplots(len(metrics), 1, figsize=(width, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, (metric, unit) in zip(axes[:, 0], metrics):
        pairs = lines[metric]
        # Every line its own colour (tab10/tab20 while they last, then evenly around a
        # perceptual colour wheel); line style and marker say the target on top of that.
        colours = series_colours(len(pairs))
        targets = sorted({p[1] for p in pairs})
        for n, (suite, target) in enumerate(pairs):
            ys = [(r.total(suite, target) or {}).get(metric) for r in reports]
            known = [y for y in ys if y is not None]
            ref = known[0] if known and known[0] else None
            if ref is None:
                continue
            ratios = [100.0 * y / ref if y is not None else float("nan") for y in ys]
            k = targets.index(target)
            ax.plot(range(len(reports)), ratios, color=colours[n],
                    linestyle=["-", "--", ":", "-."][k % 4], marker="os^vDP*X"[k % 8],
                    label=f"{suite} on {target} ({known[-1]:,.0f} {unit})")
        ax.set_xticks(range(len(reports)))
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(f"TOTAL {metric}, % of its first report")
        ax.set_title(f"TOTAL {metric} ({unit}) per suite and target across runs (last: this report)", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, bbox_to_anchor=(1.01, 1.0), loc="upper left", title="latest figure", title_fontsize=7,
                  ncol=legend_columns[metric])
    fig.tight_layout()
    name = "trend.png"
    save(fig, out_dir, name)
    return {"file": name, "suite": "", "title": "TOTAL insns / time_ns across runs"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report_dir", help="a qbench report folder (report.json, report.csv)")
    parser.add_argument("--out", help="folder for the PNGs and plots.json (default REPORT_DIR/plots)")
    parser.add_argument("--history", help="folder of earlier report folders, for trend.png")
    parser.add_argument("--quiet", action="store_true", help="do not list the files written")
    parser.add_argument("--facts", help="also write what each figure drew (titles, scales, legends, bars, "
                                        "labels and their boxes) to this JSON file, for tests")
    args = parser.parse_args()
    global FACTS
    if args.facts:
        FACTS = []
    out_dir = args.out or os.path.join(args.report_dir, "plots")
    try:
        report = Report(args.report_dir, ROW_COLUMNS)
        if report.doc is None:
            raise BadInput(f"{report.json_path}: missing (the parity plot and the decision surface need it; "
                           "report.csv alone is not enough)")
        if not report.rows:
            raise BadInput(f"{report.json_path}: no rows to plot (did every target fail?)")
        os.makedirs(out_dir, exist_ok=True)
        plots = []
        for suite in report.suites():
            plots.append(accuracy_figure(report, suite, out_dir))
            plots.append(cost_figure(report, suite, out_dir))
            surface = decision_surface_figure(report, suite, out_dir)
            if surface:
                plots.append(surface)
        plots.extend(family_figures(report, out_dir))
        if args.history:
            plots.append(trend_figure(report, args.history, out_dir))
    except BadInput as e:
        fail(str(e), EXIT_BAD_INPUT)
    with open(os.path.join(out_dir, "plots.json"), "w", encoding="utf-8") as f:
        json.dump(plots, f, indent=2)
    if FACTS is not None:
        with open(args.facts, "w", encoding="utf-8") as f:
            json.dump(FACTS, f, indent=1)
    if not args.quiet:
        for p in plots:
            print(os.path.join(out_dir, p["file"]))


if __name__ == "__main__":
    main()
