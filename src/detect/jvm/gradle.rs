//! Gradle build scripts (Groovy `build.gradle` and Kotlin `build.gradle.kts`) and their
//! settings: a small tokenizer that knows the two languages' comments and strings, and a
//! reader of the few statement shapes that declare dependencies and subprojects. It never
//! runs or evaluates the script, so a dependency built from variables is not seen.

/// One token of a build script. Whitespace and comments are gone; a string is its text
/// between the quotes, with `${…}` left as written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
}

/// Splits a Groovy or Kotlin script into tokens. Anything it does not understand becomes
/// punctuation, so hostile input only ever yields more tokens, never an error.
fn tokens(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let triple = chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
            let (text, next) = if triple {
                string_until(&chars, i + 3, &[c, c, c])
            } else {
                string_until(&chars, i + 1, &[c])
            };
            out.push(Token::Str(text));
            i = next;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// The text of a string from `start` to its closing quote(s), and where to go on. A
/// backslash escapes the next character; a single-quoted string ends at its line.
fn string_until(chars: &[char], start: usize, close: &[char]) -> (String, usize) {
    let mut text = String::new();
    let mut i = start;
    while i < chars.len() {
        if chars[i..].starts_with(close) {
            return (text, i + close.len());
        }
        if close.len() == 1 && chars[i] == '\n' {
            return (text, i + 1);
        }
        if chars[i] == '\\' && i + 1 < chars.len() {
            text.push(chars[i + 1]);
            i += 2;
            continue;
        }
        text.push(chars[i]);
        i += 1;
    }
    (text, i)
}

/// What a dependency declaration names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Coordinate {
    /// `"group:artifact:version"` or `group: 'g', name: 'a'`.
    Module { group: String, artifact: String },
    /// `libs.spring.boot.starter.data.redis`: an alias in the version catalog, its
    /// segments joined with dots.
    Alias(String),
    /// `libs.bundles.db`: a bundle of aliases.
    Bundle(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declaration {
    /// The configuration as written: `implementation`, `testRuntimeOnly`, …
    pub configuration: String,
    pub coordinate: Coordinate,
}

/// How a configuration's dependencies reach the default build and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Compiled and run with the application.
    Main,
    /// Compiled and run with the tests.
    Test,
    /// Not on a runtime classpath the tests use: `compileOnly`, `developmentOnly`, another
    /// source set's.
    Aside,
}

/// The use of a configuration, or None for one that holds no libraries of the project
/// (`classpath`, `annotationProcessor`, `kapt`, …) or is no configuration at all.
pub(crate) fn configuration_use(name: &str) -> Option<Use> {
    match name {
        "implementation" | "api" | "runtimeOnly" | "compile" | "runtime" => Some(Use::Main),
        "compileOnly" | "compileOnlyApi" | "developmentOnly" | "testCompileOnly" => {
            Some(Use::Aside)
        }
        _ => {
            let source_set = ["Implementation", "RuntimeOnly", "Api", "Compile", "Runtime"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))?;
            if source_set.is_empty() || !source_set.starts_with(|c: char| c.is_ascii_lowercase()) {
                None
            } else if source_set.to_ascii_lowercase().contains("test") {
                Some(Use::Test)
            } else {
                Some(Use::Aside)
            }
        }
    }
}

/// The dependency declarations of a build script.
pub(crate) fn declarations(src: &str) -> Vec<Declaration> {
    let toks = tokens(src);
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Token::Ident(name) = t else { continue };
        // `configurations.implementation { … }` is no declaration
        if i > 0 && toks[i - 1] == Token::Punct('.') {
            continue;
        }
        if configuration_use(name).is_none() {
            continue;
        }
        let mut j = i + 1;
        if toks.get(j) == Some(&Token::Punct('(')) {
            j += 1;
        }
        for coordinate in arguments(&toks, j) {
            out.push(Declaration {
                configuration: name.clone(),
                coordinate,
            });
        }
    }
    out
}

