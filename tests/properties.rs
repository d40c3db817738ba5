//! Property tests: the guarantees that must hold for *any* input, not just the examples in the
//! unit tests. Task text and branch names reach YAML unchanged, labels and job names are always
//! valid Kubernetes syntax, credentials never survive URL normalisation, and the small parsers
//! never panic.

mod support;

use std::sync::LazyLock;
use std::time::Duration;

use claude_sandbox::job::{self, JobPlan};
use claude_sandbox::{repo, units};
use k8s_openapi::api::batch::v1::Job;
use proptest::prelude::*;

static TEMPLATE: LazyLock<Job> = LazyLock::new(job::embedded_template);

fn plan(task: &str, branch: &str) -> JobPlan {
    JobPlan {
        namespace: Some("agents".into()),
        task: task.into(),
        branch: branch.into(),
        postgres: true,
        redis: true,
        ..support::sample_plan()
    }
}

fn task_env(job: &Job) -> Option<&str> {
    let pod = job.spec.as_ref()?.template.spec.as_ref()?;
    let claude = pod
        .containers
        .iter()
        .find(|c| c.name == job::AGENT_CONTAINER)?;
    claude
        .env
        .as_ref()?
        .iter()
        .find(|e| e.name == "TASK")?
        .value
        .as_deref()
}

fn annotation<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

fn label<'a>(job: &'a Job, key: &str) -> Option<&'a str> {
    job.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// Renders `plan`, writes it as YAML and as JSON, and reads both back.
fn round_trip(plan: &JobPlan) -> Result<(Job, Job, Job), TestCaseError> {
    let rendered = job::render(&TEMPLATE, plan);
    let yaml = job::to_yaml(&rendered).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let from_yaml: Job = serde_saphyr::from_str(&yaml)
        .map_err(|e| TestCaseError::fail(format!("YAML does not parse back: {e}\n{yaml}")))?;
    let json = job::to_json(&rendered);
    let from_json: Job = serde_json::from_str(&json)
        .map_err(|e| TestCaseError::fail(format!("JSON does not parse back: {e}\n{json}")))?;
    Ok((rendered, from_yaml, from_json))
}

/// Pieces of text that mean something to a YAML parser, alone or inside a scalar.
fn yaml_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "true",
            "False",
            "NULL",
            "null",
            "~",
            "1_000",
            "0x1F",
            "0o17",
            "017",
            "1e3",
            "-1.5",
            ".inf",
            "-.Inf",
            ".NaN",
            "12:30:00",
            "2026-11-23",
            "<<",
            "---",
            "...",
            "- ",
            "? ",
            ": ",
            ":",
            " #",
            "#",
            "-",
            "?",
            "&a",
            "*a",
            "!",
            "!!str",
            "!!binary",
            "|",
            "|-",
            ">",
            ">+",
            "'",
            "''",
            "\"",
            "\\",
            "%",
            "%YAML 1.2",
            "@",
            "`",
            "{",
            "}",
            "[",
            "]",
            ",",
            "=",
            "\t",
            "\n",
            "\r\n",
            "\r",
            " ",
            "  ",
            "\u{85}",
            "\u{2028}",
            "\u{2029}",
            "\u{feff}",
            "\u{7f}",
            "\u{1b}[31m",
            "\u{0}",
            "\u{1}",
            "\u{a0}",
            "\u{3000}",
            "\u{fffe}",
            "\u{10ffff}",
            "é",
            "日本語",
            "🕴",
        ])
        .prop_map(str::to_owned),
        any::<char>().prop_map(String::from),
        "[a-z]{1,6}",
    ]
}

/// Task text as the CLI accepts it: anything but empty, whitespace-only or holding NUL.
fn task() -> impl Strategy<Value = String> {
    prop_oneof![
        // Arbitrary characters, including controls and every plane.
        prop::collection::vec(any::<char>(), 1..200).prop_map(String::from_iter),
        // YAML-significant pieces mixed with ordinary words.
        prop::collection::vec(yaml_piece(), 1..40).prop_map(|v| v.concat()),
        // One YAML-looking token, padded with blanks, so the whole scalar could be mistaken.
        ("[ \t]{0,3}", yaml_piece(), "[ \t\n]{0,3}").prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        // Multi-line text with leading indentation, blank lines and trailing newlines.
        prop::collection::vec("[ \t]{0,4}[a-z#:>|-]{0,10}[ \t]{0,2}", 1..8)
            .prop_map(|lines| lines.join("\n"))
            .prop_map(|t| format!("{t}\n\n")),
    ]
    .prop_map(|t| t.replace('\0', ""))
    .prop_filter("the CLI refuses empty and whitespace-only tasks", |t| {
        !t.trim().is_empty()
    })
}

