use super::*;

fn gemfile(body: &str) -> Detection {
    run(&[("Gemfile", body)])
}

#[test]
fn plain_gems_and_drivers() {
    let d =
        gemfile("source \"https://rubygems.org\"\ngem \"pg\", \"~> 1.5\"\ngem 'redis', '~> 5'\n");
    assert_services(&d, &[PG, REDIS], &[]);
    assert_eq!(evidence(&d, PG), vec!["Gemfile: gem \"pg\""]);
    for g in ["sidekiq", "resque", "kredis", "redis-client"] {
        let d = gemfile(&format!("gem \"{g}\"\n"));
        assert_services(&d, &[REDIS], &[]);
    }
    // parenthesised call, hash-rocket options, arguments on several lines
    assert_services(
        &gemfile("gem(\"pg\", :require => false)\ngem \"redis\",\n  \"~> 5\",\n  require: false\n"),
        &[PG, REDIS],
        &[],
    );
}

#[test]
fn comments_and_look_alikes_are_not_dependencies() {
    let d = gemfile(
        "# gem \"pg\"\n  # gem 'redis'\ngem \"rails\" # talks to pg and redis\n\
         gem \"pg_search\"\ngem \"pghero\"\ngem \"redis-namespace\"\ngem \"sidekiq-cron\"\n\
         gem \"activerecord-postgres_enum\"\n",
    );
    assert_services(&d, &[], &[]);
    // a condition in a comment is no condition
    assert_services(
        &gemfile("gem \"pg\" # if ENV[\"DB\"] == \"pg\", group: :production\n"),
        &[PG],
        &[],
    );
}

#[test]
fn development_and_test_groups_count() {
    let d = gemfile(
        "group :development, :test do\n  gem \"pg\"\nend\ngroup :test do\n  gem 'redis', require: false\nend\n",
    );
    assert_services(&d, &[PG, REDIS], &[]);
    assert_services(
        &gemfile("gem 'pg', group: [:development, :test]\n"),
        &[PG],
        &[],
    );
}

#[test]
fn production_only_groups_are_optional() {
    let d = gemfile(
        "gem 'rails'\ngroup :production do\n  gem \"pg\"\n  gem 'redis'\nend\ngem \"sqlite3\"\n",
    );
    assert_services(&d, &[], &[PG, REDIS]);
    assert_eq!(
        evidence(&d, PG),
        vec!["Gemfile: gem \"pg\" (group :production)"]
    );
    assert_services(&gemfile("gem 'pg', group: :production\n"), &[], &[PG]);
    assert_services(
        &gemfile("gem 'pg', groups: [:production, :staging]\n"),
        &[],
        &[PG],
    );
    // a gem outside the production block after `end` is back to normal
    assert_services(
        &gemfile("group :production do\n  gem 'redis'\nend\ngem 'pg'\n"),
        &[PG],
        &[REDIS],
    );
}

#[test]
fn conditional_gems_are_optional() {
    assert_services(
        &gemfile("gem \"pg\" if ENV[\"DB\"] == \"postgres\"\ngem \"sqlite3\"\n"),
        &[],
        &[PG],
    );
    assert_services(
        &gemfile("gem 'redis' unless ENV['NO_REDIS']\n"),
        &[],
        &[REDIS],
    );
    let d = gemfile("if ENV['DB'] == 'pg'\n  gem 'pg'\nelse\n  gem 'mysql2'\nend\ngem 'redis'\n");
    assert_services(&d, &[REDIS], &[PG]);
    let d = gemfile(
        "case ENV['DB']\nwhen 'pg'\n  gem 'pg'\nend\n\
         install_if -> { RUBY_PLATFORM =~ /linux/ } do\n  gem 'redis'\nend\n",
    );
    assert_services(&d, &[], &[PG, REDIS]);
    assert_services(
        &gemfile("gem 'pg', install_if: -> { ENV['PG'] }\n"),
        &[],
        &[PG],
    );
    assert_services(
        &gemfile("group :lint, optional: true do\n  gem 'redis'\nend\n"),
        &[],
        &[REDIS],
    );
}

