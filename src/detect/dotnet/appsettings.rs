//! `appsettings*.json`'s `ConnectionStrings`: which ones point at PostgreSQL or Redis. The
//! files are JSON with comments and trailing commas (the .NET configuration reader allows
//! both), so they are read through the JSONC reader the dev containers use.

use serde_json::Value;

use super::super::Service;

/// The `ConnectionStrings` section: (name, value) pairs, in file order.
pub(crate) fn connection_strings(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc = super::super::jsonc::parse(text)?;
    let section = doc.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("ConnectionStrings"))
            .map(|(_, v)| v)
    });
    Ok(section
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default())
}

/// `Key=value;Key=value` pairs with lowercase keys.
fn pairs(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect()
}

/// Keys only SQL Server or MySQL connection strings use.
const OTHER_DATABASE_KEYS: &[&str] = &[
    "initial catalog",
    "data source",
    "trusted_connection",
    "integrated security",
    "trustservercertificate",
    "multipleactiveresultsets",
    "uid",
    "pwd",
];

/// Which service a connection string points at, and a short description of it that leaves
/// out any password: `Host=localhost;Database=shop`, `localhost:6379`.
pub(crate) fn classify(name: &str, value: &str) -> Option<(Service, String)> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    if let Some((scheme, rest)) = lower.split_once("://") {
        let host = rest.rsplit('@').next().unwrap_or("").split('/').next();
        let host = host.unwrap_or("");
        return match scheme {
            "postgres" | "postgresql" => Some((Service::Postgres, format!("{scheme}://{host}"))),
            "redis" | "rediss" => Some((Service::Redis, format!("{scheme}://{host}"))),
            _ => None,
        };
    }
    let first = v.split([';', ',']).next().unwrap_or("").trim();
    if first.contains('=') {
        let kv = pairs(v);
        let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        let host = get("host").or_else(|| get("server"))?;
        let database = get("database").or_else(|| get("db"));
        let port = get("port");
        let npgsql_shaped =
            get("host").is_some() || get("username").is_some() || port == Some("5432");
        let other = kv
            .iter()
            .any(|(k, _)| OTHER_DATABASE_KEYS.contains(&k.as_str()))
            || matches!(port, Some("3306" | "1433"));
        if npgsql_shaped && !other {
            let shown = match database {
                Some(d) => format!("Host={host};Database={d}"),
                None => format!("Host={host}"),
            };
            return Some((Service::Postgres, shown));
        }
        return None;
    }
    // StackExchange.Redis: `host:port,option=value,…`
    let looks_like_endpoint = !first.is_empty()
        && !first.contains(char::is_whitespace)
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    let on_redis_port = first.rsplit_once(':').is_some_and(|(_, p)| p == "6379");
    if looks_like_endpoint && (on_redis_port || name.to_ascii_lowercase().contains("redis")) {
        return Some((Service::Redis, first.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas() {
        let text = "{\n  // local\n  \"ConnectionStrings\": {\n    \"a\": \"x//y\", /* b */\n    \"b\": \"z,]\",\n  },\n}\n";
        assert_eq!(
            connection_strings(text).unwrap(),
            [
                ("a".to_string(), "x//y".to_string()),
                ("b".into(), "z,]".into())
            ]
        );
        assert!(connection_strings("{").is_err());
        assert_eq!(connection_strings("[1,]").unwrap(), []);
    }

    #[test]
    fn connection_string_shapes() {
        let pg = |n: &str, v: &str| classify(n, v).filter(|(s, _)| *s == Service::Postgres);
        let redis = |n: &str, v: &str| classify(n, v).filter(|(s, _)| *s == Service::Redis);
        assert_eq!(
            pg(
                "Default",
                "Host=localhost;Database=shop;Username=postgres;Password=secret"
            ),
            Some((
                Service::Postgres,
                "Host=localhost;Database=shop".to_string()
            ))
        );
        assert!(
            pg(
                "Db",
                "Server=127.0.0.1;Port=5432;Database=x;User Id=u;Password=p"
            )
            .is_some()
        );
        assert!(
            pg("Db", "postgres://u:secret@db:5432/app").is_some_and(|(_, s)| !s.contains("secret"))
        );
        // SQL Server and MySQL
        assert_eq!(
            classify(
                "Db",
                "Server=(localdb)\\mssqllocaldb;Database=x;Trusted_Connection=True"
            ),
            None
        );
        assert_eq!(
            classify("Db", "Server=localhost;Database=x;User Id=sa;Password=p"),
            None
        );
        assert_eq!(
            classify("Db", "Server=localhost;Port=3306;Database=x;Uid=root;Pwd=p"),
            None
        );
        assert_eq!(classify("Db", "Host=localhost;Port=3306;Database=x"), None);
        assert_eq!(classify("Db", "Data Source=app.db"), None);
        assert_eq!(
            redis("cache", "localhost:6379"),
            Some((Service::Redis, "localhost:6379".to_string()))
        );
        assert!(redis("Redis", "redis,password=secret").is_some_and(|(_, s)| s == "redis"));
        assert!(redis("Anything", "cache.internal:6379,abortConnect=false").is_some());
        assert_eq!(classify("Storage", "UseDevelopmentStorage=true"), None);
        assert_eq!(classify("Blob", "https://x.blob.core.windows.net"), None);
        assert_eq!(classify("Api", "localhost:5000"), None);
    }
}
