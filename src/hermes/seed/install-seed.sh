#!/bin/sh
# Init container: puts the seed from the ConfigMap (/opt/seed) onto the data volume (/opt/data).
# - config.yaml, SOUL.md and .env are user state: copied only when absent, so live edits survive every restart.
# - The pre-check scripts are code: replaced on every start, so a new version in git always takes effect.
set -eu
seed=/opt/seed
data=/opt/data
scripts="$data/scripts/platform-engineer"

for f in config.yaml SOUL.md; do
  if [ -e "$data/$f" ]; then
    echo "keep $data/$f (exists; edits on the volume win)"
  else
    cp "$seed/$f" "$data/$f.seed-tmp" && mv "$data/$f.seed-tmp" "$data/$f"
    echo "seeded $data/$f"
  fi
done
if [ -e "$data/.env" ]; then
  echo "keep $data/.env"
else
  cp "$seed/dotenv" "$data/.env.seed-tmp" && chmod 600 "$data/.env.seed-tmp" && mv "$data/.env.seed-tmp" "$data/.env"
  echo "seeded $data/.env (no credentials: they come from the Secret)"
fi

mkdir -p "$data/scripts" "$data/platform-engineer/state"
rm -rf "$scripts.new"
mkdir "$scripts.new"
for f in "$seed"/precheck--*; do
  cp "$f" "$scripts.new/${f##*/precheck--}"
done
cp "$seed/precheck-settings.json" "$scripts.new/settings.json"
chmod 755 "$scripts.new"/*.py
rm -rf "$scripts.old"
if [ -d "$scripts" ]; then mv "$scripts" "$scripts.old"; fi
mv "$scripts.new" "$scripts"
rm -rf "$scripts.old"
echo "installed $(ls "$scripts" | wc -l) files into $scripts"
