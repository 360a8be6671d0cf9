#!/usr/bin/env bash
# Commits Pulumi.$ENVIRONMENT.yaml (the pin `vnv release check --pin` or `vnv rollback` wrote) to
# the default branch, so git holds what is deployed. Nothing changed: no commit. A refused push
# (someone pushed meanwhile) is rebased onto the newest commits and pushed again, five times at
# most; a conflict on the stack file fails here.
# Usage: commit-pin.sh <what> (the commit's subject after "deploy($ENVIRONMENT): ")
# Needs: ENVIRONMENT, DEFAULT_BRANCH, GITHUB_ACTOR, RUN_URL, GITHUB_STEP_SUMMARY.
set -euo pipefail
what="$1"
file="Pulumi.$ENVIRONMENT.yaml"
if git diff --quiet -- "$file"; then
  echo "$file is committed as it is: nothing to commit"
  exit 0
fi
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git add -- "$file"
git commit --quiet -m "deploy($ENVIRONMENT): $what" -m "Deployed by $GITHUB_ACTOR: $RUN_URL"
for attempt in 1 2 3 4 5; do
  if git push origin "HEAD:refs/heads/$DEFAULT_BRANCH"; then
    break
  fi
  if ((attempt == 5)); then
    echo "::error title=Pin not pushed::the push of $file to $DEFAULT_BRANCH was refused $attempt times"
    exit 1
  fi
  echo "push refused (attempt $attempt): rebasing the pin onto the newest $DEFAULT_BRANCH"
  sleep $((attempt * 5))
  git pull --rebase origin "$DEFAULT_BRANCH"
done
echo "$ENVIRONMENT: commit $(git rev-parse HEAD) ($file: $what)" >>"$GITHUB_STEP_SUMMARY"
