//! package.json, workspaces (package.json `workspaces`, pnpm-workspace.yaml) and prisma schemas.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["package.json"],
            &["pnpm-workspace.yaml", "package.json"],
            &["pnpm-workspace.yaml", "package.json", "packages/api/package.json"],
            &["package.json", "apps/web/package.json"],
            &["prisma/schema.prisma"],
            &["package.json", "schema.prisma"],
        ],
        data,
    );
});
