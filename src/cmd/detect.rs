use anyhow::Result;
use serde::Serialize;

use super::{Ctx, project};
use crate::cli::{DetectArgs, TextOrJson};
use crate::detect::ServiceEvidence;
use crate::failure::Outcome;
use crate::output::Tone;
use crate::settings::Flags;

/// The stable JSON shape of `detect -o json` (scripts depend on it).
#[derive(Serialize)]
struct Report<'a> {
    repo_url: &'a str,
    branch: Option<&'a str>,
    commit: Option<&'a str>,
    services: &'a [ServiceEvidence],
    optional: &'a [ServiceEvidence],
    image: &'a str,
}

pub fn run(ctx: &Ctx, args: DetectArgs) -> Result<Outcome> {
    let settings = ctx.settings(&Flags {
        image: args.source.image.clone(),
        services: args.source.services.clone(),
        ..ctx.flags()
    })?;
    let src = project::resolve(ctx, &args.source, &settings)?;
    project::warn_about_sync(ctx, &src.repo);
    let report = Report {
        repo_url: &src.repo.url,
        branch: src.repo.branch.as_deref(),
        commit: src.repo.commit.as_deref(),
        services: &src.services.services,
        optional: &src.services.optional,
        image: &src.image,
    };
    match args.output {
        TextOrJson::Json => ctx.printer.out(&serde_json::to_string_pretty(&report)?)?,
        TextOrJson::Text => ctx.printer.out(&text(ctx, &report))?,
    }
    Ok(Outcome::Success)
}

fn text(ctx: &Ctx, r: &Report) -> String {
    let p = &ctx.printer;
    let mut out = String::new();
    out.push_str(&format!("repository  {}\n", r.repo_url));
    out.push_str(&format!(
        "branch      {}\n",
        r.branch.unwrap_or("(detached HEAD: pass --branch)")
    ));
    out.push_str(&format!(
        "commit      {}\n",
        r.commit.map_or("(unknown)", |c| &c[..c.len().min(12)])
    ));
    out.push_str(&format!("image       {}\n", r.image));
    if r.services.is_empty() {
        out.push_str("services    none found: the job runs without sidecars\n");
    }
    section(&mut out, "services", r.services, |s| {
        p.paint_out(s, Tone::Good)
    });
    section(&mut out, "optional", r.optional, |s| {
        p.paint_out(s, Tone::Dim)
    });
    if !r.optional.is_empty() {
        out.push_str(
            "            (optional services start no sidecar; add them with --services)\n",
        );
    }
    out
}

fn section(
    out: &mut String,
    title: &str,
    list: &[ServiceEvidence],
    paint: impl Fn(&str) -> String,
) {
    for (i, s) in list.iter().enumerate() {
        let head = if i == 0 { title } else { "" };
        out.push_str(&format!("{head:<12}{}\n", paint(&s.name.to_string())));
        for e in &s.evidence {
            out.push_str(&format!("              {}: {}\n", e.file, e.reason));
        }
    }
}
