//! Retrying calls that are safe to repeat (get, list, log) when the cluster has a passing
//! problem: throttling, a 5xx, a dropped connection. Never used for create.

use std::future::Future;
use std::time::Duration;

use super::errors::is_transient;

const ATTEMPTS: u32 = 5;

pub async fn idempotent<T, F, Fut>(mut call: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if attempt + 1 < ATTEMPTS && is_transient(&e) => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// 200 ms doubling to 3.2 s, each with up to half again added at random so many clients hitting
/// one throttled server do not retry in step. A 429's Retry-After is usually 1 s: the first two
/// waits add up to about that.
pub fn backoff(attempt: u32) -> Duration {
    let base = 200u64.saturating_mul(1 << attempt.min(4));
    let jitter = jitter_ms(base / 2);
    Duration::from_millis(base + jitter)
}

fn jitter_ms(max: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    if max == 0 {
        return 0;
    }
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(max);
    h.finish() % max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let waits: Vec<u128> = (0..8).map(|a| backoff(a).as_millis()).collect();
        assert!(waits[0] >= 200 && waits[0] < 300);
        assert!(waits[3] >= 1600 && waits[3] < 2400);
        assert!(waits.iter().all(|w| *w < 4800));
    }
}
