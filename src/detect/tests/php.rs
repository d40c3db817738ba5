use super::*;

fn composer(require: &str, require_dev: &str) -> String {
    format!(r#"{{"name": "acme/app", "require": {{{require}}}, "require-dev": {{{require_dev}}}}}"#)
}

#[test]
fn composer_drivers_in_require_and_require_dev() {
    let json = composer(
        r#""php": "^8.2", "predis/predis": "^2", "ext-pdo_pgsql": "*""#,
        "",
    );
    let d = run(&[("composer.json", json.as_str())]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, PG),
        ["composer.json: require \"ext-pdo_pgsql\""]
    );
    assert_eq!(
        evidence(&d, REDIS),
        ["composer.json: require \"predis/predis\""]
    );
    for (name, s) in [
        ("ext-pgsql", PG),
        ("EXT-PDO-PGSQL", PG),
        ("ext-redis", REDIS),
        ("laravel/horizon", REDIS),
    ] {
        let json = composer("", &format!(r#""{name}": "*""#));
        assert_services(&run(&[("composer.json", json.as_str())]), &[s], &[]);
    }
}

#[test]
fn framework_packages_imply_nothing_alone() {
    let json = composer(
        r#""laravel/framework": "^11", "illuminate/redis": "^11", "doctrine/dbal": "^4",
           "symfony/cache": "^7", "doctrine/orm": "^3", "predis/predis-async": "dev-main",
           "snc/redis-bundle-look-alike": "1""#,
        r#""phpunit/phpunit": "^11""#,
    );
    assert_services(&run(&[("composer.json", json.as_str())]), &[], &[]);
}

#[test]
fn pgsql_next_to_a_mysql_driver_is_a_choice() {
    let json = composer(r#""ext-pdo_pgsql": "*", "ext-pdo_mysql": "*""#, "");
    let d = run(&[("composer.json", json.as_str())]);
    assert_services(&d, &[], &[PG]);
    assert!(
        evidence(&d, PG)[0].contains("also supports MySQL"),
        "{d:#?}"
    );
}

const LOCK: &str = r#"{
  "packages": [
    {"name": "laravel/framework", "require": {"php": "^8.2", "illuminate/support": "*"}},
    {"name": "illuminate/support", "require": []},
    {"name": "acme/cache", "require": {"predis/predis": "^2"}},
    {"name": "acme/native-cache", "require": {"ext-redis": "*"}},
    {"name": "predis/predis", "require": {"php": "^7.2 || ^8.0"}}
  ],
  "packages-dev": [
    {"name": "acme/pg-tools", "require": {"ext-pgsql": "*"}},
    {"name": "laravel/horizon", "require": {"ext-pcntl": "*", "symfony/process": "^7"}}
  ]
}"#;

#[test]
fn composer_lock_follows_what_the_lock_requires() {
    let json = composer(
        r#""laravel/framework": "^11", "acme/cache": "^1""#,
        r#""acme/pg-tools": "^1""#,
    );
    let d = run(&[("composer.json", json.as_str()), ("composer.lock", LOCK)]);
    assert_services(&d, &[REDIS], &[PG]);
    assert_eq!(
        evidence(&d, REDIS),
        ["composer.lock: acme/cache → predis/predis"]
    );
    assert_eq!(
        evidence(&d, PG),
        ["composer.lock: acme/pg-tools → ext-pgsql (require-dev)"]
    );
    // a required extension counts as installed with its package
    let json = composer(r#""acme/native-cache": "^1""#, "");
    let d = run(&[("composer.json", json.as_str()), ("composer.lock", LOCK)]);
    assert_eq!(
        evidence(&d, REDIS),
        ["composer.lock: acme/native-cache → ext-redis"]
    );
}

#[test]
fn composer_lock_adds_nothing_the_manifest_does_not_declare() {
    // the lock resolves predis, but nothing composer.json requires leads to it
    let json = composer(r#""laravel/framework": "^11""#, "");
    let d = run(&[("composer.json", json.as_str()), ("composer.lock", LOCK)]);
    assert_services(&d, &[], &[]);
    // no composer.json: the lock alone is not read
    assert_services(&run(&[("composer.lock", LOCK)]), &[], &[]);
    // a lock in another directory covers nothing here
    let d = run(&[
        ("composer.json", json.as_str()),
        ("app/composer.lock", LOCK),
    ]);
    assert_services(&d, &[], &[]);
}

const DATABASE_PHP: &str = r#"<?php
return [
    // 'default' => env('DB_CONNECTION', 'pgsql'),
    'default' => env('DB_CONNECTION', 'sqlite'),
    'connections' => [
        'sqlite' => ['driver' => 'sqlite'],
        'mysql' => ['driver' => 'mysql'],
        'pgsql' => ['driver' => 'pgsql'],
        'main' => ['driver' => 'pgsql'],
    ],
    'redis' => [
        'client' => env('REDIS_CLIENT', 'phpredis'),
        'default' => ['host' => env('REDIS_HOST', '127.0.0.1')],
    ],
];
"#;

const SKELETON_ENV: &str = "APP_NAME=Laravel\nDB_CONNECTION=sqlite\n# DB_HOST=127.0.0.1\n\
    SESSION_DRIVER=database\nQUEUE_CONNECTION=database\nCACHE_STORE=database\n\
    REDIS_CLIENT=phpredis\nREDIS_HOST=127.0.0.1\nREDIS_PORT=6379\n";

fn laravel(files: &[(&str, &str)]) -> Detection {
    let json = composer(r#""laravel/framework": "^11""#, "");
    let mut all = vec![("composer.json", json.as_str())];
    all.extend_from_slice(files);
    run(&all)
}

#[test]
fn a_laravel_skeleton_needs_nothing() {
    let d = laravel(&[
        ("config/database.php", DATABASE_PHP),
        (".env.example", SKELETON_ENV),
    ]);
    assert_services(&d, &[], &[]);
}

#[test]
fn laravel_default_connection_from_the_template_or_the_fallback() {
    // the template picks pgsql
    let env = SKELETON_ENV.replace("DB_CONNECTION=sqlite", "DB_CONNECTION=pgsql");
    let d = laravel(&[
        ("config/database.php", DATABASE_PHP),
        (".env.example", env.as_str()),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(evidence(&d, PG), [".env.example: DB_CONNECTION=pgsql"]);
    // a custom connection name whose driver is pgsql
    let env = SKELETON_ENV.replace("DB_CONNECTION=sqlite", "DB_CONNECTION=main");
    let d = laravel(&[
        ("config/database.php", DATABASE_PHP),
        (".env.example", env.as_str()),
    ]);
    assert_eq!(
        evidence(&d, PG),
        [".env.example: DB_CONNECTION=main (driver 'pgsql')"]
    );
    // the template leaves it out: config's fallback
    let db = DATABASE_PHP.replace("'DB_CONNECTION', 'sqlite'", "'DB_CONNECTION', 'pgsql'");
    let env = SKELETON_ENV.replace("DB_CONNECTION=sqlite\n", "");
    let d = laravel(&[("config/database.php", &db), (".env.example", &env)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        ["config/database.php: default connection env('DB_CONNECTION', 'pgsql')"]
    );
    // the fallback is pgsql but the template picks sqlite: an alternative only
    let d = laravel(&[("config/database.php", &db), (".env.example", SKELETON_ENV)]);
    assert_services(&d, &[], &[PG]);
    assert_eq!(
        evidence(&d, PG),
        [
            "config/database.php: default connection env('DB_CONNECTION', 'pgsql') (but .env.example sets sqlite)"
        ]
    );
    // no config file: the template alone
    let d = laravel(&[(".env.example", "DB_CONNECTION=pgsql\n")]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn laravel_stores_on_redis() {
    for (key, file) in [
        ("CACHE_STORE", "config/cache.php"),
        ("QUEUE_CONNECTION", "config/queue.php"),
        ("SESSION_DRIVER", "config/session.php"),
    ] {
        let env = SKELETON_ENV.replace(&format!("{key}=database"), &format!("{key}=redis"));
        let d = laravel(&[
            ("config/database.php", DATABASE_PHP),
            (".env.example", &env),
        ]);
        assert_services(&d, &[REDIS], &[]);
        let ev = evidence(&d, REDIS);
        assert!(ev.contains(&format!(".env.example: {key}=redis")), "{ev:?}");
        // the skeleton's redis block and REDIS_* corroborate
        assert!(
            ev.contains(&".env.example: REDIS_HOST=127.0.0.1".to_string()),
            "{ev:?}"
        );
        assert!(
            ev.contains(&"config/database.php: 'redis' connections (client phpredis)".to_string()),
            "{ev:?}"
        );
        // a config file's fallback counts when the template says nothing
        let key_in_config = if file.ends_with("session.php") {
            "driver"
        } else {
            "default"
        };
        let config = format!("<?php\nreturn ['{key_in_config}' => env('{key}', 'redis')];\n");
        let env = SKELETON_ENV.replace(&format!("{key}=database\n"), "");
        let d = laravel(&[(file, &config), (".env.example", &env)]);
        assert_services(&d, &[REDIS], &[]);
        // …and is an alternative when the template picks another store
        let d = laravel(&[(file, &config), (".env.example", SKELETON_ENV)]);
        assert_services(&d, &[], &[REDIS]);
    }
    // older names, commented lines and other values
    let d = laravel(&[(
        ".env.example",
        "REDIS_PASSWORD=hunter2\nREDIS_URL=redis://:hunter2@cache\nCACHE_DRIVER=redis\n",
    )]);
    assert_services(&d, &[REDIS], &[]);
    // no secret is shown as evidence
    assert_eq!(
        evidence(&d, REDIS),
        [
            ".env.example: CACHE_DRIVER=redis",
            ".env.example: REDIS_PASSWORD is set"
        ]
    );
    let d = laravel(&[(
        ".env.example",
        "# QUEUE_CONNECTION=redis\nCACHE_STORE=redis-ish\n",
    )]);
    assert_services(&d, &[], &[]);
}

#[test]
fn env_templates_in_order_and_database_urls() {
    // .env.example wins over a committed .env
    let d = laravel(&[
        (".env.example", "DB_CONNECTION=sqlite\n"),
        (".env", "DB_CONNECTION=pgsql\n"),
    ]);
    assert_services(&d, &[], &[]);
    // Symfony's committed .env with a database URL
    let d = run(&[
        (
            "composer.json",
            &composer(r#""symfony/framework-bundle": "^7""#, ""),
        ),
        (
            ".env",
            "# DATABASE_URL=\"mysql://app:pw@127.0.0.1:3306/app\"\n\
             DATABASE_URL=\"postgresql://app:!ChangeMe!@127.0.0.1:5432/app?serverVersion=16\"\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(evidence(&d, PG), [".env: DATABASE_URL=postgresql://…"]);
    // an env file with no composer.json next to it is not a PHP app's
    assert_services(&run(&[(".env.example", "DB_CONNECTION=pgsql\n")]), &[], &[]);
}

#[test]
fn a_laravel_app_below_the_root() {
    let d = run(&[
        (
            "backend/composer.json",
            &composer(r#""laravel/framework": "^11""#, ""),
        ),
        (
            "backend/.env.example",
            "DB_CONNECTION=pgsql\nQUEUE_CONNECTION=redis\n",
        ),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, PG),
        ["backend/.env.example: DB_CONNECTION=pgsql"]
    );
}