#[test]
fn platforms_other_than_mri_are_optional() {
    let d = gemfile(
        "platforms :jruby do\n  gem 'activerecord-jdbcpostgresql-adapter'\nend\n\
         platforms :ruby, :mri do\n  gem 'redis'\nend\n",
    );
    assert_services(&d, &[REDIS], &[PG]);
    assert_services(
        &gemfile("gem 'pg', platforms: %i[mri windows]\n"),
        &[PG],
        &[],
    );
    assert_services(&gemfile("gem 'pg', platforms: [:jruby]\n"), &[], &[PG]);
}

#[test]
fn other_blocks_do_not_hide_gems() {
    let d = gemfile(
        "source 'https://gems.example' do\n  gem 'redis'\nend\ngit 'https://x/y.git' do\n  gem 'pg'\nend\n\
         def helper\n  1\nend\ngem 'sidekiq'\n",
    );
    assert_services(&d, &[PG, REDIS], &[]);
}

#[test]
fn database_yml_development_and_test_via_anchor() {
    let yml = "default: &default\n  adapter: postgresql\n  pool: <%= ENV.fetch(\"RAILS_MAX_THREADS\") { 5 } %>\n\
               development:\n  <<: *default\n  database: app_dev\ntest:\n  <<: *default\n  database: app_test\n\
               production:\n  <<: *default\n  url: <%= ENV['DATABASE_URL'] %>\n";
    let d = run(&[("config/database.yml", yml)]);
    assert_services(&d, &[PG], &[]);
    assert_eq!(
        evidence(&d, PG),
        vec!["config/database.yml: adapter: postgresql (development, test)"]
    );
}

#[test]
fn database_yml_production_only_is_optional() {
    let yml = "development:\n  adapter: sqlite3\ntest:\n  adapter: sqlite3\nproduction:\n  adapter: postgresql\n";
    assert_services(&run(&[("config/database.yml", yml)]), &[], &[PG]);
}

#[test]
fn database_yml_multi_database_urls_and_erb_defaults() {
    let yml = "development:\n  primary:\n    adapter: <%= ENV.fetch('DB_ADAPTER') { 'postgresql' } %>\n  cache:\n    adapter: sqlite3\n\
               test:\n  url: postgres://localhost/app_test\n";
    let d = run(&[("config/database.yml", yml)]);
    assert_services(&d, &[PG], &[]);
    let yml = "<% if ENV['X'] %>\ndevelopment:\n  adapter: postgis\n<% else %>\ndevelopment:\n  adapter: postgis\n<% end %>\n";
    let d = run(&[("config/database.yml", yml)]);
    assert_services(&d, &[PG], &[]);
    assert!(d.postgis);
}

#[test]
fn database_yml_templates_stand_in_only_when_the_real_file_is_missing() {
    let pg = "development:\n  adapter: postgresql\n";
    let sqlite = "development:\n  adapter: sqlite3\n";
    assert_services(&run(&[("config/database.yml.example", pg)]), &[PG], &[]);
    assert_services(&run(&[("config/database.yml.sample", pg)]), &[PG], &[]);
    assert_services(
        &run(&[
            ("config/database.yml", sqlite),
            ("config/database.yml.example", pg),
        ]),
        &[],
        &[],
    );
    // an app below the root
    assert_services(&run(&[("server/config/database.yml", pg)]), &[PG], &[]);
    // not a Rails config directory
    assert_services(&run(&[("database.yml", pg)]), &[], &[]);
}

