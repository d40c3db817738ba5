use super::*;

#[test]
fn dependency_sections() {
    let d = run(&[(
        "package.json",
        r#"{"dependencies": {"postgres": "3"}, "devDependencies": {"ioredis": "5"}}"#,
    )]);
    assert_services(&d, &[PG, REDIS], &[]);
    let d = run(&[(
        "package.json",
        r#"{"optionalDependencies": {"pg": "8"}, "peerDependencies": {"redis": "4"}}"#,
    )]);
    assert_services(&d, &[], &[PG, REDIS]);
    for (name, s) in [
        ("pg-promise", PG),
        ("@prisma/adapter-pg", PG),
        ("bull", REDIS),
        ("bullmq", REDIS),
        ("@redis/client", REDIS),
    ] {
        let json = format!(r#"{{"dependencies": {{"{name}": "1"}}}}"#);
        assert_services(&run(&[("package.json", json.as_str())]), &[s], &[]);
    }
}

#[test]
fn look_alikes_are_not_drivers() {
    let d = run(&[(
        "package.json",
        r#"{"dependencies": {"pg-hstore": "2", "pg-tsquery": "8", "pgvector": "0.2", "@types/pg": "8",
            "@keyv/redis": "5", "@socket.io/redis-adapter": "8", "connect-redis": "7", "kysely": "0.28"},
            "description": "pg redis"}"#,
    )]);
    assert_services(&d, &[], &[]);
}

