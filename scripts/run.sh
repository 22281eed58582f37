#!/usr/bin/env bash
# The main job: install what is missing, build, and run every suite on every target of a
# preset (default `all`), writing report.csv and report.json under build/default/reports/.
# Extra arguments go to `qbench run`, e.g. `scripts/run.sh --preset quick --target host`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cmake --preset default
cmake --build --preset default -j2

args=("$@")
if [[ ! " ${args[*]-} " =~ " --preset " && ! " ${args[*]-} " =~ " --suite " ]]; then
  args=(--preset all "${args[@]}")
fi
exec build/default/harness/qbench run --out build/default/reports "${args[@]}"
