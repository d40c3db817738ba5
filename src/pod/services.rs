//! Wait for the sidecars to accept connections before anything uses them.
//!
//! Native sidecars' startup probes already hold the agent back until they are ready; this wait is
//! what still helps when a cluster runs the services another way, and it turns "connection
//! refused" deep inside `db:prepare` into a line that names the service.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::env::ServiceEndpoint;
use super::log::say;
use crate::units::format_elapsed;

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(1);
const PAUSE: Duration = Duration::from_millis(250);

pub fn wait_all(services: &[ServiceEndpoint], timeout: Duration) -> Result<(), String> {
    let started = Instant::now();
    let deadline = started + timeout;
    for service in services {
        let what = format!("{} at {}:{}", service.name, service.host, service.port);
        say(&format!("waiting for {what}"));
        if !wait_one(service, deadline) {
            return Err(format!(
                "{what} ({}) did not accept connections within {}; see its log with \
                 `claude-sandbox logs JOB -c {}`",
                service.var,
                crate::units::format_duration(timeout),
                service.name
            ));
        }
        say(&format!(
            "{} is up after {}",
            service.name,
            format_elapsed(started.elapsed())
        ));
    }
    Ok(())
}

fn wait_one(service: &ServiceEndpoint, deadline: Instant) -> bool {
    loop {
        if connects(service, deadline) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        std::thread::sleep(PAUSE.min(deadline - now));
    }
}

fn connects(service: &ServiceEndpoint, deadline: Instant) -> bool {
    // Resolved each time: a sidecar's name may not resolve until it exists.
    let Ok(addrs) = (service.host.as_str(), service.port).to_socket_addrs() else {
        return false;
    };
    addrs.into_iter().any(|addr| {
        let left = deadline.saturating_duration_since(Instant::now());
        let limit = ATTEMPT_TIMEOUT.min(left).max(Duration::from_millis(50));
        TcpStream::connect_timeout(&addr, limit).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn service(port: u16) -> ServiceEndpoint {
        ServiceEndpoint {
            name: "redis",
            var: "REDIS_URL",
            host: "127.0.0.1".into(),
            port,
        }
    }

    #[test]
    fn a_listening_service_is_found_and_a_closed_one_named() {
        let open = TcpListener::bind("127.0.0.1:0").unwrap();
        let open_port = open.local_addr().unwrap().port();
        wait_all(&[service(open_port)], Duration::from_secs(5)).unwrap();

        let closed_port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let started = Instant::now();
        let err = wait_all(&[service(closed_port)], Duration::from_millis(600)).unwrap_err();
        assert!(err.contains("redis at 127.0.0.1"), "{err}");
        assert!(err.contains("REDIS_URL"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