/// The coordinates in the arguments starting at `j`: a list of strings, named
/// `group`/`name` arguments, or a catalog accessor.
fn arguments(toks: &[Token], mut j: usize) -> Vec<Coordinate> {
    let mut out = Vec::new();
    match toks.get(j) {
        Some(Token::Str(_)) => {
            while let Some(Token::Str(s)) = toks.get(j) {
                if let Some(c) = module(s) {
                    out.push(c);
                }
                if toks.get(j + 1) != Some(&Token::Punct(',')) {
                    break;
                }
                j += 2;
            }
        }
        Some(Token::Ident(first)) if first == "group" => {
            let (mut group, mut artifact) = (None, None);
            while let (
                Some(Token::Ident(key)),
                Some(Token::Punct(':' | '=')),
                Some(Token::Str(v)),
            ) = (toks.get(j), toks.get(j + 1), toks.get(j + 2))
            {
                match key.as_str() {
                    "group" => group = Some(v.trim().to_string()),
                    "name" => artifact = Some(v.trim().to_string()),
                    _ => {}
                }
                if toks.get(j + 3) != Some(&Token::Punct(',')) {
                    break;
                }
                j += 4;
            }
            if let (Some(group), Some(artifact)) = (group, artifact) {
                out.push(Coordinate::Module { group, artifact });
            }
        }
        Some(Token::Ident(first)) if first == "libs" => {
            let mut segments: Vec<&str> = Vec::new();
            while let (Some(Token::Punct('.')), Some(Token::Ident(seg))) =
                (toks.get(j + 1), toks.get(j + 2))
            {
                // Kotlin's `libs.x.get()` is the alias itself
                if seg == "get" && toks.get(j + 3) == Some(&Token::Punct('(')) {
                    break;
                }
                segments.push(seg);
                j += 2;
            }
            match segments.split_first() {
                Some((&"bundles", rest)) if !rest.is_empty() => {
                    out.push(Coordinate::Bundle(rest.join(".")));
                }
                Some((&"plugins" | &"versions", _)) | None => {}
                Some(_) => out.push(Coordinate::Alias(segments.join("."))),
            }
        }
        _ => {}
    }
    out
}

/// `group:artifact[:version[:classifier]][@ext]`.
fn module(s: &str) -> Option<Coordinate> {
    let mut parts = s.trim().split(':');
    let group = parts.next()?.trim();
    let artifact = parts.next()?.trim();
    let artifact = artifact.split('@').next().unwrap_or(artifact);
    if group.is_empty() || artifact.is_empty() || group.contains(char::is_whitespace) {
        return None;
    }
    Some(Coordinate::Module {
        group: group.to_string(),
        artifact: artifact.to_string(),
    })
}

/// The subproject directories a settings script includes, relative to it:
/// `include 'api', ':libs:core'` → `api`, `libs/core`; a `project(':x').projectDir =
/// file('y')` moves `x` to `y`.
pub(crate) fn includes(src: &str) -> Vec<String> {
    let toks = tokens(src);
    let mut out: Vec<String> = Vec::new();
    let mut moved: Vec<(String, String)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if i > 0 && toks[i - 1] == Token::Punct('.') {
            continue;
        }
        match t {
            Token::Ident(name) if name == "include" => {
                let mut j = i + 1;
                if toks.get(j) == Some(&Token::Punct('(')) {
                    j += 1;
                }
                while let Some(Token::Str(s)) = toks.get(j) {
                    let dir = project_dir(s);
                    if !dir.is_empty() && !out.contains(&dir) {
                        out.push(dir);
                    }
                    if toks.get(j + 1) != Some(&Token::Punct(',')) {
                        break;
                    }
                    j += 2;
                }
            }
            Token::Ident(name) if name == "project" => {
                let want = [
                    Token::Punct('('),
                    Token::Punct(')'),
                    Token::Punct('.'),
                    Token::Ident("projectDir".to_string()),
                    Token::Punct('='),
                    Token::Ident("file".to_string()),
                    Token::Punct('('),
                ];
                let (Some(Token::Str(path)), Some(Token::Str(dir))) =
                    (toks.get(i + 2), toks.get(i + 9))
                else {
                    continue;
                };
                let shape = [i + 1, i + 3, i + 4, i + 5, i + 6, i + 7, i + 8];
                if shape
                    .iter()
                    .zip(&want)
                    .all(|(k, w)| toks.get(*k) == Some(w))
                {
                    moved.push((project_dir(path), dir.trim().to_string()));
                }
            }
            _ => {}
        }
    }
    for dir in &mut out {
        if let Some((_, to)) = moved.iter().find(|(from, _)| from == dir) {
            dir.clone_from(to);
        }
    }
    out
}

