//! The line `plan` prints on stderr before reading an org whose read is costly: how many
//! requests, how long at the org's rate, and why (issue #13).
//!
//! A read is worth announcing when its per-user requests (utilization: Genesys has no bulk
//! read of it) are many and most of its cost, or when the rate limit alone makes it last a
//! minute or more; a small read stays quiet, so a plan's stderr holds what matters. The hint
//! to skip utilization comes with significant per-user reads only.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use roster_manifest::OrgSpec;
use roster_service::{MissingCredentials, ReadCost};

/// Per-user reads are significant from this many on, when they are also at least half of
/// the requests.
const SIGNIFICANT_PER_USER: u64 = 50;

/// Prints on stderr, before any request, the line of each org of `orgs` whose read is worth
/// announcing; an org `missing` leaves out (no credentials) is not read, so not announced.
pub fn announce(orgs: &[&OrgSpec], missing: MissingCredentials, dir: &Path) {
    for spec in orgs {
        if missing == MissingCredentials::Skip
            && roster_service::missing_credentials(spec).is_some()
        {
            continue;
        }
        if let Some(line) = line(&roster_service::read_cost(spec), dir) {
            eprintln!("{line}");
        }
    }
}

/// The line announcing `cost`, or `None` for a read that is quick and makes no per-user
/// request. `dir` and the org make the hint a command to copy.
pub fn line(cost: &ReadCost, dir: &Path) -> Option<String> {
    let per_user = cost.estimate.per_user.unwrap_or(0);
    let duration = cost.duration();
    let total = cost.estimate.requests();
    let significant = per_user >= SIGNIFICANT_PER_USER && per_user * 2 >= total;
    if !significant && duration < Duration::from_mins(1) {
        return None;
    }
    let mut line = format!(
        "{}: reading will take {} {} requests ({} at {})",
        cost.org,
        if per_user > 0 { "about" } else { "at least" },
        thousands(total),
        time(duration),
        rate(cost),
    );
    if per_user > 0 {
        let _ = write!(
            line,
            ": {} are per-user utilization reads because profiles declare `utilization` (Genesys has no bulk read of it)",
            thousands(per_user)
        );
        if significant {
            let _ = write!(
                line,
                "; `roster plan{} --skip utilization` leaves it unmanaged for this run, `read: {{ skip: [utilization] }}` in `roster.yaml` for every run",
                crate::hints::selection(dir, [cost.org.as_str()]),
            );
        }
    }
    Some(line)
}

/// The rate, total and per token when there are several.
fn rate(cost: &ReadCost) -> String {
    let per_token = cost.rate_limit.requests_per_minute;
    match cost.rate_limit.tokens {
        0 | 1 => format!("{per_token}/min"),
        tokens => format!(
            "{}/min: {per_token} on each of {tokens} tokens",
            thousands(u64::from(per_token) * u64::from(tokens))
        ),
    }
}

/// `under a minute`, `~34 min`, `~2 h 5 min`.
fn time(duration: Duration) -> String {
    let minutes = duration.as_secs().div_ceil(60);
    match minutes {
        0 => "under a minute".to_owned(),
        1..60 => format!("~{minutes} min"),
        _ => format!("~{} h {} min", minutes / 60, minutes % 60),
    }
}

/// `20129` → `20,129`.
fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use roster_genesys::ReadEstimate;
    use roster_manifest::RateLimit;
    use roster_service::ReadCost;

    use super::{line, thousands};

    fn cost(base: u64, per_user: u64, requests_per_minute: u32, tokens: u32) -> ReadCost {
        ReadCost {
            org: "prod".to_owned(),
            estimate: ReadEstimate {
                base,
                per_user: Some(per_user),
            },
            rate_limit: RateLimit {
                requests_per_minute,
                tokens,
            },
            utilization_skipped: false,
        }
    }

    #[test]
    fn a_large_utilization_read_says_its_cost_why_and_how_to_skip_it() {
        insta::assert_snapshot!(
            line(&cost(129, 20_000, 300, 2), Path::new("repo")).unwrap(),
            @"prod: reading will take about 20,129 requests (~33 min at 600/min: 300 on each of 2 tokens): 20,000 are per-user utilization reads because profiles declare `utilization` (Genesys has no bulk read of it); `roster plan repo --org prod --skip utilization` leaves it unmanaged for this run, `read: { skip: [utilization] }` in `roster.yaml` for every run"
        );
    }

    #[test]
    fn a_few_per_user_reads_among_many_lists_get_no_hint() {
        insta::assert_snapshot!(
            line(&cost(400, 3, 300, 1), Path::new(".")).unwrap(),
            @"prod: reading will take about 403 requests (~1 min at 300/min): 3 are per-user utilization reads because profiles declare `utilization` (Genesys has no bulk read of it)"
        );
    }

    #[test]
    fn a_long_read_without_per_user_reads_is_a_floor() {
        insta::assert_snapshot!(
            line(&cost(700, 0, 300, 1), Path::new(".")).unwrap(),
            @"prod: reading will take at least 700 requests (~2 min at 300/min)"
        );
    }

    #[test]
    fn a_quick_read_with_few_per_user_reads_is_not_announced() {
        assert_eq!(line(&cost(40, 0, 300, 1), Path::new(".")), None);
        assert_eq!(line(&cost(19, 4, 6000, 1), Path::new(".")), None);
        // Many, but not most of the cost.
        assert_eq!(line(&cost(200, 60, 300, 1), Path::new(".")), None);
    }

    #[test]
    fn a_quick_read_of_mostly_per_user_reads_is_announced_with_the_hint() {
        insta::assert_snapshot!(
            line(&cost(26, 54, 300, 1), Path::new(".")).unwrap(),
            @"prod: reading will take about 80 requests (under a minute at 300/min): 54 are per-user utilization reads because profiles declare `utilization` (Genesys has no bulk read of it); `roster plan --org prod --skip utilization` leaves it unmanaged for this run, `read: { skip: [utilization] }` in `roster.yaml` for every run"
        );
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(20_129), "20,129");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
