#!/usr/bin/env python3
"""Compile time of a small user crate that declares 100 metrics, ours against the prometheus crate.

Generates, in a scratch directory, one crate per variant, each declaring the same 100 metrics
(40 counters with two enum labels, 30 gauges, 30 histograms) and encoding them once:

  alys-default     `alys-metrics` with default features (`#[alys_metric]`)
  alys-core        `alys-metrics` with `default-features = false` (`#[alys_metric]` and
                   `encode_to_string()`: no tokio, hyper, flate2 or sysinfo)
  prometheus       the `prometheus` crate 0.14 (default features) with `register_*!` macros

Each crate starts from this workspace's Cargo.lock, so every variant builds the versions the
workspace is tested with. Dependencies build without incremental compilation (as crates from
crates.io do; `alys-metrics` is a path dependency here), the user crate with it (cargo's dev
default). `CARGO_INCREMENTAL` from the environment is ignored.

For each variant it measures a clean build (fresh target directory: every dependency compiled)
and an incremental rebuild after touching one declaration (its help text), `--runs` times each,
interleaving the variants so that load on this shared machine falls on all of them alike, and
prints a Markdown table of medians and ranges with ratios of medians against the prometheus
crate, and the number of crates each variant compiles.

    python3 scripts/compile_time.py              # 3 runs of each
    python3 scripts/compile_time.py --runs 1     # a quick look
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_COUNTERS, N_GAUGES, N_HISTOGRAMS = 40, 30, 30


def alys_source(touch: int) -> str:
    # A glob: `#[alys_metric]` expands to its own paths, so a named import of the metric
    # types would be reported unused.
    out = ["use alys_metrics::labels::{ErrorType, MigrationPhase};", "use alys_metrics::*;", ""]
    for i in range(N_COUNTERS):
        extra = f" (edit {touch})" if i == 0 else ""
        out += [f"/// Counter number {i}{extra}.",
                "#[alys_metric(counter, labels(phase, error_type))]",
                f"pub static USER_COUNTER_{i}_TOTAL: Counter;", ""]
    for i in range(N_GAUGES):
        out += [f"/// Gauge number {i}.", "#[alys_metric(gauge)]", f"pub static USER_GAUGE_{i}: IntGauge;", ""]
    for i in range(N_HISTOGRAMS):
        out += [f"/// Histogram number {i}.", "#[alys_metric(histogram)]",
                f"pub static USER_HISTOGRAM_{i}_SECONDS: Histogram;", ""]
    out += ["fn main() {",
            "    USER_COUNTER_0_TOTAL.with(MigrationPhase::Foundation, ErrorType::Timeout).inc();",
            "    USER_GAUGE_0.set(1);",
            "    USER_HISTOGRAM_0_SECONDS.observe(0.5);",
            "    let text = alys_metrics::init().expect(\"unique names\").encode_to_string();",
            "    println!(\"{}\", text.len());",
            "}"]
    return "\n".join(out) + "\n"


def prometheus_source(touch: int) -> str:
    out = ["use prometheus::*;", "use std::sync::LazyLock;", ""]
    for i in range(N_COUNTERS):
        extra = f" (edit {touch})" if i == 0 else ""
        out += [f"static USER_COUNTER_{i}_TOTAL: LazyLock<IntCounterVec> = LazyLock::new(|| {{",
                f"    register_int_counter_vec!(\"alys_user_counter_{i}_total\", \"Counter number {i}{extra}.\", &[\"phase\", \"error_type\"]).unwrap()",
                "});"]
    for i in range(N_GAUGES):
        out += [f"static USER_GAUGE_{i}: LazyLock<IntGauge> = LazyLock::new(|| {{",
                f"    register_int_gauge!(\"alys_user_gauge_{i}\", \"Gauge number {i}.\").unwrap()", "});"]
    for i in range(N_HISTOGRAMS):
        out += [f"static USER_HISTOGRAM_{i}_SECONDS: LazyLock<Histogram> = LazyLock::new(|| {{",
                f"    register_histogram!(\"alys_user_histogram_{i}_seconds\", \"Histogram number {i}.\").unwrap()", "});"]
    out += ["", "fn main() {"]
    out += [f"    LazyLock::force(&USER_COUNTER_{i}_TOTAL);" for i in range(N_COUNTERS)]
    out += [f"    LazyLock::force(&USER_GAUGE_{i});" for i in range(N_GAUGES)]
    out += [f"    LazyLock::force(&USER_HISTOGRAM_{i}_SECONDS);" for i in range(N_HISTOGRAMS)]
    out += ["    USER_COUNTER_0_TOTAL.with_label_values(&[\"foundation\", \"timeout\"]).inc();",
            "    USER_GAUGE_0.set(1);",
            "    USER_HISTOGRAM_0_SECONDS.observe(0.5);",
            "    let text = TextEncoder::new().encode_to_string(&gather()).unwrap();",
            "    println!(\"{}\", text.len());",
            "}"]
    return "\n".join(out) + "\n"


VARIANTS = {
    "alys-default": (f'alys-metrics = {{ path = "{ROOT}" }}', alys_source),
    "alys-core": (f'alys-metrics = {{ path = "{ROOT}", default-features = false }}', alys_source),
    "prometheus": ('prometheus = "0.14"', prometheus_source),
}


def write_crate(base: str, name: str, touch: int) -> str:
    dep, source = VARIANTS[name]
    crate = os.path.join(base, name)
    os.makedirs(os.path.join(crate, "src"), exist_ok=True)
    with open(os.path.join(crate, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "user-{name}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
                f'[dependencies]\n{dep}\n\n[workspace]\n\n'
                '# Dependencies as from crates.io: not incremental. The user crate keeps the default.\n'
                '[profile.dev.package."*"]\nincremental = false\n')
    with open(os.path.join(crate, "src", "main.rs"), "w") as f:
        f.write(source(touch))
    return crate


def timed_build(crate: str, target: str) -> float:
    env = dict(os.environ, CARGO_TARGET_DIR=target, CARGO_TERM_COLOR="never")
    env.pop("CARGO_INCREMENTAL", None)
    start = time.monotonic()
    subprocess.run(["cargo", "build", "--quiet", "--locked"], cwd=crate, env=env, check=True)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    names = args.variants.split(",")
    base = tempfile.mkdtemp(prefix="alys-compile-time-")
    clean = {n: [] for n in names}
    incremental = {n: [] for n in names}
    try:
        crates = {}
        for n in names:  # resolve from the workspace's lock and fetch once, outside the timings
            crate = write_crate(base, n, 0)
            shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(crate, "Cargo.lock"))
            subprocess.run(["cargo", "fetch", "--quiet"], cwd=crate, check=True)
            tree = subprocess.run(["cargo", "tree", "--quiet", "--locked", "--prefix", "none", "-e", "normal,build"],
                                  cwd=crate, check=True, capture_output=True, text=True).stdout
            crates[n] = len({line.removesuffix(" (*)") for line in tree.splitlines() if line.strip()})
        for run in range(args.runs):
            for n in names:
                crate = write_crate(base, n, 0)
                target = os.path.join(base, f"target-{n}")
                shutil.rmtree(target, ignore_errors=True)
                clean[n].append(timed_build(crate, target))
                write_crate(base, n, run + 1)  # touch one declaration
                incremental[n].append(timed_build(crate, target))
                shutil.rmtree(target, ignore_errors=True)  # the disk is shared
                print(f"run {run + 1} {n}: clean {clean[n][-1]:.1f} s, incremental {incremental[n][-1]:.2f} s",
                      file=sys.stderr)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    ref = "prometheus" if "prometheus" in names else names[0]
    c0, i0 = statistics.median(clean[ref]), statistics.median(incremental[ref])
    print(f"| variant | crates | clean build, median (range) of {args.runs} | vs {ref} "
          f"| incremental after one edit, median (range) | vs {ref} |")
    print("|---|---|---|---|---|---|")
    for n in names:
        c, i = statistics.median(clean[n]), statistics.median(incremental[n])
        print(f"| {n} | {crates[n]} | {c:.1f} s ({min(clean[n]):.1f}-{max(clean[n]):.1f}) | {c / c0:.2f}x "
              f"| {i:.2f} s ({min(incremental[n]):.2f}-{max(incremental[n]):.2f}) | {i / i0:.2f}x |")


if __name__ == "__main__":
    main()
