#!/usr/bin/env bash
# Builds the kernel floor (int8 kernels + model runtime) with a cross CMake preset and fails
# if its library needs anything from outside that a bare-metal image cannot provide: no
# heap, no exceptions, no stdio, no libm. Only a few libc memory functions and the compiler's
# own runtime helpers (libgcc) may stay undefined.
#
#   scripts/check_freestanding.sh [preset] [build-dir]
#
# preset defaults to kernels-cortex-m4 (CMakePresets.json); build-dir defaults to the
# preset's own binaryDir. ctest passes a folder under its build tree.
set -euo pipefail

preset="${1:-kernels-cortex-m4}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${2:-}"
nm_tool="${NM:-arm-none-eabi-nm}"
size_tool="${SIZE:-arm-none-eabi-size}"

for tool in arm-none-eabi-g++ "$nm_tool"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check_freestanding: $tool not found; install the Debian package gcc-arm-none-eabi" \
         "(scripts/setup.sh installs it)" >&2
    exit 1
  fi
done

cd "$root"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
configure=(cmake --preset "$preset")
if [[ -n "$build" ]]; then configure+=(-B "$build"); fi
if ! "${configure[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "check_freestanding: configuring preset $preset failed" >&2
  exit 1
fi
if [[ -z "$build" ]]; then
  build="$(sed -n 's/^-- Build files have been written to: //p' "$log" | tail -n 1)"
fi
if ! cmake --build "$build" --target qb_kernels -j 2 >"$log" 2>&1; then
  cat "$log" >&2
  echo "check_freestanding: building qb_kernels for $preset failed" >&2
  exit 1
fi
# Compiler warnings in freestanding code are worth seeing even when the check passes.
grep -E "warning:" "$log" >&2 || true

lib="$(find "$build" -name libqb_kernels.a -print -quit)"
if [[ -z "$lib" ]]; then
  echo "check_freestanding: no libqb_kernels.a under $build" >&2
  exit 1
fi

# What the archive's objects need and do not define among themselves.
defined="$("$nm_tool" --defined-only -g "$lib" | awk 'NF == 3 { print $3 }' | sort -u)"
needed="$("$nm_tool" -u "$lib" | awk '$1 == "U" { print $2 }' | sort -u)"
external="$(comm -23 <(printf '%s\n' "$needed") <(printf '%s\n' "$defined") | sed '/^$/d')"

# Allowed: the memory functions every freestanding C++ compiler may emit calls to, and the
# libgcc / Arm EABI helpers (division, 64-bit shifts, soft-float, switch tables), except the
# EABI's static-destructor registration and exception unwinding entries.
allowed=(
  memcpy memset memmove
  '__aeabi_[A-Za-z0-9_]+' '__gnu_thumb1_case_[a-z0-9]+'
  '__(ash[lr]|lshr)di3' '__(u?(div|mod)|udivmod|divmod|mul)[sd]i[34]'
  '__(clz|ctz|popcount|parity|ffs|bswap)[sd]i2' '__u?cmpdi2'
)
allow="^($(IFS='|'; echo "${allowed[*]}"))\$"
deny='^__aeabi_(atexit|unwind_cpp_pr[0-9]+)$'
offending="$(
  printf '%s\n' "$external" | grep -Ev "$allow" || true
  printf '%s\n' "$external" | grep -E "$deny" || true
)"
offending="$(printf '%s\n' "$offending" | sed '/^$/d' | sort -u)"

if [[ -n "$offending" ]]; then
  echo "check_freestanding: $lib ($preset) needs symbols a freestanding image does not have:" >&2
  while IFS= read -r sym; do
    users="$("$nm_tool" -A -u "$lib" |
      awk -v s="$sym" '$NF == s { split($1, p, ":"); print p[2] }' | sort -u | tr '\n' ' ')"
    echo "  $sym  ($(echo "$sym" | c++filt))  used by: $users" >&2
  done <<<"$offending"
  exit 1
fi

echo "check_freestanding: $preset ok; external symbols: $(printf '%s ' $external)"
if command -v "$size_tool" >/dev/null 2>&1; then "$size_tool" -t "$lib"; fi
