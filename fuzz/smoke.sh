#!/usr/bin/env bash
# A short, bounded run of every fuzz target, for CI: each target starts from its seed
# corpus (build/fuzz/fuzz/seeds/<target>, written by the fuzz build) in a fresh scratch
# corpus, one process at a time, for SECONDS each. Exits 1 if any target crashed, leaked,
# timed out or ran out of memory (libFuzzer's own verdict), 2 on a usage or setup error.
#
#   fuzz/smoke.sh [SECONDS] [TARGET...]        default: 60 s; suite qbm tflite report
#
# Needs the fuzz build first:
#   cmake --preset fuzz && cmake --build --preset fuzz -j1
# Environment: QB_FUZZ_BUILD_DIR (default build/fuzz), QB_FUZZ_OUT (where crashes and logs
# go; default a new temporary folder, kept when something failed).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${QB_FUZZ_BUILD_DIR:-$root/build/fuzz}"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(suite qbm tflite report)
case "$seconds" in ''|*[!0-9]*) echo "smoke: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

out="${QB_FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/qb_fuzz_smoke.XXXXXX")}"
mkdir -p "$out"
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/qb_fuzz_$t"
  seeds="$build/fuzz/seeds/$t"
  if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
    echo "smoke: $bin or $seeds missing; build the fuzz preset first" >&2
    exit 2
  fi
  corpus="$out/corpus/$t"
  mkdir -p "$corpus" "$out/crashes/$t"
  extra=()
  [ "$t" = suite ] && extra+=("-dict=$root/fuzz/suite.dict")
  echo "smoke: $t for ${seconds}s"
  "$bin" "$corpus" "$seeds" "${extra[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=1048576 \
    -print_final_stats=1 -artifact_prefix="$out/crashes/$t/" >"$out/$t.log" 2>&1
  rc=$?
  grep -E '^#[0-9]+ +DONE|^stat::number_of_executed_units|^stat::average_exec_per_sec' "$out/$t.log" | sed "s/^/  $t: /"
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "smoke: $t FAILED (exit $rc); log $out/$t.log, reproducers in $out/crashes/$t/:" >&2
    ls -1 "$out/crashes/$t" >&2
    grep -m3 -E '^==[0-9]+== ?ERROR|runtime error|qb-fuzz: BUG|terminate called|what\(\)|ALARM|out-of-memory' "$out/$t.log" >&2
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "smoke: ${#failed[@]} failed, $((${#targets[@]} - ${#failed[@]})) passed (${failed[*]}); see $out" >&2
  exit 1
fi
echo "smoke: 0 failed, ${#targets[@]} passed"
[ -z "${QB_FUZZ_OUT:-}" ] && rm -rf "$out"
exit 0
