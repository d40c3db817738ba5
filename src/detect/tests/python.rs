use super::*;

#[test]
fn requirements_names_extras_comments() {
    let d = run(&[(
        "requirements.txt",
        "# psycopg2 is installed by the image\n--index-url https://pypi.example/simple\n\
         Django==5.0  # with redis cache\npsycopg[binary,pool]==3.2 ; python_version >= \"3.9\"\n\
         django-pglocks==1.0\ncelery[sqs]==5\n",
    )]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["requirements.txt: requirement \"psycopg[binary,pool]==3.2\""]
    );
    for (line, s) in [
        ("Psycopg2_Binary>=2.9", PG),
        ("psycopg2-binary", PG),
        ("PSYCOPG-binary", PG),
        ("asyncpg~=0.29", PG),
        ("django_redis", REDIS),
        ("Django-RQ", REDIS),
        ("rq", REDIS),
        ("redis[hiredis]>=5", REDIS),
        ("celery[redis,sqs]==5.3", REDIS),
        ("celery [ Redis ]", REDIS),
    ] {
        assert_services(&run(&[("requirements.txt", line)]), &[s], &[]);
    }
    for line in [
        "celery==5",
        "redis-py-cluster-fork",
        "pgvector",
        "pytest-postgresql",
        "hiredis",
    ] {
        assert_services(&run(&[("requirements.txt", line)]), &[], &[]);
    }
}

#[test]
fn requirements_includes_follow_r_and_survive_cycles() {
    let d = run(&[
        ("requirements-dev.txt", "-r requirements/base.txt\npytest\n"),
        (
            "requirements/base.txt",
            "--requirement=../lib/x/y/z/core.txt\n-c constraints.txt\n",
        ),
        (
            "lib/x/y/z/core.txt",
            "-r ../../../../requirements-dev.txt\nredis==5\n-e .\n",
        ),
        ("constraints.txt", "psycopg==3.2\n"),
    ]);
    assert_services(&d, &[REDIS], &[]);
    assert_eq!(
        evidence(&d, REDIS),
        vec!["lib/x/y/z/core.txt: requirement \"redis==5\""]
    );
    // a file including itself
    assert_services(
        &run(&[("requirements.txt", "-r requirements.txt\nrq\n")]),
        &[REDIS],
        &[],
    );
    // an include that is not there warns
    let d = run(&[("requirements.txt", "-r missing.txt\nrq\n")]);
    assert_eq!(d.warnings.len(), 1);
    assert_eq!(d.warnings[0].file, "missing.txt");
    assert!(d.warnings[0].message.contains("requirements.txt"));
}

#[test]
fn requirements_markers_and_production_files() {
    assert_services(
        &run(&[("requirements.txt", "psycopg2 ; sys_platform == 'win32'\n")]),
        &[],
        &[PG],
    );
    assert_services(
        &run(&[("requirements.txt", "psycopg2 ; sys_platform != 'win32'\n")]),
        &[PG],
        &[],
    );
    let d = run(&[
        ("requirements/production.txt", "-r base.txt\npsycopg[c]\n"),
        ("requirements/base.txt", "django\nredis\n"),
    ]);
    assert_services(&d, &[REDIS], &[PG]);
}

