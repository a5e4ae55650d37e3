#!/usr/bin/env bash
# Benchmark: `policy lint` on a generated repository of N feature manifests,
# against the floor of merely reading those files with git ls-files | xargs cat,
# measured side by side in this run. Prints both times (best of RUNS) and the ratio.
#
#   bench/run.sh [FEATURES=20000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
features=${1:-20000}
runs=${2:-5}
work=${BENCH_DIR:-$(mktemp -d)}
repo="$work/repo"

cargo build --release --quiet
policy="$PWD/target/release/policy"

python3 bench/generate.py "$repo" "$features"
(
  cd "$repo"
  git init -q
  git -c user.name=bench -c user.email=bench@example.com add -A
  git -c user.name=bench -c user.email=bench@example.com commit -qm "generated"
)

# best-of-N wall time in seconds of a shell command run in the repo
best() {
  local best_time=""
  for _ in $(seq "$runs"); do
    local start end elapsed
    start=$(date +%s.%N)
    (cd "$repo" && eval "$1") >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc -l)
    if [ -z "$best_time" ] || [ "$(echo "$elapsed < $best_time" | bc -l)" = 1 ]; then
      best_time=$elapsed
    fi
  done
  printf '%.4f' "$best_time"
}

# Warm the page cache for both.
(cd "$repo" && git ls-files -z features | xargs -0 cat >/dev/null)

floor=$(best "git ls-files -z features | xargs -0 cat >/dev/null")
lint=$(best "'$policy' lint --today 2026-11-26 --format json >/dev/null")
files=$(cd "$repo" && git ls-files features | wc -l)
ratio=$(echo "$lint / $floor" | bc -l)
printf 'features: %s (%s files under features/), best of %s runs\n' "$features" "$files" "$runs"
printf 'floor  git ls-files -z features | xargs -0 cat : %ss\n' "$floor"
printf 'policy lint (tree mode, json)                 : %ss\n' "$lint"
printf 'ratio: %.2fx (target <= 1.5x)\n' "$ratio"
