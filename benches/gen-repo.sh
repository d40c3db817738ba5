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
  blob Gemfile $'source "https://rubygems.org"\ngem "rails", "~> 8.0"\ngem "pg", "~> 1.5"\ngem "sidekiq"\ngem "gem1"'
  blob package.json '{"name":"front","dependencies":{"react":"^19","p1":"1"},"workspaces":["packages/*"]}'
  blob .ruby-version '3.3.5'
  blob config/database.yml $'development:\n  adapter: postgresql\n  database: app_dev'
  # lockfiles of a real app's size, so detection walks their graphs: 400 gems and 4,000 npm
  # packages in chains, none of them a service client
  lock=$'GEM\n  remote: https://rubygems.org/\n  specs:\n'
  for g in $(seq 400); do lock+="    gem$g (1.0.$g)"$'\n'"      gem$(( g + 1 )) (>= 1)"$'\n'; done
  lock+=$'    pg (1.5.9)\n    sidekiq (7.3.0)\n\nDEPENDENCIES\n  pg\n  rails\n  sidekiq\n'
  blob Gemfile.lock "$lock"
  npm='{"lockfileVersion":3,"packages":{"":{"dependencies":{"react":"^19","p1":"1"}}'
  for p in $(seq 4000); do npm+=",\"node_modules/p$p\":{\"version\":\"1.0.0\",\"dependencies\":{\"p$(( p + 1 ))\":\"1\"}}"; done
  npm+='}}'
  blob package-lock.json "$npm"
  # a PHP app (Laravel config read as PHP, a 300-package composer.lock in chains) and a .NET
  # solution, so their readers are in the figure too
  blob composer.json '{"require":{"php":"^8.2","laravel/framework":"^11","c1/c1":"1"},"require-dev":{"phpunit/phpunit":"^11"}}'
  clock='{"packages":[{"name":"laravel/framework","require":{"php":"^8.2"}}'
  for c in $(seq 300); do clock+=",{\"name\":\"c$c/c$c\",\"require\":{\"c$(( c + 1 ))/c$(( c + 1 ))\":\"1\",\"ext-json\":\"*\"}}"; done
  clock+='],"packages-dev":[{"name":"phpunit/phpunit","require":[]}]}'
  blob composer.lock "$clock"
  blob config/database.php $'<?php\nreturn [\n    \'default\' => env(\'DB_CONNECTION\', \'sqlite\'),\n    \'connections\' => [\'pgsql\' => [\'driver\' => \'pgsql\']],\n    \'redis\' => [\'client\' => env(\'REDIS_CLIENT\', \'phpredis\')],\n];'
  blob config/queue.php $'<?php\nreturn [\'default\' => env(\'QUEUE_CONNECTION\', \'database\')];'
  blob .env.example $'APP_NAME=Bench\nDB_CONNECTION=pgsql\nQUEUE_CONNECTION=database\nREDIS_HOST=127.0.0.1'
  blob Directory.Packages.props '<Project><ItemGroup><PackageVersion Include="Npgsql" Version="9.0.2" /></ItemGroup></Project>'
  for p in Api Worker Web; do
    blob "src/$p/$p.csproj" '<Project Sdk="Microsoft.NET.Sdk.Web"><ItemGroup><PackageReference Include="Npgsql" /><PackageReference Include="Serilog" /></ItemGroup></Project>'
    blob "src/$p/appsettings.Development.json" '{"ConnectionStrings":{"Default":"Host=localhost;Database=bench"}}'
  done
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
