#!/usr/bin/env bash
# `cdk diff` of every stage in cdk.json: this checkout's synthesized templates against those of a
# base commit (a pull request's base), as Markdown for the job summary. Needs no AWS account.
# Usage: .ci/cdk-diff.sh <base commit>
set -euo pipefail
base_ref="${1:?usage: .ci/cdk-diff.sh <base commit>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export CDK_DISABLE_CLI_TELEMETRY=true

git -C "$root" worktree add --detach "$work/base" "$base_ref" >/dev/null 2>&1
base_note=""
if ! (cd "$work/base" && npm ci --no-audit --no-fund >/dev/null 2>&1); then
  # An unusable base lock file must not hide the diff: synthesize the base with this branch's packages.
  ln -s "$root/node_modules" "$work/base/node_modules"
  base_note="(npm ci failed on the base commit; it was synthesized with this branch's node_modules)"
fi

stages="$(node -p "Object.keys(require('$root/cdk.json').context['nightshift:stages']).join(' ')")"
echo "# cdk diff against $(git -C "$root" rev-parse --short "$base_ref") $base_note"
for stage in $stages; do
  echo
  echo "## stage \`$stage\`"
  (cd "$root" && npx cdk synth -q --no-notices -c "stage=$stage" -o "$work/head/$stage" >/dev/null 2>"$work/head-$stage.log") || {
    echo '**This branch does not synthesize:**'
    echo '```'
    tail -n 30 "$work/head-$stage.log"
    echo '```'
    exit 1
  }
  # A stage the base does not know yet (or cannot synthesize) is compared against empty templates.
  (cd "$work/base" && npx cdk synth -q --no-notices -c "stage=$stage" -o "$work/base-out/$stage" >/dev/null 2>&1) ||
    echo "_The base commit does not synthesize stage \`$stage\`: every stack shows as new._"
  for template in "$work/head/$stage"/*.template.json; do
    stack="$(basename "$template" .template.json)"
    base_template="$work/base-out/$stage/$stack.template.json"
    [ -f "$base_template" ] || { base_template="$work/empty.json"; echo '{}' >"$base_template"; }
    echo
    echo "### $stack"
    echo '```'
    (cd "$root" && npx cdk diff --no-notices --exclusively --app "$work/head/$stage" --template "$base_template" "$stack" 2>&1 |
      grep -v -e '^npm warn' -e 'Number of stacks with differences' -e '^\s*$' || true)
    echo '```'
  done
  for template in "$work/base-out/$stage"/*.template.json; do
    [ -e "$template" ] || continue
    stack="$(basename "$template" .template.json)"
    [ -f "$work/head/$stage/$stack.template.json" ] || echo "### $stack: **removed** (the stack would be deleted)"
  done
done
