#!/usr/bin/env bash
# Benchmark: `policy lint` against floors measured side by side in this run.
#
#   tree mode   vs  git ls-files -z features | xargs -0 cat     (target <= 1.5x)
#   --staged    vs  git diff --cached --name-only, 1 feature changed   (target <= 5x)
#   --base      vs  git diff --name-only main...topic, 50 features changed (target <= 5x)
#   --base with a changed playbook every feature follows
#               vs  git diff --name-only main...HEAD + git grep -l <id> HEAD -- features (1.5x)
#   audit       vs  git log --name-status, over HISTORY commits appended by
#               bench/history.py (stages, sign-offs, waivers, debt, merges)  (3x)
#
# Each is measured on two generated repositories (a quarter size and full
# size) so the growth with repository size shows. Prints best-of-RUNS wall
# times and ratios.
#
#   bench/run.sh [FEATURES=20000] [OTHER_FILES=100000] [RUNS=5] [HISTORY=3000]
set -euo pipefail
cd "$(dirname "$0")/.."
features=${1:-20000}
others=${2:-100000}
runs=${3:-5}
history=${4:-3000}
work=${BENCH_DIR:-$(mktemp -d)}

cargo build --release --quiet
policy="${CARGO_TARGET_DIR:-$PWD/target}/release/policy"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=chair@example.com \
  GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=chair@example.com

best() { # best-of-N wall seconds of a command run in $repo
  local best_time="" start end elapsed
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    (cd "$repo" && eval "$1") >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    elapsed=$(echo "$end - $start" | bc -l)
    if [ -z "$best_time" ] || [ "$(echo "$elapsed < $best_time" | bc -l)" = 1 ]; then best_time=$elapsed; fi
  done
  printf '%.4f' "$best_time"
}

row() { # label floor-label floor-cmd lint-cmd target
  local floor lint
  floor=$(best "$3")
  lint=$(best "$4")
  printf '%-34s %-44s %8ss  policy %8ss  ratio %6.2fx (target <= %s)\n' "$1" "$2" "$floor" "$lint" \
    "$(echo "$lint / $floor" | bc -l)" "$5"
}

for scale in 4 1; do
  n=$((features / scale)); m=$((others / scale))
  repo="$work/repo-$n"
  python3 bench/generate.py "$repo" "$n" "$m"
  (cd "$repo" && git init -q -b main && git add -A && git -c gc.auto=0 commit -qm generated && git gc -q)
  # Let the kernel write back the freshly generated files before timing.
  sync
  (cd "$repo" && git ls-files -z features | xargs -0 cat >/dev/null) # warm the cache
  echo "== $n features, $m other files =="
  row "tree mode (every feature)" "git ls-files -z features | xargs -0 cat" \
    "git ls-files -z features | xargs -0 cat >/dev/null" \
    "'$policy' lint --today 2026-11-26 --format json" "1.5x"

  # One staged feature.
  (cd "$repo" && sed -i 's/^title = .*/title = "Changed"/' features/team-07/feature-00007/feature.toml && git add -A)
  row "--staged (1 feature changed)" "git diff --cached --name-only" \
    "git diff --cached --name-only" \
    "'$policy' lint --staged --today 2026-11-26 --format json" "5x"
  (cd "$repo" && git reset -q --hard)

  # A branch changing 50 features.
  (
    cd "$repo" && git checkout -q -b topic
    for i in $(seq 100 149); do
      f=$(printf 'features/team-%02d/feature-%05d/feature.toml' $((i % 40)) "$i")
      sed -i 's/^title = .*/title = "Changed on topic"/' "$f"
    done
    git commit -qam "change 50 features"
  )
  row "--base main (50 features changed)" "git diff --name-only main...topic" \
    "git diff --name-only main...topic" \
    "'$policy' lint --base main --today 2026-11-26 --format json" "5x"

  # The same branch plus a changed playbook that every feature follows: the
  # followers are read for their playbook references, nothing else.
  (
    cd "$repo" && git checkout -q -b topic-playbook
    sed -i 's/^version = 1$/version = 2/' playbooks/privacy-review.md
    echo "One more step." >>playbooks/privacy-review.md
    git commit -qam "change a playbook"
  )
  row "--base main (50 + a followed playbook)" "git diff --name-only main...HEAD + git grep -l" \
    "git diff --name-only main...HEAD && git grep -l privacy-review HEAD -- features" \
    "'$policy' lint --base main --today 2026-11-26 --format json" "1.5x"
  (cd "$repo" && git checkout -q main)

  # The history of main grows by $history commits (a merge every 100).
  python3 bench/history.py "$repo" "$n" "$history"
  (cd "$repo" && git gc -q)
  row "audit ($history commits)" "git log --name-status" \
    "git log --name-status" \
    "'$policy' audit --today 2026-11-26 --format json" "3x"
done
