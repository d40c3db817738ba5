//! Parsing the small values users type: durations (`90s`, `30m`, `1h30m`), Kubernetes quantities
//! (`500m`, `2`, `4Gi`), `KEY=VALUE` pairs. Each parser returns a message clap shows as a usage error.

use std::time::Duration;

/// `90s`, `30m`, `4h`, `1h30m`, `2d`; `0` alone means zero. A bare number is refused because
/// `--timeout 30` is ambiguous (seconds? minutes?) and a wrong guess wastes a run.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err("a duration is needed, like 90s, 30m, 4h or 1h30m".into());
    }
    // A word that only starts like a duration (`soon`, `month`) must get the general message,
    // not "a number must come before 's'", which reads as if `s…` were nearly right.
    if !s.chars().all(|c| c.is_ascii_digit() || "smhd".contains(c)) {
        return Err(format!(
            "'{text}' is not a duration: use a number with s, m, h or d, like 90s, 30m, 4h or 1h30m"
        ));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => {
                return Err(format!(
                    "'{text}' is not a duration: use a number with s, m, h or d, like 90s, 30m, 4h or 1h30m"
                ));
            }
        };
        if number.is_empty() {
            return Err(format!(
                "'{text}' is not a duration: a number must come before '{c}'"
            ));
        }
        let n: u64 = number
            .parse()
            .map_err(|_| format!("'{text}' is too large a duration"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("'{text}' is too large a duration"))?;
        number.clear();
        saw_unit = true;
    }
    if !number.is_empty() || !saw_unit {
        return Err(format!(
            "'{text}' needs a unit: write {s}s, {s}m or {s}h",
            s = number
        ));
    }
    // Kubernetes stores these as int32/int64 seconds; a century is far past any sane run.
    if total > 100 * 365 * 86400 {
        return Err(format!("'{text}' is too large a duration"));
    }
    Ok(Duration::from_secs(total))
}

/// Render a duration the way users write them: `1h30m`, `45s`, `2d`.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// `1.4s`, `2m03s`: how long a step took, to a tenth of a second while that still matters.
pub fn format_elapsed(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// The short age used in tables: the largest one or two units (`3d4h`, `15m`, `42s`).
pub fn format_age(d: Duration) -> String {
    let secs = d.as_secs();
    let (big, small) = match secs {
        0..60 => return format!("{secs}s"),
        60..3600 => ((secs / 60, "m"), (secs % 60, "s")),
        3600..86400 => ((secs / 3600, "h"), (secs % 3600 / 60, "m")),
        _ => ((secs / 86400, "d"), (secs % 86400 / 3600, "h")),
    };
    if small.0 == 0 || big.0 >= 10 {
        format!("{}{}", big.0, big.1)
    } else {
        format!("{}{}{}{}", big.0, big.1, small.0, small.1)
    }
}

/// A Kubernetes resource quantity, kept as typed and also as a number for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
}

/// Accepts what the API server accepts for CPU and memory: a decimal number with an optional
/// suffix (`m`, `k`, `M`, `G`, `T`, `P`, `E`, `Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`) or exponent.
pub fn parse_quantity(text: &str) -> Result<Quantity, String> {
    let s = text.trim();
    let bad = || {
        format!(
            "'{text}' is not a Kubernetes quantity: use forms like 500m or 2 for CPU, 512Mi or 4Gi for memory"
        )
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    if number.is_empty()
        || number.starts_with('.') && number.len() == 1
        || number.matches('.').count() > 1
    {
        return Err(bad());
    }
    let base: f64 = number.parse().map_err(|_| bad())?;
    let factor: f64 = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => {
            let exp = suffix
                .strip_prefix(['e', 'E'])
                .and_then(|e| e.parse::<i32>().ok())
                .ok_or_else(bad)?;
            10f64.powi(exp)
        }
    };
    let value = base * factor;
    if value <= 0.0 || !value.is_finite() {
        return Err(format!("'{text}' must be more than zero"));
    }
    Ok(Quantity {
        text: s.to_string(),
        value,
    })
}

/// A request and limit pair written as `REQUEST` or `REQUEST:LIMIT`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSpec {
    pub request: Quantity,
    pub limit: Option<Quantity>,
}

pub fn parse_resource(text: &str) -> Result<ResourceSpec, String> {
    let (req, lim) = match text.split_once(':') {
        Some((r, l)) => (r, Some(l)),
        None => (text, None),
    };
    let request = parse_quantity(req)?;
    let limit = lim.map(parse_quantity).transpose()?;
    if let Some(l) = &limit
        && l.value < request.value
    {
        return Err(format!(
            "'{text}': the limit ({}) is below the request ({})",
            l.text, request.text
        ));
    }
    Ok(ResourceSpec { request, limit })
}

/// `KEY=VALUE` for `--env`. The key follows the rules the API server applies to env var names.
pub fn parse_env_pair(text: &str) -> Result<(String, String), String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))?;
    if !is_env_name(key) {
        return Err(format!(
            "'{key}' is not a valid environment variable name (letters, digits, '_', '-', '.'; not starting with a digit)"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

pub fn is_env_name(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '-' || c == '.')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_forms_users_type() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172800)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
    }

    #[test]
    fn durations_without_units_or_with_junk_are_refused() {
        for bad in [
            "",
            "30",
            "m",
            "1x",
            "-5m",
            "1.5h",
            "99999999999999999999s",
            "5m3",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} should be refused");
        }
        // a word is not "nearly" a duration because it starts with a unit letter
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("use a number with s, m, h or d")
        );
    }

    #[test]
    fn durations_print_back_compactly() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(14400)), "4h");
        assert_eq!(format_age(Duration::from_secs(42)), "42s");
        assert_eq!(format_age(Duration::from_secs(3 * 60 + 5)), "3m5s");
        assert_eq!(format_age(Duration::from_secs(15 * 60 + 5)), "15m");
        assert_eq!(format_age(Duration::from_secs(2 * 3600 + 600)), "2h10m");
        assert_eq!(format_age(Duration::from_secs(3 * 86400)), "3d");
    }

    #[test]
    fn quantities_accept_kubernetes_forms() {
        assert_eq!(parse_quantity("500m").unwrap().value, 0.5);
        assert_eq!(parse_quantity("2").unwrap().value, 2.0);
        assert_eq!(parse_quantity("4Gi").unwrap().value, 4.0 * 1024f64.powi(3));
        assert_eq!(parse_quantity("1e3").unwrap().value, 1000.0);
        assert_eq!(parse_quantity("1.5").unwrap().value, 1.5);
    }

    #[test]
    fn quantities_refuse_nonsense() {
        for bad in ["", "lots", "4GB", "-1", "0", "1..2", ".", "Gi", "4 Gi"] {
            assert!(parse_quantity(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn resources_take_request_and_optional_limit() {
        let r = parse_resource("1:2").unwrap();
        assert_eq!(r.request.text, "1");
        assert_eq!(r.limit.unwrap().text, "2");
        assert!(parse_resource("2:1").is_err());
        assert!(parse_resource("2Gi").unwrap().limit.is_none());
    }

    #[test]
    fn env_pairs_split_on_the_first_equals() {
        assert_eq!(parse_env_pair("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert_eq!(parse_env_pair("EMPTY="), Ok(("EMPTY".into(), "".into())));
        assert!(parse_env_pair("noequals").is_err());
        assert!(parse_env_pair("1BAD=x").is_err());
        assert!(parse_env_pair("=x").is_err());
    }
}