#[test]
fn cable_yml_redis_in_production_only_is_not_a_service() {
    let yml = "development:\n  adapter: async\ntest:\n  adapter: test\nproduction:\n  adapter: redis\n  url: <%= ENV.fetch(\"REDIS_URL\") { \"redis://localhost:6379/1\" } %>\n";
    let d = run(&[("config/cable.yml", yml)]);
    assert_services(&d, &[], &[]);
    // but it is shown next to real evidence
    let d = run(&[("config/cable.yml", yml), ("Gemfile", "gem 'redis'\n")]);
    assert_services(&d, &[REDIS], &[]);
    assert!(
        evidence(&d, REDIS)
            .iter()
            .any(|e| e.contains("production only"))
    );
    let dev = "development:\n  adapter: redis\n  url: redis://localhost:6379/1\n";
    assert_services(&run(&[("config/cable.yml", dev)]), &[REDIS], &[]);
}

#[test]
fn gemfile_lock_counts_alone_and_corroborates_otherwise() {
    let lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n    pg (1.5.9)\n    pg (1.5.9-x86_64-linux)\n    rails (7.1.0)\n    redis-client (0.22.0)\n\n\
                PLATFORMS\n  ruby\n\nDEPENDENCIES\n  pg (~> 1.5)\n  rails\n\nBUNDLED WITH\n   2.5.0\n";
    // no Gemfile: what it asked for counts; transitive specs alone do not
    let d = run(&[("Gemfile.lock", lock)]);
    assert_services(&d, &[PG], &[]);
    // with a Gemfile that does not lead to pg, the lock's specs prove nothing
    let d = run(&[("Gemfile", "gem 'rails'\n"), ("Gemfile.lock", lock)]);
    assert_services(&d, &[], &[]);
    let d = run(&[("Gemfile", "gem 'pg'\n"), ("Gemfile.lock", lock)]);
    assert_eq!(
        evidence(&d, PG),
        vec!["Gemfile: gem \"pg\"", "Gemfile.lock: pg (1.5.9)"]
    );
}

/// The example: the Gemfile names wrappers, the lock resolves the clients.
const WRAPPER_LOCK: &str = concat!(
    "GEM\n  remote: https://rubygems.org/\n  specs:\n",
    "    connection_pool (2.4.1)\n",
    "    good_job (4.1.0)\n      activejob (>= 6.1.0)\n      pg (>= 1.0.0)\n",
    "    pg (1.5.9)\n    pg (1.5.9-x86_64-linux)\n",
    "    rails (7.1.0)\n",
    "    redis (5.3.0)\n      redis-client (>= 0.22.0)\n",
    "    redis-client (0.22.2)\n      connection_pool\n",
    "    redis-namespace (1.11.0)\n      redis (>= 4)\n",
    "    rubocop (1.60.0)\n\n",
    "PLATFORMS\n  ruby\n\n",
    "DEPENDENCIES\n  good_job\n  rails\n  redis-namespace\n  rubocop\n\n",
    "BUNDLED WITH\n   2.5.0\n",
);

#[test]
fn gemfile_lock_graph_reaches_clients_through_wrappers() {
    let d = run(&[
        (
            "Gemfile",
            "gem 'rails'\ngem 'redis-namespace'\ngem \"good_job\"\n",
        ),
        ("Gemfile.lock", WRAPPER_LOCK),
    ]);
    assert_services(&d, &[PG, REDIS], &[]);
    // the path first, then the resolved versions that corroborate it
    assert_eq!(
        evidence(&d, REDIS),
        vec![
            "Gemfile.lock: redis-namespace → redis",
            "Gemfile.lock: redis (5.3.0)",
            "Gemfile.lock: redis-client (0.22.2)"
        ]
    );
    assert_eq!(evidence(&d, PG)[0], "Gemfile.lock: good_job → pg");
    // without a Gemfile, DEPENDENCIES are the roots
    let d = run(&[("Gemfile.lock", WRAPPER_LOCK)]);
    assert_services(&d, &[PG, REDIS], &[]);
    // the same in an app below the root
    let d = run(&[
        ("server/Gemfile", "gem 'redis-namespace'\n"),
        ("server/Gemfile.lock", WRAPPER_LOCK),
    ]);
    assert_eq!(
        evidence(&d, REDIS)[0],
        "server/Gemfile.lock: redis-namespace → redis"
    );
}

