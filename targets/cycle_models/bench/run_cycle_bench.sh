#!/bin/sh
# Runs the cycle-model microbenchmark image of one core under qemu-system-arm with the
# instruction-count plugin and that core's table, and compares the cycles between each
# case's begin and end labels with the hand-computed counts in expected.txt.
#   run_cycle_bench.sh CORE QEMU MACHINE IMAGE PLUGIN TABLE NM EXPECTED
set -eu
core=$1 qemu=$2 machine=$3 image=$4 plugin=$5 table=$6 nm=$7 expected=$8
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The cases this core expects, in order; two marks each (begin, end).
awk -v core="$core" '$1 == core { print $2, $3 }' "$expected" > "$work/cases"
test -s "$work/cases" || { echo "no expected counts for $core in $expected"; exit 1; }
"$nm" "$image" > "$work/symbols"
marks=""
while read -r name cycles; do
  for edge in begin end; do
    address=$(awk -v s="qb_cb_${name}_${edge}" '$3 == s { print $1 }' "$work/symbols")
    test -n "$address" || { echo "$image has no label qb_cb_${name}_${edge}"; exit 1; }
    # Labels inside Thumb code may carry the Thumb bit; instruction addresses do not.
    marks="$marks,mark=0x$(printf '%x' $(( 0x$address & ~1 )))"
  done
done < "$work/cases"

timeout 60 "$qemu" -M "$machine" -nographic -semihosting-config enable=on,target=native \
  -kernel "$image" -plugin "$plugin,out=$work/log$marks,model=$table"

# Each mark runs once; case k is marks 2k and 2k+1.
awk -v logfile="$work/log" '
  BEGIN { while ((getline line < logfile) > 0) { split(line, f, " "); cyc[f[1]] = f[3]; seen[f[1]] = 1 } }
  {
    b = 2 * (NR - 1); e = b + 1
    if (!(b in seen) || !(e in seen)) { printf "%-18s not reached\n", $1; bad = 1; next }
    got = cyc[e] - cyc[b]
    printf "%-18s expected %4d  got %4d  %s\n", $1, $2, got, (got == $2 ? "ok" : "MISMATCH")
    if (got != $2) bad = 1
  }
  END { exit bad }' "$work/cases"