/// Branch names: anything a string can hold, including very long and slash-heavy ones.
fn branch() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
        "[a-zA-Z0-9/._-]{1,200}",
        prop::collection::vec("[a-z0-9]{0,12}", 1..20).prop_map(|parts| parts.join("/")),
        "[/._-]{1,80}",
    ]
}

proptest! {
    // Each case renders a Job and round-trips it through two serialisers: keep the count modest.
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_task_survives_yaml_and_json_exactly(task in task()) {
        let (rendered, from_yaml, from_json) = round_trip(&plan(&task, "main"))?;
        for (format, job) in [("rendered", &rendered), ("yaml", &from_yaml), ("json", &from_json)] {
            prop_assert_eq!(task_env(job), Some(task.as_str()), "TASK env after {}", format);
            prop_assert_eq!(
                annotation(job, job::keys::TASK),
                Some(task.as_str()),
                "task annotation after {}",
                format
            );
        }
        prop_assert_eq!(&from_yaml, &rendered, "the YAML round trip changed the Job");
        prop_assert_eq!(&from_json, &rendered, "the JSON round trip changed the Job");
    }

    #[test]
    fn any_branch_survives_in_the_annotation_and_labels_stay_valid(branch in branch()) {
        let (_, from_yaml, _) = round_trip(&plan("fix it", &branch))?;
        prop_assert_eq!(annotation(&from_yaml, job::keys::BRANCH_FULL), Some(branch.as_str()));
        let value = label(&from_yaml, job::keys::BRANCH).unwrap_or_default();
        prop_assert!(job::is_label_value(value), "invalid label {:?}", value);
        prop_assert_eq!(value, job::label_value(&branch));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn label_values_are_always_valid(branch in branch()) {
        let value = job::label_value(&branch);
        prop_assert!(job::is_label_value(&value), "{:?} -> invalid label {:?}", branch, value);
    }

    #[test]
    fn long_names_sharing_a_prefix_get_different_labels(
        prefix in prop_oneof![
            "[a-zA-Z0-9/._-]{60}",
            prop::collection::vec(any::<char>(), 60).prop_map(String::from_iter),
        ],
        a in "[a-zA-Z0-9/._-]{4,40}",
        b in "[a-zA-Z0-9/._-]{4,40}",
    ) {
        prop_assume!(a != b);
        let (a, b) = (format!("{prefix}{a}"), format!("{prefix}{b}"));
        let (la, lb) = (job::label_value(&a), job::label_value(&b));
        prop_assert!(job::is_label_value(&la) && job::is_label_value(&lb));
        prop_assert_ne!(la, lb, "{:?} and {:?} share a label", a, b);
    }

    #[test]
    fn job_names_are_dns_labels(
        repo in prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9._-]{0,120}",
            prop::collection::vec(any::<char>(), 0..100).prop_map(String::from_iter),
        ],
        // 1970 to 9999: the four-digit years a job name's timestamp is written with.
        seconds in 0i64..253_402_300_799,
        suffix in "[a-z0-9]{4}",
    ) {
        let now = jiff::Timestamp::from_second(seconds).expect("in range");
        let name = job::job_name(&repo, now, &suffix);
        prop_assert!(name.len() <= 63, "{:?} is {} long", name, name.len());
        prop_assert!(job::is_dns_label(&name), "{:?} is not a DNS-1123 label", name);
        let tail = format!("-{suffix}");
        prop_assert!(name.ends_with(&tail), "{:?} does not end in {:?}", name, tail);
    }
}

/// A remote URL assembled from known parts, and what it must normalise to.
#[derive(Debug, Clone)]
struct Remote {
    url: String,
    want: String,
    secrets: Vec<String>,
}

