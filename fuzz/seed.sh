#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with real inputs so the fuzzer starts from the shapes it must
# handle: manifests from tests/corpus, the built-in and snapshot job templates, and a short
# stream-json session. Each detection seed starts with the byte that picks its file layout
# (see fuzz/fuzz_targets/*.rs); files of one layout are separated by a NUL byte.
set -euo pipefail
cd "$(dirname "$0")"
root=..
out=corpus

# seed TARGET LAYOUT_BYTE FILE [FILE...]: one input for TARGET, from FILEs joined by NUL.
n=0
seed() {
    local target=$1 layout=$2
    shift 2
    mkdir -p "$out/$target"
    n=$((n + 1))
    {
        printf "\\x$(printf %02x "$layout")"
        local first=1
        for f in "$@"; do
            [ $first = 1 ] || printf '\0'
            first=0
            cat "$f"
        done
    } >"$out/$target/seed-$n"
}

# each_file TARGET LAYOUT_BYTE NAME-PATTERN: one seed per matching file in tests/corpus.
each_file() {
    local target=$1 layout=$2 pattern=$3
    while IFS= read -r -d '' f; do
        seed "$target" "$layout" "$f"
    done < <(find "$root/tests/corpus" -type f -name "$pattern" -print0)
}

each_file detect_ruby 0 Gemfile
each_file detect_ruby 1 Gemfile.lock
each_file detect_ruby 3 '*.gemspec'
while IFS= read -r -d '' lock; do
    gemfile="$(dirname "$lock")/Gemfile"
    [ -f "$gemfile" ] && seed detect_ruby 2 "$gemfile" "$lock"
done < <(find "$root/tests/corpus" -type f -name Gemfile.lock -print0)

each_file detect_database_yml 0 'database.yml'
each_file detect_database_yml 2 'database.yml.sample'
each_file detect_database_yml 3 cable.yml

each_file detect_node 0 package.json
each_file detect_node 4 '*.prisma'
while IFS= read -r -d '' ws; do
    pkg="$(dirname "$ws")/package.json"
    [ -f "$pkg" ] && seed detect_node 1 "$ws" "$pkg"
done < <(find "$root/tests/corpus" -type f -name pnpm-workspace.yaml -print0)

mkdir -p "$out/detect_npm_lock"
printf '\x01{"dependencies": {"knex": "^3"}}\0{"lockfileVersion": 3, "packages": {"": {"dependencies": {"knex": "^3"}}, "node_modules/knex": {"peerDependencies": {"pg": "^8"}}, "node_modules/db": {"name": "pg"}}}' \
    >"$out/detect_npm_lock/seed-knex"
mkdir -p "$out/detect_pnpm_lock"
printf '\x01{"dependencies": {"knex": "^3"}}\0lockfileVersion: "9.0"\nsnapshots:\n  knex@3.1.0(pg@8.11.0):\n    dependencies:\n      pg: 8.11.0\n' \
    >"$out/detect_pnpm_lock/seed-knex"
mkdir -p "$out/detect_yarn_lock"
printf '\x01{"dependencies": {"bee-queue": "^1"}}\0bee-queue@^1.7.1:\n  version "1.7.1"\n  dependencies:\n    kv "npm:redis@^3"\n' \
    >"$out/detect_yarn_lock/seed-classic"
printf '\x01{"dependencies": {"bee-queue": "^1"}}\0__metadata:\n  version: 8\n"bee-queue@npm:^1.7.1":\n  resolution: "bee-queue@npm:1.7.1"\n  dependencies:\n    redis: "npm:^3"\n' \
    >"$out/detect_yarn_lock/seed-berry"

each_file detect_python 0 pyproject.toml
mkdir -p "$out/detect_poetry_lock" "$out/detect_uv_lock"
printf '\x01[tool.poetry.dependencies]\nrq = "*"\n\0[[package]]\nname = "rq"\n\n[package.dependencies]\nredis = ">=4"\n' \
    >"$out/detect_poetry_lock/seed-rq"
printf '\x01[project]\ndependencies = ["arq"]\n\0[[package]]\nname = "arq"\ndependencies = [{ name = "redis" }]\n' \
    >"$out/detect_uv_lock/seed-arq"
mkdir -p "$out/detect_pipfile_lock"
printf '\x01[packages]\narq = "*"\n\0{"default": {"arq": {}, "redis": {"markers": "python_version >= \x273.8\x27"}}, "develop": {}}' \
    >"$out/detect_pipfile_lock/seed-arq"
each_file detect_python 1 'requirements*.txt'
each_file detect_python 4 Pipfile

each_file detect_go 0 go.mod
each_file detect_rust 0 Cargo.toml
while IFS= read -r -d '' lock; do
    manifest="$(dirname "$lock")/Cargo.toml"
    [ -f "$manifest" ] && seed detect_cargo_lock 1 "$manifest" "$lock"
done < <(find "$root/tests/corpus" -type f -name Cargo.lock -print0)
each_file detect_compose 0 '*compose*.y*ml'

each_file detect_php 0 composer.json
while IFS= read -r -d '' db; do
    app="$(dirname "$(dirname "$db")")"
    [ -f "$app/composer.json" ] && seed detect_php 1 "$app/composer.json" "$db"
    if [ -f "$app/.env.example" ] && [ -f "$app/config/cache.php" ] && [ -f "$app/config/queue.php" ]; then
        seed detect_php 2 "$app/composer.json" "$app/.env.example" "$db"
        seed detect_php 3 "$app/composer.json" "$app/.env.example" "$app/config/cache.php" "$app/config/queue.php"
    fi
