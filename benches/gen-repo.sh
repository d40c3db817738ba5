#!/usr/bin/env bash
# Make a git repository with N files in HEAD (default 100,000) for the detection benchmark:
# a Rails-like app with a Gemfile, a JS front end, vendored gems and node_modules-like trees, and
# deep source directories. Written with `git fast-import`, so it takes seconds, not minutes.
set -euo pipefail
dir=${1:?usage: gen-repo.sh DIR [FILES]}
files=${2:-100000}
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
git init -q -b main .
git remote add origin git@github.com:bench/big-app.git
{
  echo "commit refs/heads/main"
  echo "committer Bench <bench@example.com> 1700000000 +0000"
  echo "data 6"; echo "bench"
  blob() { printf 'M 100644 inline %s\ndata %d\n%s\n' "$1" "$(( ${#2} ))" "$2"; }
  blob Gemfile $'source "https://rubygems.org"\ngem "rails", "~> 8.0"\ngem "pg", "~> 1.5"\ngem "sidekiq"'
  blob package.json '{"name":"front","dependencies":{"react":"^19"},"workspaces":["packages/*"]}'
  blob .ruby-version '3.3.5'
  blob config/database.yml $'development:\n  adapter: postgresql\n  database: app_dev'
  per_dir=500
  n=0; d=0
  while [ "$n" -lt "$files" ]; do
    case $(( d % 4 )) in
      0) base="app/models/area$d" ;;
      1) base="vendor/bundle/ruby/3.3.0/gems/gem$d/lib" ;;
      2) base="packages/pkg$d/src/components" ;;
      3) base="spec/fixtures/files/set$d" ;;
    esac
    if [ $(( d % 4 )) -eq 2 ]; then
      blob "packages/pkg$d/package.json" '{"name":"pkg","dependencies":{"lodash":"^4"}}'
      n=$(( n + 1 ))
    fi
    i=0
    while [ "$i" -lt "$per_dir" ] && [ "$n" -lt "$files" ]; do
      printf 'M 100644 inline %s/f%d.rb\ndata 12\nclass X; end\n' "$base" "$i"
      i=$(( i + 1 )); n=$(( n + 1 ))
    done
    d=$(( d + 1 ))
  done
  echo
} | git fast-import --quiet
git reset -q --hard main
git update-ref refs/remotes/origin/main main
git config branch.main.remote origin
git config branch.main.merge refs/heads/main
echo "$(git ls-tree -r HEAD | wc -l) files in HEAD at $dir" >&2
