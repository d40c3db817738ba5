//! What a job will use, decided from the repository, detection and the user's choices. Pure, so
//! `detect` can show exactly what `remote` would submit.

use serde::Serialize;

use crate::detect::{Detection, Evidence, Service, ServiceEvidence};
use crate::job::DEFAULT_IMAGE;

/// Which services to run: what detection found, none, or a list the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceChoice {
    Auto,
    None,
    List(Vec<Service>),
}

/// `--services` and the `services` config key: `auto`, `none`, or `postgres,redis`.
pub fn parse_services(text: &str) -> Result<ServiceChoice, String> {
    match text.trim() {
        "auto" => return Ok(ServiceChoice::Auto),
        "none" | "" => return Ok(ServiceChoice::None),
        _ => {}
    }
    let mut list = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let service: Service = name.parse().map_err(|_| {
            format!("unknown service '{name}': choose from postgres, redis (or auto, none)")
        })?;
        if !list.contains(&service) {
            list.push(service);
        }
    }
    list.sort();
    Ok(ServiceChoice::List(list))
}

/// The services that will run, with the reason for each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Services {
    pub services: Vec<ServiceEvidence>,
    pub optional: Vec<ServiceEvidence>,
    #[serde(skip)]
    pub postgis: bool,
}

impl Services {
    pub fn has(&self, s: Service) -> bool {
        self.services.iter().any(|e| e.name == s)
    }
}

pub fn services(detection: &Detection, choice: &ServiceChoice) -> Services {
    match choice {
        ServiceChoice::Auto => Services {
            services: detection.services.clone(),
            optional: detection.optional.clone(),
            postgis: detection.postgis,
        },
        ServiceChoice::None => Services {
            services: Vec::new(),
            optional: Vec::new(),
            postgis: false,
        },
        ServiceChoice::List(list) => Services {
            services: list
                .iter()
                .map(|s| ServiceEvidence {
                    name: *s,
                    evidence: vec![Evidence {
                        file: "--services".into(),
                        reason: "requested".into(),
                    }],
                })
                .collect(),
            optional: Vec::new(),
            // The PostGIS image is a drop-in for postgres, so keep it when the project uses PostGIS.
            postgis: detection.postgis && list.contains(&Service::Postgres),
        },
    }
}

/// The agent image: an explicit choice (resolved by `settings`) wins; otherwise the default image,
/// tagged for the project's Ruby version (`ruby-3.3`) when it has one, since the default image
/// ships per-Ruby variants.
pub fn image(explicit: Option<&str>, ruby_version: Option<&str>) -> String {
    if let Some(explicit) = explicit.map(str::trim).filter(|s| !s.is_empty()) {
        return explicit.to_string();
    }
    match ruby_version {
        Some(v) => {
            let repo = DEFAULT_IMAGE
                .rsplit_once(':')
                .map_or(DEFAULT_IMAGE, |(r, _)| r);
            format!("{repo}:ruby-{v}")
        }
        None => DEFAULT_IMAGE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruby_version_tags_only_the_default_image() {
        assert_eq!(
            image(None, Some("3.3")),
            "landovsky/claude-sandbox:ruby-3.3"
        );
        assert_eq!(image(None, None), "landovsky/claude-sandbox:latest");
        assert_eq!(image(Some("me/img:1"), Some("3.3")), "me/img:1");
        assert_eq!(image(Some("  "), None), "landovsky/claude-sandbox:latest");
    }

    #[test]
    fn explicit_services_replace_detection() {
        let detected = Detection {
            services: vec![ServiceEvidence {
                name: Service::Redis,
                evidence: vec![],
            }],
            postgis: true,
            ..Default::default()
        };
        let s = services(&detected, &ServiceChoice::List(vec![Service::Postgres]));
        assert!(s.has(Service::Postgres) && !s.has(Service::Redis) && s.postgis);
        assert!(
            services(&detected, &ServiceChoice::None)
                .services
                .is_empty()
        );
        assert!(services(&detected, &ServiceChoice::Auto).has(Service::Redis));
    }
}