done < <(find "$root/tests/corpus" -type f -path '*/config/database.php' -print0)
while IFS= read -r -d '' lock; do
    manifest="$(dirname "$lock")/composer.json"
    [ -f "$manifest" ] && seed detect_composer_lock 1 "$manifest" "$lock"
done < <(find "$root/tests/corpus" -type f -name composer.lock -print0)
mkdir -p "$out/detect_composer_lock"
printf '\x01{"require": {"acme/queue": "^1"}, "require-dev": {"acme/tool": "*"}}\0{"packages": [{"name": "acme/queue", "require": {"predis/predis": "^2", "ext-redis": "*"}}, {"name": "predis/predis", "require": []}], "packages-dev": [{"name": "acme/tool", "require": {"ext-pgsql": "*"}}]}' \
    >"$out/detect_composer_lock/seed-queue"

each_file detect_dotnet 0 '*.csproj'
each_file detect_dotnet 0 '*.fsproj'
while IFS= read -r -d '' settings; do
    project=$(find "$(dirname "$settings")" -maxdepth 1 -name '*.csproj' -print -quit)
    [ -n "$project" ] && seed detect_dotnet 3 "$project" "$settings"
done < <(find "$root/tests/corpus" -type f -name 'appsettings*.json' -print0)
while IFS= read -r -d '' props; do
    project=$(find "$(dirname "$props")/src" -name '*.csproj' -print -quit 2>/dev/null || true)
    [ -n "$project" ] && seed detect_dotnet 1 "$props" "$project"
done < <(find "$root/tests/corpus" -type f -name Directory.Packages.props -print0)

mkdir -p "$out/detect_elixir"
printf '\0defmodule App.MixProject do\n  use Mix.Project\n\n  defp deps do\n    [\n      {:postgrex, ">= 0.0.0"},\n      {:redix, "~> 1.1", only: :prod}\n    ]\n  end\nend\n' \
    >"$out/detect_elixir/seed-mix"

each_file detect_maven 0 pom.xml
each_file detect_gradle 0 build.gradle
each_file detect_gradle 1 build.gradle.kts
while IFS= read -r -d '' settings; do
    d="$(dirname "$settings")"
    for sub in "$d"/*/build.gradle; do
        [ -f "$sub" ] && [ -f "$d/gradle/libs.versions.toml" ] && seed detect_gradle 2 "$settings" "$sub" "$d/gradle/libs.versions.toml"
    done
done < <(find "$root/tests/corpus" -type f -name settings.gradle -print0)
while IFS= read -r -d '' props; do
    d="$(dirname "$props")"
    seed detect_spring 0 /dev/null "$props"
    [ -f "$d/application-postgres.properties" ] && seed detect_spring 2 /dev/null "$props" "$d/application-postgres.properties"
done < <(find "$root/tests/corpus" -type f -name application.properties -print0)
mkdir -p "$out/detect_spring"
printf '\x01\0spring:\n  datasource:\n    url: jdbc:h2:mem:x\n---\nspring:\n  config.activate.on-profile: pg\n  datasource.url: jdbc:postgresql://db/app\n  data.redis.host: cache\n' \
    >"$out/detect_spring/seed-yaml"
while IFS= read -r -d '' dc; do
    compose="$(dirname "$dc")/docker-compose.yml"
    if [ -f "$compose" ]; then
        seed detect_devcontainer 1 "$dc" "$compose"
    else
        seed detect_devcontainer 0 "$dc"
    fi
done < <(find "$root/tests/corpus" -type f -name devcontainer.json -print0)
mkdir -p "$out/detect_devcontainer"
printf '\x02{\n  // JSONC\n  "dockerComposeFile": ["ops/compose.yml",],\n  "service": "app",\n  "features": {"ghcr.io/itsmechlark/features/redis-server:1": {}},\n}\0services:\n  app:\n    build: .\n  db:\n    image: postgres:16\n' \
    >"$out/detect_devcontainer/seed-jsonc"
printf '\x03Run `docker compose -f infra/docker-compose.yml up`.\n\0services:\n  cache:\n    image: redis:7\n' \
    >"$out/detect_devcontainer/seed-docs"

mkdir -p "$out/parse_template"
cp "$root/templates/job.yaml" "$out/parse_template/seed-builtin"
for snap in "$root"/tests/snapshots/render_jobs__*.snap; do
    # An insta snapshot is a YAML header, a '---' line, then the rendered Job.
    awk 'seen >= 2 { print } /^---$/ { seen++ }' "$snap" >"$out/parse_template/seed-$(basename "$snap" .snap)"
done

mkdir -p "$out/render_stream"
{
    printf '\x02'
    printf '%s\n' \
        '2026-11-23T10:00:00.123456789Z cloning https://github.com/acme/widgets.git' \
        '2026-11-23T10:00:01Z {"type":"system","subtype":"init","model":"claude","session_id":"s"}' \
        '2026-11-23T10:00:02Z {"type":"assistant","message":{"content":[{"type":"text","text":"Working on it."},{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"cargo test"}}]}}' \
        '2026-11-23T10:00:03Z {"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"1 failed"}]}}' \
        '2026-11-23T10:00:04Z {"type":"claude_sandbox","event":"pushed","branch":"main"}' \
        '2026-11-23T10:00:05Z {"type":"result","subtype":"success","is_error":false,"result":"Done.","num_turns":3,"duration_ms":61000,"total_cost_usd":0.42}'
} >"$out/render_stream/seed-session"

echo "seeded $(find "$out" -type f | wc -l) inputs under fuzz/$out/"
