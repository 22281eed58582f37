#!/usr/bin/env bash
# The tests, as CI runs them: install what is missing; build and run every test under
# AddressSanitizer and UndefinedBehaviorSanitizer; build the release tree and run its
# tests (including the freestanding Cortex-M build of the kernels); then run the `ci`
# preset and fail on any gate or on any golden that is missing or differs; then compare it
# with reports/baseline and fail on any layer that retires more instructions, needs more
# bytes or loses accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s ==\n' "$*"; }

step "dependencies"
bash scripts/setup.sh

step "sanitized build and tests (ASan + UBSan)"
cmake --workflow --preset sanitize

step "release build and tests"
cmake --workflow --preset default

step "fuzz smoke: every libFuzzer target (fuzz/) for a bounded time from its seeds"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j2
bash fuzz/smoke.sh 30

step "mlperf-tiny preset: the four MLPerf Tiny models on every target, gates and goldens"
build/default/harness/qbench run --preset mlperf-tiny --require-golden --out build/default/reports/mlperf-tiny

step "MLPerf Tiny on the boards they fit: deployable flash and RAM against each board, est_us"
build/default/harness/qbench run --preset mlperf-tiny --board nucleo-l4r5zi --board nucleo-h7a3zi-q \
  --board ek-ra6m4 --board alif-e7-hp --require-golden --out build/default/reports/boards

step "quant_study preset: the MobileNetV1-style quantization variants on host and cortex-m4, goldens"
build/default/harness/qbench run --preset quant_study --require-golden --out build/default/reports/quant_study

step "ci preset: gates and goldens"
build/default/harness/qbench run --preset ci --require-golden --out build/default/reports/ci

# Instructions, bytes, error figures and goldens against the committed baseline, exactly;
# host wall time is not compared (reports/baseline/rules.json says why).
step "ci preset against reports/baseline"
build/default/harness/qbench compare reports/baseline build/default/reports/ci