/// A Gradle project path as a directory: `:libs:core` → `libs/core`.
fn project_dir(path: &str) -> String {
    path.trim()
        .split(':')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(group: &str, artifact: &str) -> Coordinate {
        Coordinate::Module {
            group: group.to_string(),
            artifact: artifact.to_string(),
        }
    }

    fn decl(src: &str) -> Vec<(String, Coordinate)> {
        declarations(src)
            .into_iter()
            .map(|d| (d.configuration, d.coordinate))
            .collect()
    }

    #[test]
    fn groovy_forms_comments_and_strings() {
        let src = r#"
configurations { implementation { exclude group: 'redis.clients', module: 'jedis' } }
dependencies {
    implementation 'org.postgresql:postgresql:42.7.3'
    // implementation 'redis.clients:jedis:5.1.0'
    /* runtimeOnly "io.lettuce:lettuce-core" */
    testImplementation group: 'org.testcontainers', name: 'postgresql', version: '1.19.0'
    compileOnly "org.projectlombok:lombok:${lombokVersion}", 'a:b'
    def s = "implementation 'redis.clients:jedis'"
    annotationProcessor 'org.projectlombok:lombok'
    implementation platform('org.springframework.boot:spring-boot-dependencies:3.2.0')
    implementation project(':core')
}
"#;
        assert_eq!(
            decl(src),
            [
                ("implementation".into(), m("org.postgresql", "postgresql")),
                (
                    "testImplementation".into(),
                    m("org.testcontainers", "postgresql")
                ),
                ("compileOnly".into(), m("org.projectlombok", "lombok")),
                ("compileOnly".into(), m("a", "b")),
            ]
        );
    }

    #[test]
    fn kotlin_forms_and_catalog_accessors() {
        let src = r#"
dependencies {
    implementation("org.springframework.boot:spring-boot-starter-data-redis")
    runtimeOnly(libs.postgresql)
    implementation(libs.spring.boot.starter.data.redis.get())
    testImplementation(libs.bundles.testcontainers)
    implementation(group = "io.lettuce", name = "lettuce-core")
    implementation(kotlin("stdlib"))
    alias(libs.plugins.spring.boot)
    """implementation("redis.clients:jedis")"""
}
"#;
        assert_eq!(
            decl(src),
            [
                (
                    "implementation".into(),
                    m("org.springframework.boot", "spring-boot-starter-data-redis")
                ),
                ("runtimeOnly".into(), Coordinate::Alias("postgresql".into())),
                (
                    "implementation".into(),
                    Coordinate::Alias("spring.boot.starter.data.redis".into())
                ),
                (
                    "testImplementation".into(),
                    Coordinate::Bundle("testcontainers".into())
                ),
                ("implementation".into(), m("io.lettuce", "lettuce-core")),
            ]
        );
    }

    #[test]
    fn configuration_uses() {
        assert_eq!(configuration_use("testRuntimeOnly"), Some(Use::Test));
        assert_eq!(
            configuration_use("integrationTestImplementation"),
            Some(Use::Test)
        );
        assert_eq!(configuration_use("developmentOnly"), Some(Use::Aside));
        assert_eq!(configuration_use("jmhImplementation"), Some(Use::Aside));
        assert_eq!(configuration_use("api"), Some(Use::Main));
        assert_eq!(configuration_use("Implementation"), None);
        assert_eq!(configuration_use("classpath"), None);
        assert_eq!(configuration_use("kapt"), None);
    }

    #[test]
    fn settings_includes() {
        let groovy = "rootProject.name = 'x'\ninclude 'api', ':libs:core'\n// include 'old'\ninclude(\"web\")\nproject(':web').projectDir = file('apps/web')\n";
        assert_eq!(includes(groovy), ["api", "libs/core", "apps/web"]);
        let kts = "include(\":app\", \":worker\")\nincludeBuild(\"build-logic\")\n";
        assert_eq!(includes(kts), ["app", "worker"]);
    }

    #[test]
    fn unterminated_input_ends() {
        assert!(declarations("implementation '").is_empty());
        assert!(declarations("/* implementation 'a:b'").is_empty());
        assert_eq!(includes("include \"\"\"a"), ["a"]);
    }
}
