#!/usr/bin/env bash
# A/B runs of the apiserver benchmark: bench/api-bench.sh alternately on a base build (a git
# worktree of REV) and on this working tree, PAIRS times, base first. The base gets this tree's
# bench driver and scripts, so only the servers differ. Every run's result is kept in
# bench/results/ (the base's with a -base-<rev> suffix), and a summary, bench/results/api-ab-<UTC
# time>.md, lists each run's latency rows and, per verb and rate, each side's median and range.
# Why alternate: this machine's speed drifts over minutes (docs/benchmarks.md, "Writes per log
# entry in the table, and a faster stretch of the machine"), so a lone pair of runs can show the
# drift instead of the change; alternating puts the drift on both sides.
# Usage: bench/api-ab.sh --base REV [--pairs 2] [bench/api-bench.sh arguments ...]
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"

base="" pairs=2 args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="${2:?--base needs a revision}"; shift 2 ;;
    --pairs) pairs="${2:?--pairs needs a number}"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ -n "$base" ] || { echo "usage: bench/api-ab.sh --base REV [--pairs N] [api-bench.sh arguments ...]" >&2; exit 2; }
case "$pairs" in ''|*[!0-9]*|0) echo "--pairs: a whole number of at least 1, not '$pairs'" >&2; exit 2 ;; esac
rev="$(git -C "$root" rev-parse --verify --short "$base^{commit}" 2>/dev/null)" \
  || { echo "--base: '$base' is not a commit of this repository" >&2; exit 2; }
head="$(git -C "$root" rev-parse --short HEAD)"
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
  head="$head with uncommitted changes"
fi

scratch="$(mktemp -d /tmp/capstan-api-ab.XXXXXX)"
cleanup() {
  git -C "$root" worktree remove --force "$scratch/base" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
git -C "$root" worktree add --detach -f "$scratch/base" "$rev" >/dev/null 2>&1
rm -rf "$scratch/base/bench/src" "$scratch/base/bench/lib"
cp -r "$root/bench/src" "$root/bench/lib" "$root/bench/pom.xml" "$root/bench/api-bench.sh" "$scratch/base/bench/"
# The footprint tool measures the apiserver's own classes, so it follows the base's build: the
# base keeps its own version (or none), which the API driver does not use.
for f in bench/src/main/java/dev/capstan/bench/api/ObjectFootprint.java \
    bench/src/main/java/dev/capstan/bench/api/SelectorFields.java \
    bench/src/test/java/dev/capstan/bench/api/ObjectFootprintTest.java \
    bench/src/test/java/dev/capstan/bench/api/SelectorFieldsTest.java; do
  rm -f "$scratch/base/$f"
  git -C "$scratch/base" checkout -q HEAD -- "$f" 2>/dev/null || true
done

# Runs one side's bench; prints the result file's path, moved into this tree's bench/results.
run_side() {
  local dir="$1" suffix="$2" kept
  "$dir/bench/api-bench.sh" "${args[@]}" >"$scratch/out" 2>"$scratch/err" \
    || { cat "$scratch/err" >&2; echo "api-bench.sh failed in $dir" >&2; return 1; }
  kept="$(sed -n 's/^kept in //p' "$scratch/err" | tail -1)"
  if [ -n "$suffix" ]; then
    mv "$kept" "$root/bench/results/$(basename "$kept" .md)$suffix.md"
    kept="$root/bench/results/$(basename "$kept" .md)$suffix.md"
  fi
  echo "$kept"
}

runs=()
for i in $(seq 1 "$pairs"); do
  echo "pair $i of $pairs: base $rev ..." >&2
  runs+=("base $(run_side "$scratch/base" "-base-$rev")")
  echo "pair $i of $pairs: this tree ($head) ..." >&2
  runs+=("this $(run_side "$root" "")")
done

summary="$root/bench/results/api-ab-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# apiserver A/B, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "base: $rev; this: $head; pairs: $pairs, alternated, base first; the same driver on both sides."
  echo "command: bench/api-ab.sh --base $base --pairs $pairs ${args[*]}"
  echo
  echo "| side | result | verb | rate (req/s) | p50 (ms) | p99 (ms) | server CPU per request (ms) | machine idle (%) | writes per entry |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for r in "${runs[@]}"; do
    side="${r%% *}" file="${r#* }"
    # the latency table's rows: | verb | rate | requests | achieved | p50 | p99 | max | errors |
    # p99 per server | lag | CPU all (per server) | driver CPU | switches | idle | writes per entry |
    # collector pauses per server | (older result files end at writes per entry)
    awk -F'|' -v side="$side" -v f="$(basename "$file")" '
      /^\| (create|get|list|update|patch) \| [0-9]/ {
        split($12, cpu, " "); gsub(/ /, "", $2); gsub(/ /, "", $3)
        printf "| %s | `%s` | %s | %s | %s | %s | %s | %s | %s |\n", side, f, $2, $3, $6 + 0, $7 + 0, cpu[1], $15 + 0, $16 + 0
      }' "$file"
  done
  echo
  echo "Per verb and rate, median (lowest to highest) of each side's runs:"
  echo
  echo "| verb | rate | side | p50 (ms) | p99 (ms) | server CPU per request (ms) |"
  echo "|---|---|---|---|---|---|"
} >"$summary"
# The medians, from the rows just written.
awk -F'|' '
  function med(list,   n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return sprintf("%s (%s to %s)", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, v[1], v[n])
  }
  /^\| (base|this) \| `/ {
    k = $4 "|" $5 "|" $2; gsub(/ /, "", k)
    if (!(k in seen)) { seen[k] = 1; order[++n] = k }
    p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7; cpu[k] = cpu[k] " " $8
  }
  END {
    for (i = 1; i <= n; i++) { k = order[i]; split(k, part, "|")
      printf "| %s | %s | %s | %s | %s | %s |\n", part[1], part[2], part[3], med(p50[k]), med(p99[k]), med(cpu[k]) }
  }' "$summary" | sort -t'|' -k2,2 -k3,3n -k4,4 >>"$summary"
cat "$summary"
echo "kept in $summary" >&2