#[test]
fn gemfile_lock_never_adds_what_the_gemfile_rules_out() {
    // commented out: the lock may be stale, the Gemfile decides
    let d = run(&[
        ("Gemfile", "gem 'rails'\n# gem 'redis-namespace'\n"),
        ("Gemfile.lock", WRAPPER_LOCK),
    ]);
    assert_services(&d, &[], &[]);
    // a production group, a condition, a development-only tool: optional
    let d = run(&[
        (
            "Gemfile",
            "group :production do\n  gem 'good_job'\nend\n\
             gem 'redis-namespace' if ENV['REDIS']\n",
        ),
        ("Gemfile.lock", WRAPPER_LOCK),
    ]);
    assert_services(&d, &[], &[PG, REDIS]);
    assert_eq!(
        evidence(&d, PG)[0],
        "Gemfile.lock: good_job → pg (group :production)"
    );
    let d = run(&[
        (
            "Gemfile",
            "group :development do\n  gem 'redis-namespace'\nend\n",
        ),
        ("Gemfile.lock", WRAPPER_LOCK),
    ]);
    assert_services(&d, &[], &[REDIS]);
    // a needed path wins over an optional one
    let d = run(&[
        (
            "Gemfile",
            "gem 'good_job', group: :production\ngroup :test do\n  gem 'good_job'\nend\n",
        ),
        ("Gemfile.lock", WRAPPER_LOCK),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn gemspec_dependencies() {
    let spec = "Gem::Specification.new do |s|\n  s.name = 'x'\n  s.add_dependency \"pg\", \">= 1\"\n\
                s.add_development_dependency('redis')\nend\n";
    assert_services(&run(&[("x.gemspec", spec)]), &[PG, REDIS], &[]);
    let generated = "Gem::Specification.new do |s|\n  if s.respond_to? :specification_version then\n    s.add_runtime_dependency(%q<pg>.freeze, [\">= 0\"])\n  else\n    s.add_dependency(%q<pg>.freeze, [\">= 0\"])\n  end\n\
                     s.add_dependency 'redis' if RUBY_ENGINE == 'jruby'\nend\n";
    assert_services(&run(&[("x.gemspec", generated)]), &[PG], &[REDIS]);
}

#[test]
fn postgis_gem_and_fakes() {
    let d = gemfile("gem 'activerecord-postgis-adapter'\n");
    assert_services(&d, &[PG], &[]);
    assert!(d.postgis);
    assert!(!gemfile("gem 'pg'\n").postgis);
    assert_services(
        &gemfile("group :test do\n  gem 'fakeredis'\nend\n"),
        &[],
        &[REDIS],
    );
}

#[test]
fn mysql_alongside_pg_makes_pg_a_choice_unless_database_yml_decides() {
    let gems = "gem 'pg'\ngem 'mysql2'\n";
    assert_services(&gemfile(gems), &[], &[PG]);
    let d = run(&[
        ("Gemfile", gems),
        (
            "config/database.yml",
            "development:\n  adapter: postgresql\n",
        ),
    ]);
    assert_services(&d, &[PG], &[]);
}

#[test]
fn a_block_without_end_is_warned_about() {
    let d = run(&[("Gemfile", "gem \"pg\"\ngroup :test do\n  gem \"redis\"\n")]);
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert_eq!(d.warnings[0].file, "Gemfile");
    assert!(d.warnings[0].message.contains("never closed with `end`"));
    assert_services(&d, &[PG, REDIS], &[]);

    let d = run(&[(
        "Gemfile",
        "gem \"pg\"\ngroup :test do\n  gem \"redis\"\nend\nif ENV[\"X\"] then gem \"rake\" end\n",
    )]);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}
