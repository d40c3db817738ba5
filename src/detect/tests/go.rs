use super::*;

#[test]
fn block_and_single_line_requires() {
    let d = run(&[(
        "go.mod",
        "module example.com/app\n\ngo 1.22\n\nrequire github.com/redis/go-redis/v9 v9.5.1\n\n\
         require (\n\tgithub.com/jackc/pgx/v5 v5.5.0\n\t// github.com/lib/pq v1.10.0\n\tgolang.org/x/net v0.20.0 // indirect\n)\n",
    )]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["go.mod: require github.com/jackc/pgx/v5 v5.5.0"]
    );
    for m in [
        "github.com/lib/pq",
        "github.com/jackc/pgx",
        "github.com/jackc/pgx/v4",
        "github.com/go-redis/redis/v8",
        "github.com/go-redis/redis",
        "github.com/gomodule/redigo",
    ] {
        let gomod = format!("module x\nrequire {m} v1.0.0\n");
        assert_eq!(run(&[("go.mod", gomod.as_str())]).services.len(), 1, "{m}");
    }
}

#[test]
fn indirect_only_is_optional_and_look_alikes_do_not_count() {
    let d = run(&[(
        "go.mod",
        "module x\nrequire (\n\tgithub.com/jackc/pgx/v5 v5.5.0 // indirect\n\tgithub.com/jackc/pgx-zerolog v0.1.0\n\
         \tgithub.com/jackc/pgpassfile v1.0.0\n\tgithub.com/go-redis/redis_rate/v10 v10.0.0\n)\n\
         replace github.com/lib/pq => ../pq\nexclude github.com/gomodule/redigo v1.0.0\n",
    )]);
    assert_services(&d, &[], &[PG]);
    assert_eq!(
        evidence(&d, PG),
        vec!["go.mod: require github.com/jackc/pgx/v5 v5.5.0 // indirect"]
    );
}

#[test]
fn every_module_counts_including_go_work_members() {
    let d = run(&[
        (
            "go.work",
            "go 1.22\n\nuse (\n\t.\n\t./platform/svc/a/b/worker\n)\n",
        ),
        ("go.mod", "module root\n"),
        (
            "platform/svc/a/b/worker/go.mod",
            "module w\nrequire github.com/redis/go-redis/v9 v9.0.0\n",
        ),
        (
            "tools/db/go.mod",
            "module t\nrequire github.com/lib/pq v1.10.0\n",
        ),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
}

#[test]
fn mysql_driver_makes_pg_a_choice() {
    let d = run(&[(
        "go.mod",
        "module x\nrequire (\n\tgithub.com/lib/pq v1.10.0\n\tgithub.com/go-sql-driver/mysql v1.8.0\n)\n",
    )]);
    assert_services(&d, &[], &[PG]);
}

#[test]
fn a_go_mod_the_go_command_would_refuse_is_warned_about() {
    let d = run(&[(
        "go.mod",
        "module x\nrequire (\n\tgithub.com/lib/pq v1.10.0\n",
    )]);
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(d.warnings[0].message.contains("never closed"));
    // what could be read still counts
    assert_services(&d, &[PG], &[]);

    let d = run(&[("go.mod", "<<<<<<< HEAD\nnot go at all\n")]);
    assert_eq!(d.warnings[0].file, "go.mod");
    assert!(d.warnings[0].message.contains("no `module` directive"));

    let d = run(&[("go.mod", "module x\n\ngo 1.22\n")]);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn indirect_clients_with_go_sum_and_a_pruned_graph_are_needed() {
    let go_mod = "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/hibiken/asynq v0.24.1\n\
                  \tgithub.com/redis/go-redis/v9 v9.0.3 // indirect\n)\n";
    let d = run(&[
        ("go.mod", go_mod),
        ("go.sum", "github.com/hibiken/asynq v0.24.1 h1:x=\n"),
    ]);
    assert_services(&d, &[REDIS], &[]);
    assert_eq!(
        evidence(&d, REDIS),
        vec![
            "go.mod: require github.com/redis/go-redis/v9 v9.0.3 // indirect (imported through a dependency)"
        ]
    );
    // without go.sum, before go 1.17, or with tools declared: the line may not be imported
    assert_services(&run(&[("go.mod", go_mod)]), &[], &[REDIS]);
    let old = go_mod.replace("go 1.22", "go 1.16");
    assert_services(&run(&[("go.mod", &old), ("go.sum", "")]), &[], &[REDIS]);
    let tools = format!("{go_mod}\ntool github.com/pressly/goose/v3/cmd/goose\n");
    assert_services(&run(&[("go.mod", &tools), ("go.sum", "")]), &[], &[REDIS]);
    // in a module below the root, its own go.sum counts
    let d = run(&[("svc/go.mod", go_mod), ("svc/go.sum", ""), ("go.sum", "")]);
    assert_services(&d, &[REDIS], &[]);
    let d = run(&[("svc/go.mod", go_mod), ("go.sum", "")]);
    assert_services(&d, &[], &[REDIS]);
}
