#!/usr/bin/env bash
# The pre-commit framework round trip, for real: install `pre-commit` from PyPI, make a
# product repository, and let pre-commit build this checkout's hooks
# (`.pre-commit-hooks.yaml`, `language: rust`) and run them:
#
#   1. `pre-commit try-repo <this checkout> policy-lint` blocks a staged violation;
#   2. with the `.pre-commit-config.yaml` snippet from the README installed as git hooks,
#      `git commit` of a violation is blocked, and the fixed commit goes through;
#   3. the pre-push hook lets a clean push through and blocks a push carrying a
#      violation that was committed with `--no-verify`.
#
# The hooks repository is a snapshot of this checkout's files (tracked, and untracked
# but not ignored) committed in a temporary repository, so uncommitted work is tested
# too. pre-commit builds the tool with `cargo install`; CARGO_TARGET_DIR points at a
# kept directory (POLICY_ROUNDTRIP_TARGET_DIR, default target/pre-commit-roundtrip) so
# dependencies are compiled once. PRE_COMMIT=path/to/pre-commit skips the PyPI install.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
START=$SECONDS
WORK=$(mktemp -d "${TMPDIR:-/tmp}/policy-pre-commit.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - START))"; }
fail() { printf 'pre-commit round trip FAILED: %s\n' "$*" >&2; exit 1; }

# Runs "$@" expecting exit status $1 (`nonzero` for any failure); its output goes to
# $WORK/last.log and is shown.
expect() {
    local want=$1 code=0
    shift
    "$@" >"$WORK/last.log" 2>&1 || code=$?
    sed 's/^/    | /' "$WORK/last.log"
    if [ "$want" = nonzero ]; then
        [ "$code" -ne 0 ] || fail "expected a failure from: $*"
    else
        [ "$code" -eq "$want" ] || fail "expected exit $want, got $code from: $*"
    fi
    echo "    -> exit $code, as expected"
}
expect_log() { grep -q -- "$1" "$WORK/last.log" || fail "output lacks: $1"; }

export PRE_COMMIT_COLOR=never NO_COLOR=1 CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR=${POLICY_ROUNDTRIP_TARGET_DIR:-$ROOT/target/pre-commit-roundtrip}
# This tests pre-commit's plumbing, not the optimiser: `cargo install` builds the release
# profile, here without optimisation, which on two cores cuts a cold build several times.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=${CARGO_PROFILE_RELEASE_OPT_LEVEL:-0}
export CARGO_PROFILE_RELEASE_DEBUG=${CARGO_PROFILE_RELEASE_DEBUG:-false}
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-256}
# Keep the caller's git identity and hooks out of the repositories made here.
export GIT_CONFIG_GLOBAL=$WORK/gitconfig GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
git config --global user.name "Product Manager"
git config --global user.email pm@example.com
git config --global protocol.file.allow always
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE POLICY_TODAY GITHUB_ACTIONS

if [ -z "${PRE_COMMIT:-}" ]; then
    step "installing pre-commit from PyPI"
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit
    PRE_COMMIT=$WORK/venv/bin/pre-commit
fi
"$PRE_COMMIT" --version
PATH=$(dirname "$PRE_COMMIT"):$PATH # `pre-commit install` hooks call this interpreter

step "snapshot of the checkout as a hooks repository"
HOOKS=$WORK/hooks-repo
mkdir "$HOOKS"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar -cf - --null -T -) | tar -xf - -C "$HOOKS"
[ -f "$HOOKS/.pre-commit-hooks.yaml" ] || fail "no .pre-commit-hooks.yaml in the checkout"
git -C "$HOOKS" init --quiet
git -C "$HOOKS" add -A
git -C "$HOOKS" commit --quiet -m snapshot
REV=$(git -C "$HOOKS" rev-parse HEAD)
echo "hooks repository $HOOKS at $REV"

