//! Progress off a terminal (a CI log, a pipe): a line on stderr at most every
//! [`EVERY`] per org, with how far, how fast and how long is left, so a long read or apply
//! never looks hung.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use roster_service::Progress;

/// How often an org's line is repeated at most.
pub const EVERY: Duration = Duration::from_secs(10);

/// Where each org's current stage started and when its last line was printed.
#[derive(Default)]
pub struct Lines {
    by_org: Mutex<HashMap<String, Tracked>>,
}

struct Tracked {
    what: String,
    started: Instant,
    printed: Instant,
}

impl Lines {
    /// Takes one event; prints a line when the org's last one is [`EVERY`] old.
    pub fn show(&self, progress: &Progress) {
        if let Some(line) = self.line(progress, Instant::now()) {
            eprintln!("{line}");
        }
    }

    /// The line to print for `progress` at `now`, if one is due.
    fn line(&self, progress: &Progress, now: Instant) -> Option<String> {
        let (org, what, done, total) = match progress {
            Progress::Reading {
                org,
                stage,
                done,
                total,
            } => (org, format!("reading {stage}"), *done, *total),
            Progress::Applying {
                org,
                finished,
                total,
            } => (
                org,
                "applying steps".to_owned(),
                *finished as u64,
                *total as u64,
            ),
            Progress::ReadDone { org } | Progress::ApplyDone { org } => {
                self.by_org.lock().remove(org);
                return None;
            }
        };
        let mut by_org = self.by_org.lock();
        let tracked = by_org.entry(org.clone()).or_insert_with(|| Tracked {
            what: what.clone(),
            started: now,
            printed: now,
        });
        if tracked.what != what {
            *tracked = Tracked {
                what: what.clone(),
                started: now,
                printed: now,
            };
        }
        if now.duration_since(tracked.printed) < EVERY {
            return None;
        }
        tracked.printed = now;
        let elapsed = now.duration_since(tracked.started).as_secs_f64();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        let left = if rate > 0.0 && total > done {
            format!(", about {} left", duration((total - done) as f64 / rate))
        } else {
            String::new()
        };
        Some(format!("{org}: {what} {done}/{total} ({rate:.0}/s{left})"))
    }
}

/// `45s`, `3m 20s`, `1h 05m`.
fn duration(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applying(finished: usize) -> Progress {
        Progress::Applying {
            org: "prod".to_owned(),
            finished,
            total: 1000,
        }
    }

    #[test]
    fn a_line_every_ten_seconds_with_rate_and_time_left() {
        let lines = Lines::default();
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        assert_eq!(
            lines.line(&applying(0), at(0)),
            None,
            "the first event starts the clock"
        );
        assert_eq!(lines.line(&applying(50), at(5)), None, "too soon");
        assert_eq!(
            lines.line(&applying(100), at(10)).as_deref(),
            Some("prod: applying steps 100/1000 (10/s, about 1m 30s left)")
        );
        assert_eq!(lines.line(&applying(150), at(15)), None);
        assert_eq!(
            lines.line(&applying(400), at(20)).as_deref(),
            Some("prod: applying steps 400/1000 (20/s, about 30s left)")
        );
        lines.line(
            &Progress::ApplyDone {
                org: "prod".to_owned(),
            },
            at(21),
        );
        assert_eq!(
            lines.line(&applying(0), at(40)),
            None,
            "a new run starts over"
        );
    }
}