fn remote() -> impl Strategy<Value = Remote> {
    let scheme = prop::sample::select(vec!["https", "http", "ssh", "git", "git+ssh", "scp"]);
    // The user may hold '@' and '%'; a password may hold ':' as well. Each always holds an '@' or
    // a '%', which the expected URL never does, so a leak cannot hide in a host or path.
    let user = prop_oneof![
        Just(None),
        "[a-zA-Z0-9._-]{0,8}[@%][a-zA-Z0-9._%@-]{0,8}".prop_map(Some),
    ];
    let password = prop_oneof![
        Just(None),
        "[a-zA-Z0-9._:-]{0,8}[@%][a-zA-Z0-9._%@:-]{0,12}".prop_map(Some),
    ];
    let host = prop_oneof![
        "[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?(\\.[a-zA-Z]{2,6}){0,2}",
        Just("[::1]".to_owned()),
        Just("[2001:db8::42]".to_owned()),
    ];
    let port = prop::option::of(1u16..);
    let segment = "[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,12}"
        .prop_filter("a .git segment is the suffix, not a name", |s| {
            !s.ends_with(".git")
        });
    let path = prop::collection::vec(segment, 2..4);
    let dot_git = any::<bool>();
    let trailing_slash = any::<bool>();
    (
        scheme,
        user,
        password,
        host,
        port,
        path,
        dot_git,
        trailing_slash,
    )
        .prop_filter(
            "scp-like remotes take no port and no bracketed host",
            |(scheme, _, _, host, port, ..)| {
                *scheme != "scp" || (port.is_none() && !host.starts_with('['))
            },
        )
        .prop_map(
            |(scheme, user, password, host, port, path, dot_git, trailing_slash)| {
                let userinfo = match (&user, &password) {
                    (None, None) => String::new(),
                    (Some(u), None) => format!("{u}@"),
                    (u, Some(p)) => format!("{}:{p}@", u.as_deref().unwrap_or("git")),
                };
                let path = path.join("/");
                let tail = format!(
                    "{path}{}{}",
                    if dot_git { ".git" } else { "" },
                    if trailing_slash { "/" } else { "" }
                );
                let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
                let url = if scheme == "scp" {
                    format!("{userinfo}{host}:{tail}")
                } else {
                    format!("{scheme}://{userinfo}{host}{port_text}/{tail}")
                };
                let kept_port = if scheme.starts_with("http") {
                    port_text
                } else {
                    String::new()
                };
                let out_scheme = if scheme == "http" { "http" } else { "https" };
                let want = format!(
                    "{out_scheme}://{}{kept_port}/{path}.git",
                    host.to_ascii_lowercase()
                );
                let secrets = [user, password].into_iter().flatten().collect();
                Remote { url, want, secrets }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn remote_urls_normalise_without_credentials(r in remote()) {
        let got = repo::normalize_url(&r.url)
            .map_err(|e| TestCaseError::fail(format!("{:?} refused: {e}", r.url)))?;
        let authority = got
            .split_once("://")
            .and_then(|(_, rest)| rest.split('/').next())
            .unwrap_or_default();
        prop_assert!(!authority.contains('@'), "{:?} -> {:?} keeps userinfo", r.url, got);
        for secret in &r.secrets {
            prop_assert!(!got.contains(secret.as_str()), "{:?} -> {:?} leaks {:?}", r.url, got, secret);
        }
        prop_assert_eq!(&got, &r.want, "from {:?}", r.url);
        prop_assert_eq!(repo::normalize_url(&got), Ok(got.clone()), "not idempotent");
    }

    #[test]
    fn normalize_url_never_panics_and_is_idempotent(
        raw in prop_oneof![
            any::<String>(),
            "(https?|ssh|git|git\\+ssh|file|ftp)?(://)?[a-zA-Z0-9@:%/.~\\[\\]?#_ -]{0,40}",
        ]
    ) {
        if let Ok(once) = repo::normalize_url(&raw) {
            prop_assert_eq!(repo::normalize_url(&once), Ok(once.clone()), "from {:?}", raw);
        }
    }

    #[test]
    fn unit_parsers_never_panic(raw in prop_oneof![any::<String>(), "[0-9smhdkMGTPEie.+ -]{0,24}"]) {
        let _ = units::parse_quantity(&raw);
        let _ = units::parse_resource(&raw);
        if let Ok(d) = units::parse_duration(&raw) {
            prop_assert_eq!(units::parse_duration(&units::format_duration(d)), Ok(d), "from {:?}", raw);
        }
    }

    #[test]
    fn formatted_durations_parse_back(
        parts in prop::collection::vec((0u64..5_000, prop::sample::select(vec!['s', 'm', 'h', 'd'])), 1..5),
        spaces in "[ \t]{0,2}",
    ) {
        let text: String = parts.iter().map(|(n, u)| format!("{n}{u}")).collect();
        let raw = format!("{spaces}{text}{spaces}");
        let expected: u64 = parts
            .iter()
            .map(|(n, u)| n * match u { 's' => 1, 'm' => 60, 'h' => 3600, _ => 86400 })
            .sum();
        let parsed = units::parse_duration(&raw);
        prop_assert_eq!(&parsed, &Ok(Duration::from_secs(expected)), "from {:?}", raw);
        let d = parsed.unwrap_or_default();
        let formatted = units::format_duration(d);
        prop_assert_eq!(units::parse_duration(&formatted), Ok(d), "via {:?}", formatted);
    }
}
