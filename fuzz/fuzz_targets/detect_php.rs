//! composer.json and a PHP app's setup: Laravel's config files (a PHP array read as data) and
//! the committed env template.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::detect_layout(
        &[
            &["composer.json"],
            &["composer.json", "config/database.php"],
            &["composer.json", ".env.example", "config/database.php"],
            &["composer.json", ".env.example", "config/cache.php", "config/queue.php"],
            &["composer.json", ".env"],
            &["app/composer.json", "app/config/session.php"],
        ],
        data,
    );
});