step "product repository"
PRODUCT=$WORK/product
mkdir -p "$PRODUCT/policies" "$PRODUCT/features/chat-search"
cd "$PRODUCT"
git init --quiet
cat >policy.toml <<'EOF'
[roles.srb]
description = "Safety Review Board"
members = ["chair@example.com"]

[taxonomy]
stages = ["concept", "design", "review", "cleared", "launched", "paused", "retired"]
harm_categories = ["privacy", "misinformation"]

[signoff]
digest_excludes = ["stage"]
verify_authors = true
EOF
cat >policies/launch.toml <<'EOF'
[policy]
id = "launch"
version = "1.0.0"
title = "Launches need the Safety Review Board"
owners = ["srb"]

[[rules]]
code = "SRB001"
title = "Launch needs an SRB go decision"
severity = "error"
when = 'feature.stage == "launched"'
require_signoffs = ["srb"]
at = "stage"
EOF
write_feature() {
    cat >features/chat-search/feature.toml <<EOF
id = "chat-search"
title = "Search inside chat"
owner = "pm@example.com"
stage = "$1"
risk_tier = "medium"
harm_categories = ["privacy"]
EOF
}
write_feature design
# The README's snippet, pointed at the snapshot.
awk '/<!-- pre-commit-config -->/ { found = 1; next }
     found && /^```/ { if (inside) exit; inside = 1; next }
     inside { print }' "$ROOT/README.md" >.pre-commit-config.yaml
grep -q 'id: policy-lint' .pre-commit-config.yaml || fail "no pre-commit snippet in README.md"
sed -i -E "s|^( *- repo: ).*|\1$HOOKS|; s|^( *rev: ).*|\1$REV|" .pre-commit-config.yaml
cat .pre-commit-config.yaml
"$PRE_COMMIT" validate-config .pre-commit-config.yaml
git add -A
git commit --quiet -m "policy, config and a feature in design"

step "try-repo: a staged launch without the SRB's sign-off is blocked"
write_feature launched
git add features
expect nonzero "$PRE_COMMIT" try-repo "$HOOKS" policy-lint --ref "$REV"
expect_log SRB001
expect_log "Failed"

step "git hooks from the README snippet (pre-commit install)"
export PRE_COMMIT_HOME=$WORK/pre-commit-home
expect 0 "$PRE_COMMIT" install --install-hooks
POLICY=$(find "$PRE_COMMIT_HOME" -path '*/rustenv-*/bin/policy' -type f | head -n 1)
[ -x "$POLICY" ] || fail "pre-commit did not build the policy binary"
echo "pre-commit built $POLICY"

step "git commit of the violation is blocked"
expect nonzero git commit -m "launch chat search"
expect_log SRB001
[ "$(git rev-list --count HEAD)" = 1 ] || fail "the violating commit was made"

step "the SRB chair signs; the commit goes through"
"$POLICY" sign chat-search --role srb --signer chair@example.com
git add -A
expect 0 env GIT_AUTHOR_EMAIL=chair@example.com GIT_COMMITTER_EMAIL=chair@example.com \
    git commit -m "launch chat search with the SRB's go"
expect_log "policy lint (staged).*Passed"
[ "$(git rev-list --count HEAD)" = 2 ] || fail "the clean commit was not made"

step "pre-push: a clean push goes through"
git init --quiet --bare "$WORK/remote.git"
git remote add origin "$WORK/remote.git"
expect 0 git push origin main
expect_log "policy lint (pushed commits).*Passed"

step "pre-push: a violation committed with --no-verify is not pushed"
sed -i 's/harm_categories = \["privacy"\]/harm_categories = ["privacy", "misinformation"]/' \
    features/chat-search/feature.toml
git commit --quiet --no-verify -am "widen chat search after the SRB's go"
expect nonzero git push origin main
expect_log "policy lint (pushed commits).*Failed"
[ "$(git -C "$WORK/remote.git" rev-parse main)" = "$(git rev-parse HEAD~1)" ] ||
    fail "the violating commit reached the remote"

step "pre-commit round trip passed"
echo "pre-commit round trip: $((SECONDS - START))s"
