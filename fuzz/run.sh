#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, seeding the corpora from the
# example repository, the default pack and the toml-test suite.
#
#   fuzz/run.sh [SECONDS_PER_TARGET=60] [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Builds on stable
# with RUSTC_BOOTSTRAP=1 and no sanitizer. Findings land in
# fuzz/artifacts/<target>/; each one becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(manifest playbook policy digest git_tree)
root=..

seed() { # target, files...
    local dir="corpus/$1"
    shift
    mkdir -p "$dir"
    for file in "$@"; do
        [ -f "$file" ] && cp "$file" "$dir/$(sha1sum "$file" | cut -c1-16)"
    done
    return 0
}
shopt -s globstar nullglob
seed manifest "$root"/fixtures/example/features/**/feature.toml "$root"/tests/data/toml-test/valid/**/*.toml
seed playbook "$root"/fixtures/example/playbooks/*.md
seed policy "$root"/policies/*.toml "$root"/fixtures/example/policies/*.toml
seed digest "$root"/fixtures/example/features/**/*.toml "$root"/tests/data/toml-test/valid/**/*.toml
mkdir -p corpus/git_tree
if git -C "$root" rev-parse HEAD >/dev/null 2>&1; then
    for tree in $(git -C "$root" ls-tree -r -d --format='%(objectname)' HEAD | head -50); do
        git -C "$root" cat-file tree "$tree" >"corpus/git_tree/$tree"
    done
fi

export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none -O
for target in "${targets[@]}"; do
    echo "== $target ($seconds s)"
    cargo fuzz run -s none -O "$target" -- -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 2>&1 | grep -E "^(#|stat::|==|SUMMARY|Done)" | tail -12
done