#[test]
fn npm_aliases_resolve_to_the_real_package() {
    let d = run(&[("package.json", r#"{"dependencies": {"db": "npm:pg@^8"}}"#)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["package.json: dependency \"db\" (npm:pg)"]
    );
}

#[test]
fn npm_workspaces_reach_deep_members() {
    let server = r#"{"dependencies": {"pg": "8"}}"#;
    // the array form, with a member deeper than the walk reaches
    let d = run(&[
        (
            "package.json",
            r#"{"workspaces": ["platform/services/*/*"]}"#,
        ),
        ("platform/services/core/api/package.json", server),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["platform/services/core/api/package.json: dependency \"pg\""]
    );
    // the yarn object form, with a negation
    let d = run(&[
        (
            "package.json",
            r#"{"workspaces": {"packages": ["pkgs/**", "!pkgs/legacy/**"]}}"#,
        ),
        (
            "pkgs/a/b/c/d/package.json",
            r#"{"dependencies": {"redis": "4"}}"#,
        ),
        ("pkgs/legacy/x/y/z/package.json", server),
    ]);
    assert_services(&d, &[REDIS], &[]);
}

#[test]
fn pnpm_workspace_members() {
    let d = run(&[
        (
            "package.json",
            r#"{"name": "root", "dependencies": {"express": "4"}}"#,
        ),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - 'apps/**'\n  - \"packages/*\"\n  - '!**/test/**'\n",
        ),
        (
            "apps/web/server/src/api/package.json",
            r#"{"dependencies": {"postgres": "3"}}"#,
        ),
        (
            "apps/web/test/deep/er/package.json",
            r#"{"dependencies": {"redis": "4"}}"#,
        ),
        (
            "packages/ui/package.json",
            r#"{"dependencies": {"react": "18"}}"#,
        ),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn workspace_globs_do_not_enter_node_modules() {
    let d = run(&[
        ("package.json", r#"{"workspaces": ["packages/**"]}"#),
        (
            "packages/a/node_modules/pg/package.json",
            r#"{"dependencies": {"pg-types": "1"}}"#,
        ),
        (
            "packages/a/node_modules/x/y/package.json",
            r#"{"dependencies": {"pg": "8"}}"#,
        ),
    ]);
    assert_services(&d, &[], &[]);
}

#[test]
fn prisma_datasources() {
    let schema = "// provider = \"sqlite\"\ndatasource db {\n  provider = \"postgresql\" // main\n  url = env(\"DATABASE_URL\")\n  extensions = [postgis(version: \"3.4\"), pg_trgm]\n}\n\ngenerator client {\n  provider = \"prisma-client-js\"\n}\n";
    let d = run(&[
        (
            "package.json",
            r#"{"dependencies": {"@prisma/client": "5"}}"#,
        ),
        ("prisma/schema.prisma", schema),
    ]);
    assert_services(&d, &[PG], &[]);
    assert!(d.postgis);
    assert_eq!(
        evidence(&d, PG),
        vec!["prisma/schema.prisma: datasource provider = \"postgresql\""]
    );
    let sqlite = "datasource db {\n  // provider = \"postgresql\"\n  provider = \"sqlite\"\n}\n";
    assert_services(&run(&[("prisma/schema.prisma", sqlite)]), &[], &[]);
    // a custom location in package.json, deeper than the walk
    let d = run(&[
        (
            "package.json",
            r#"{"prisma": {"schema": "db/x/y/z/main.prisma"}}"#,
        ),
        (
            "db/x/y/z/main.prisma",
            "datasource db {\n  provider = \"postgres\"\n}\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    // multi-file schemas of a workspace member
    let d = run(&[
        ("package.json", r#"{"workspaces": ["apps/*"]}"#),
        ("apps/api/package.json", "{}"),
        (
            "apps/api/prisma/schema/base.prisma",
            "datasource db {\n  provider = \"postgresql\"\n}\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn mysql_next_to_pg_is_a_choice() {
    let d = run(&[(
        "package.json",
        r#"{"dependencies": {"pg": "8", "mysql2": "3", "knex": "3"}}"#,
    )]);
    assert_services(&d, &[], &[PG]);
    let d = run(&[
        (
            "package.json",
            r#"{"dependencies": {"pg": "8", "mysql2": "3"}}"#,
        ),
        (
            "docker-compose.yml",
            "services:\n  db:\n    image: postgres:16\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
}

/// A package-lock.json (v3) for an app whose package.json names only wrappers.
const NPM_LOCK: &str = r#"{
  "name": "app", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "dependencies": {"knex": "^3", "queue": "npm:bee-queue@1"},
         "devDependencies": {"test-tool": "^1"}},
    "node_modules/knex": {"version": "3.1.0", "dependencies": {"pg-connection-string": "2"},
                          "peerDependencies": {"pg": "^8"}},
    "node_modules/pg-connection-string": {"version": "2.6.0"},
    "node_modules/pg": {"version": "8.11.0"},
    "node_modules/queue": {"name": "bee-queue", "version": "1.7.1",
                           "dependencies": {"kv": "npm:redis@3"}},
    "node_modules/kv": {"name": "redis", "version": "3.1.2"},
    "node_modules/test-tool": {"version": "1.0.0", "dependencies": {"ioredis": "5"}},
    "node_modules/test-tool/node_modules/ioredis": {"version": "5.4.0"},
    "node_modules/orphan": {"version": "1.0.0", "dependencies": {"pg": "8"}}
  }
}"#;

#[test]
fn package_lock_graph_reaches_clients_through_wrappers() {
    let pkg = r#"{"dependencies": {"knex": "^3", "queue": "npm:bee-queue@1"}}"#;
    let d = run(&[("package.json", pkg), ("package-lock.json", NPM_LOCK)]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(evidence(&d, PG), vec!["package-lock.json: knex → pg"]);
    assert_eq!(
        evidence(&d, REDIS),
        vec!["package-lock.json: bee-queue → redis"]
    );
}

#[test]
fn package_lock_follows_only_what_package_json_declares() {
    // the lock may list more than package.json asks for now: only declared packages lead
    let d = run(&[
        ("package.json", r#"{"dependencies": {"express": "^4"}}"#),
        ("package-lock.json", NPM_LOCK),
    ]);
    assert_services(&d, &[], &[]);
    // a devDependency's own dependencies are tooling: optional
    let d = run(&[
        (
            "package.json",
            r#"{"devDependencies": {"test-tool": "^1"}}"#,
        ),
        ("package-lock.json", NPM_LOCK),
    ]);
    assert_services(&d, &[], &[REDIS]);
    assert_eq!(
        evidence(&d, REDIS),
        vec!["package-lock.json: test-tool → ioredis (devDependency)"]
    );
    // a workspace member's dependencies are covered by the root's lock
    let d = run(&[
        ("package.json", r#"{"workspaces": ["apps/*"]}"#),
        (
            "apps/api/package.json",
            r#"{"dependencies": {"knex": "^3"}}"#,
        ),
        ("package-lock.json", NPM_LOCK),
    ]);
    assert_services(&d, &[PG], &[]);
    // a lock without a package.json next to it or above it leads nowhere
    let d = run(&[("package-lock.json", NPM_LOCK)]);
    assert_services(&d, &[], &[]);
}

/// npm 6's lockfile (version 1): a nested tree whose entries name what they `requires`.
const NPM_LOCK_V1: &str = r#"{
  "name": "app", "lockfileVersion": 1, "requires": true,
  "dependencies": {
    "queue": {"version": "npm:bee-queue@1.7.1", "requires": {"kv": "npm:redis@3"},
      "dependencies": {"kv": {"version": "npm:redis@3.1.2"}}},
    "knex": {"version": "3.1.0", "requires": {"pg-connection-string": "2"}},
    "pg-connection-string": {"version": "2.6.0"},
    "test-tool": {"version": "1.0.0", "dev": true, "requires": {"ioredis": "5"},
      "dependencies": {"ioredis": {"version": "5.4.0", "dev": true,
        "requires": {"pg-native": "3"}}}},
    "pg-native": {"version": "3.0.0", "dev": true, "optional": true},
    "orphan": {"version": "1.0.0", "requires": {"pg": "8"}},
    "pg": {"version": "8.11.0"}
  }
}"#;

#[test]
fn package_lock_v1_tree_is_followed_like_v3() {
    let pkg = r#"{"dependencies": {"knex": "^3", "queue": "npm:bee-queue@1"},
                  "devDependencies": {"test-tool": "^1"}}"#;
    let d = run(&[("package.json", pkg), ("package-lock.json", NPM_LOCK_V1)]);
    // knex's peer pg was never a requirement in v1; orphan's pg is not declared
    assert_services(&d, &[REDIS], &[PG]);
    assert_eq!(
        evidence(&d, REDIS),
        vec!["package-lock.json: bee-queue → redis"]
    );
    assert_eq!(
        evidence(&d, PG),
        vec!["package-lock.json: test-tool → ioredis → pg-native (devDependency)"]
    );
    let d = run(&[
        ("package.json", r#"{"dependencies": {"express": "^4"}}"#),
        ("package-lock.json", NPM_LOCK_V1),
    ]);
    assert_services(&d, &[], &[]);
    // version 2 carries both: the `packages` map is the one read
    let v2 = NPM_LOCK.replacen(
        "\"packages\": {",
        "\"dependencies\": {\"knex\": {\"version\": \"3.1.0\", \"requires\": {\"redis\": \"3\"}}, \"redis\": {\"version\": \"3.1.2\"}},\n  \"packages\": {",
        1,
    );
    let d = run(&[
        ("package.json", r#"{"dependencies": {"knex": "^3"}}"#),
        ("package-lock.json", v2.as_str()),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn broken_package_lock_is_a_warning() {
    let d = run(&[
        ("package.json", r#"{"dependencies": {"pg": "^8"}}"#),
        ("package-lock.json", "{\"packages\": "),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert_eq!(d.warnings[0].file, "package-lock.json");
}

#[test]
fn pnpm_lock_graph_in_lockfile_9_and_6() {
    let v9 = "lockfileVersion: '9.0'\n\
importers:\n  .:\n    dependencies:\n      knex:\n        specifier: ^3\n        version: 3.1.0(pg@8.11.0)\n\
packages:\n  knex@3.1.0:\n    resolution: {integrity: sha512-x}\n  pg@8.11.0:\n    resolution: {integrity: sha512-y}\n\
snapshots:\n  knex@3.1.0(pg@8.11.0):\n    dependencies:\n      pg: 8.11.0\n      local: link:../lib\n  pg@8.11.0: {}\n  \
bee-queue@1.7.1:\n    dependencies:\n      kv: redis@3.1.2\n  redis@3.1.2: {}\n";
    let v6 = "lockfileVersion: '6.0'\n\
packages:\n  /knex@3.1.0(pg@8.11.0):\n    dependencies:\n      pg: 8.11.0\n    dev: false\n  \
/bee-queue@1.7.1:\n    dependencies:\n      kv: /redis@3.1.2\n  /redis@3.1.2:\n    dev: false\n  /pg@8.11.0:\n    dev: false\n";
    for lock in [v9, v6] {
        let d = run(&[
            (
                "package.json",
                r#"{"dependencies": {"knex": "^3"}, "devDependencies": {"bee-queue": "^1"}}"#,
            ),
            ("pnpm-lock.yaml", lock),
        ]);
        assert_services(&d, &[PG], &[REDIS]);
        assert_eq!(evidence(&d, PG), vec!["pnpm-lock.yaml: knex → pg"]);
        assert_eq!(
            evidence(&d, REDIS),
            vec!["pnpm-lock.yaml: bee-queue → redis (devDependency)"]
        );
    }
    // a workspace member below the lock
    let d = run(&[
        ("pnpm-workspace.yaml", "packages:\n  - apps/*\n"),
        ("package.json", "{}"),
        (
            "apps/api/package.json",
            r#"{"dependencies": {"knex": "^3"}}"#,
        ),
        ("pnpm-lock.yaml", v9),
    ]);
    assert_services(&d, &[PG], &[]);
    let d = run(&[
        ("package.json", r#"{"dependencies": {"pg": "^8"}}"#),
        ("pnpm-lock.yaml", "packages: ["),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(d.warnings[0].file, "pnpm-lock.yaml");
}

#[test]
fn yarn_lock_graph_classic_and_berry() {
    let classic = "# yarn lockfile v1\n\n\n\
knex@^3.0.0, \"knex@^3.1.0\":\n  version \"3.1.0\"\n  dependencies:\n    pg-connection-string \"2.6.2\"\n  \
optionalDependencies:\n    pg \"^8\"\n\n\
bee-queue@^1.7.1:\n  version \"1.7.1\"\n  dependencies:\n    kv \"npm:redis@^3\"\n\n\
kv@npm:redis@^3:\n  version \"3.1.2\"\n\npg@^8:\n  version \"8.11.0\"\n\n\
orphan@^1:\n  dependencies:\n    ioredis \"^5\"\n";
    let berry = "__metadata:\n  version: 8\n\n\
\"knex@npm:^3.1.0\":\n  version: 3.1.0\n  resolution: \"knex@npm:3.1.0\"\n  dependencies:\n    pg-connection-string: \"npm:2.6.2\"\n  \
optionalDependencies:\n    pg: \"npm:^8\"\n\n\
\"bee-queue@npm:^1.7.1\":\n  resolution: \"bee-queue@npm:1.7.1\"\n  dependencies:\n    kv: \"npm:redis@^3\"\n\n\
\"pg@npm:^8\":\n  resolution: \"pg@npm:8.11.0\"\n\n\"redis@npm:^3\":\n  resolution: \"redis@npm:3.1.2\"\n\n\"orphan@npm:^1\":\n  resolution: \"orphan@npm:1.0.0\"\n  dependencies:\n    ioredis: \"npm:^5\"\n";
    for lock in [classic, berry] {
        let d = run(&[
            ("package.json", r#"{"dependencies": {"bee-queue": "^1"}}"#),
            ("yarn.lock", lock),
        ]);
        assert_services(&d, &[REDIS], &[]);
        assert_eq!(evidence(&d, REDIS), vec!["yarn.lock: bee-queue → redis"]);
        let d = run(&[
            ("package.json", r#"{"dependencies": {"knex": "^3"}}"#),
            ("yarn.lock", lock),
        ]);
        assert_services(&d, &[PG], &[]);
        assert_eq!(evidence(&d, PG), vec!["yarn.lock: knex → pg"]);
    }
}

#[test]
fn an_optional_peer_nothing_installed_is_not_reached() {
    let lock = r#"{"lockfileVersion": 3, "packages": {
        "": {"dependencies": {"knex": "^3", "sqlite3": "^5"}},
        "node_modules/knex": {"version": "3.1.0", "peerDependencies": {"pg": "^8", "sqlite3": "^5"},
                              "peerDependenciesMeta": {"pg": {"optional": true}}},
        "node_modules/sqlite3": {"version": "5.1.7"}
    }}"#;
    let d = run(&[
        (
            "package.json",
            r#"{"dependencies": {"knex": "^3", "sqlite3": "^5"}}"#,
        ),
        ("package-lock.json", lock),
    ]);
    assert_services(&d, &[], &[]);
}
