// Temporary: the API the detection module will have; replaced by the real module shortly.
use serde::{Deserialize, Serialize};
pub mod tree {
    pub trait Tree {
        fn list(&self, dir: &str) -> Vec<Entry>;
        fn read(&self, path: &str) -> Option<Vec<u8>>;
    }
    pub struct Entry {
        pub name: String,
        pub is_dir: bool,
    }
    pub struct GitTree<'r> {
        _t: git2::Tree<'r>,
    }
    impl<'r> GitTree<'r> {
        pub fn head(repo: &'r git2::Repository) -> Result<Self, git2::Error> {
            Ok(GitTree {
                _t: repo.head()?.peel_to_tree()?,
            })
        }
    }
    impl Tree for GitTree<'_> {
        fn list(&self, _dir: &str) -> Vec<Entry> {
            Vec::new()
        }
        fn read(&self, _path: &str) -> Option<Vec<u8>> {
            None
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Postgres,
    Redis,
}
impl std::str::FromStr for Service {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "postgres" => Ok(Service::Postgres),
            "redis" => Ok(Service::Redis),
            _ => Err(()),
        }
    }
}
impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Service::Postgres => "postgres",
            Service::Redis => "redis",
        })
    }
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub file: String,
    pub reason: String,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceEvidence {
    pub name: Service,
    pub evidence: Vec<Evidence>,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub file: String,
    pub message: String,
}
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Detection {
    pub services: Vec<ServiceEvidence>,
    pub optional: Vec<ServiceEvidence>,
    pub postgis: bool,
    pub ruby_version: Option<String>,
    pub warnings: Vec<Warning>,
}
pub fn detect(_tree: &dyn tree::Tree) -> Detection {
    Detection::default()
}