#[test]
fn pyproject_pep621_and_dynamic() {
    let d = run(&[(
        "pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = [\n  \"asyncpg>=0.29\",\n  # \"redis\",\n]\n\
         [project.optional-dependencies]\ncache = [\"redis>=5\"]\n",
    )]);
    assert_services(&d, &[PG], &[REDIS]);
    let d = run(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\ndynamic = [\"dependencies\"]\n\
             [tool.setuptools.dynamic]\ndependencies = {file = [\"deps/x/y/runtime.in\"]}\n",
        ),
        ("deps/x/y/runtime.in", "psycopg\n"),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn poetry_uv_and_pdm_groups() {
    let d = run(&[(
        "pyproject.toml",
        "[tool.poetry.dependencies]\npython = \"^3.11\"\npsycopg2-binary = \"^2.9\"\n\
         celery = { version = \"^5\", extras = [\"redis\"] }\n",
    )]);
    assert_services(&d, &[PG, REDIS], &[]);
    let d = run(&[(
        "pyproject.toml",
        "[tool.poetry.dependencies]\npython = \"^3.11\"\nasyncpg = { version = \"*\", optional = true }\n\
         [tool.poetry.group.test.dependencies]\nredis = \"*\"\n\
         [tool.poetry.group.docs]\noptional = true\n[tool.poetry.group.docs.dependencies]\npsycopg = \"*\"\n",
    )]);
    assert_services(&d, &[REDIS], &[PG]);
    let d = run(&[(
        "pyproject.toml",
        "[project]\nname = \"x\"\ndependencies = []\n\
         [dependency-groups]\ndev = [\"pytest\", {include-group = \"db\"}]\ndb = [\"psycopg[binary]\"]\n\
         [tool.uv]\ndev-dependencies = [\"rq\"]\n",
    )]);
    assert_services(&d, &[PG, REDIS], &[]);
    let d = run(&[(
        "pyproject.toml",
        "[tool.pdm.dev-dependencies]\ntest = [\"django-redis\"]\n",
    )]);
    assert_services(&d, &[REDIS], &[]);
}

#[test]
fn pipfile_sections() {
    let d = run(&[(
        "Pipfile",
        "[packages]\ndjango = \"*\"\n\"psycopg2-binary\" = \"*\"\n\n[dev-packages]\ncelery = {extras = [\"redis\"], version = \"*\"}\n",
    )]);
    assert_services(&d, &[PG, REDIS], &[]);
}

#[test]
fn several_sql_drivers_make_postgres_a_choice() {
    // healthchecks: psycopg and mysqlclient, SQLite by default
    let d = run(&[
        ("requirements.txt", "Django\npsycopg==3.3\n"),
        ("requirements-dev.txt", "mysqlclient==2.2\n"),
        (
            "docker/docker-compose.yml",
            "services:\n  db:\n    image: postgres:16\n",
        ),
    ]);
    assert_services(&d, &[], &[PG]);
    // a dev compose file that runs postgres settles it
    let d = run(&[
        ("requirements.txt", "psycopg\nPyMySQL\n"),
        (
            "docker-compose.yml",
            "services:\n  db:\n    image: postgres:16\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
    // MySQL only behind a marker is no choice
    let d = run(&[(
        "requirements.txt",
        "psycopg\nmysqlclient ; sys_platform == 'win32'\n",
    )]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn fakes_are_optional_at_most() {
    assert_services(
        &run(&[("requirements-test.txt", "fakeredis\n")]),
        &[],
        &[REDIS],
    );
    assert_services(
        &run(&[
            ("requirements.txt", "redis\n"),
            ("requirements-test.txt", "fakeredis\n"),
        ]),
        &[REDIS],
        &[],
    );
}

#[test]
fn broken_toml_warns() {
    let d = run(&[
        ("pyproject.toml", "[project\ndependencies = ["),
        ("requirements.txt", "redis\n"),
    ]);
    assert_services(&d, &[REDIS], &[]);
    assert_eq!(d.warnings[0].file, "pyproject.toml");
}

const POETRY_LOCK: &str = r#"
[[package]]
name = "Django-RQ"
version = "2.10.1"

[package.dependencies]
django = ">=3.2"
rq = ">=1.14"

[[package]]
name = "rq"
version = "1.16.1"

[package.dependencies]
click = ">=5"
redis = ">=4"

[[package]]
name = "redis"
version = "5.0.1"

[[package]]
name = "dj-database-url"
version = "2.1.0"

[package.dependencies]
psycopg = {version = ">=3", optional = true}

[[package]]
name = "sqlalchemy-utils"
version = "0.41"

[package.dependencies]
asyncpg = "*"

[[package]]
name = "asyncpg"
version = "0.29.0"
"#;

const UV_LOCK: &str = r#"
version = 1
requires-python = ">=3.12"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "arq" }]

[[package]]
name = "arq"
version = "0.26.0"
dependencies = [{ name = "click" }, { name = "redis", extra = ["hiredis"] }]

[package.optional-dependencies]
watch = [{ name = "watchfiles" }]

[[package]]
name = "redis"
version = "5.0.1"

[[package]]
name = "pytest-postgresql"
version = "6.0.0"
dependencies = [{ name = "psycopg" }]

[[package]]
name = "psycopg"
version = "3.1.18"
"#;

#[test]
fn poetry_lock_graph_from_the_declared_packages() {
    let pyproject = "[tool.poetry.dependencies]\npython = \"^3.12\"\ndjango-rq = \"^2\"\n\
                     dj-database-url = \"^2\"\n\n[tool.poetry.group.lint.dependencies]\nsqlalchemy-utils = \"*\"\n";
    let d = run(&[("pyproject.toml", pyproject), ("poetry.lock", POETRY_LOCK)]);
    // django-rq is a Redis client itself; psycopg only behind an extra; the lint group is tooling
    assert_services(&d, &[REDIS], &[PG]);
    assert_eq!(
        evidence(&d, PG),
        vec!["poetry.lock: sqlalchemy-utils → asyncpg (poetry group [lint])"]
    );
    // nothing declared leads into the lock: nothing from it
    let d = run(&[
        (
            "pyproject.toml",
            "[tool.poetry.dependencies]\nflask = \"*\"\n",
        ),
        ("poetry.lock", POETRY_LOCK),
    ]);
    assert_services(&d, &[], &[]);
}

#[test]
fn uv_lock_graph_from_the_declared_packages() {
    let pyproject = "[project]\nname = \"app\"\ndependencies = [\"arq>=0.26\"]\n\n\
                     [dependency-groups]\ntest = [\"pytest-postgresql\"]\n";
    let d = run(&[("pyproject.toml", pyproject), ("uv.lock", UV_LOCK)]);
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(evidence(&d, REDIS), vec!["uv.lock: arq → redis"]);
    assert_eq!(
        evidence(&d, PG),
        vec!["uv.lock: pytest-postgresql → psycopg"]
    );
    // a requirements file below the lock's directory counts too; a broken lock warns
    let d = run(&[("requirements.txt", "arq\n"), ("uv.lock", "[[package]\n")]);
    assert_services(&d, &[], &[]);
    assert_eq!(d.warnings[0].file, "uv.lock");
}

#[test]
fn pipfile_lock_sections() {
    let lock = r#"{"_meta": {}, "default": {"arq": {"version": "==0.26"}, "redis": {"version": "==5.0.1"},
                   "psycopg2-binary": {"markers": "sys_platform == 'win32'"}},
                   "develop": {"pytest": {}, "asyncpg": {}}}"#;
    let d = run(&[
        (
            "Pipfile",
            "[packages]\narq = \"*\"\n\n[dev-packages]\npytest = \"*\"\n",
        ),
        ("Pipfile.lock", lock),
    ]);
    assert_services(&d, &[REDIS], &[PG]);
    assert_eq!(
        evidence(&d, REDIS),
        vec!["Pipfile.lock: redis locked in \"default\""]
    );
    assert_eq!(
        evidence(&d, PG),
        vec![
            "Pipfile.lock: psycopg2-binary locked in \"default\" (only when sys_platform == 'win32')",
            "Pipfile.lock: asyncpg locked in \"develop\""
        ]
    );
    // a Pipfile that declares nothing, or none at all: the lock alone adds nothing
    assert_services(&run(&[("Pipfile", ""), ("Pipfile.lock", lock)]), &[], &[]);
    assert_services(&run(&[("Pipfile.lock", lock)]), &[], &[]);
    let d = run(&[
        ("Pipfile", "[packages]\nflask = \"*\"\n"),
        ("Pipfile.lock", "{"),
    ]);
    assert_eq!(d.warnings[0].file, "Pipfile.lock");
}
