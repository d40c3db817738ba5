//! Ruby: Gemfile, Gemfile.lock, *.gemspec, config/database.yml, config/cable.yml.
//!
//! Gemfiles are Ruby, so they are read statement by statement with a small tokenizer
//! (`tokens`) that knows strings, symbols, `%i[]` arrays, comments and `do … end` / `if … end`
//! nesting — enough for `bundler` to tell a plain `gem "pg"` from one inside
//! `group :production`, `platforms :jruby`, `install_if` or `if ENV[…]`. The Rails YAML files
//! are read in `rails`.

mod bundler;
mod rails;
mod tokens;

use super::collect::{Basis, Eco, Scan};
use super::graph::Root;
use super::path::{file_name, parent};
use bundler::{gemfile, gemspec, lockfile};
use rails::{cable_yml, chosen_database_yml, database_yml};

/// Evidence from a gem is a driver's word: the code can talk to the service.
const SRC: Basis = Basis::Driver(Eco::Ruby);

pub(crate) fn scan(ctx: &mut Scan<'_>, files: &[String]) {
    // the gems each directory's Gemfile declares, the roots of its lockfile's graph
    let mut roots: Vec<(&str, Vec<Root>)> = Vec::new();
    for f in files {
        let name = file_name(f);
        if name == "Gemfile" || name == "gems.rb" {
            let declared = gemfile(ctx, f);
            roots.push((parent(f), declared));
        } else if name.ends_with(".gemspec") {
            gemspec(ctx, f);
        }
    }
    for f in files {
        let name = file_name(f);
        if name == "Gemfile.lock" || name == "gems.locked" {
            let declared = roots
                .iter()
                .find(|(dir, _)| *dir == parent(f))
                .map(|(_, r)| r.as_slice());
            lockfile(ctx, f, files, declared);
        }
    }
    for f in files.iter().filter(|f| file_name(parent(f)) == "config") {
        let name = file_name(f);
        if name == "cable.yml" {
            cable_yml(ctx, f);
        } else if name.starts_with("database.") && chosen_database_yml(f, files) {
            database_yml(ctx, f);
        }
    }
}
