//! Planner benchmark (plain `main`, no harness): builds desired and live orgs of 50,000
//! users, 300 skills and 200 queues in memory, then times `plan` for a no-change org and for
//! one where ~2,000 users changed, plus the renderers. Run with
//! `cargo bench -p roster-plan --bench plan`. The target is under 2 s of CPU per plan in
//! release.

use std::hint::black_box;
use std::time::{Duration, Instant};

use roster_plan::{
    PlanOptions, PlanSet, plan, render_json, render_markdown, render_text, stale_objects,
};

#[path = "../tests/plan/bench_like.rs"]
mod bench_like;

const USERS: usize = 50_000;
const RUNS: usize = 3;

/// CPU time of this thread (Linux `schedstat`, nanoseconds), so a busy machine does not
/// inflate the numbers; wall time where it is not available.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Best-of-`runs` timings of `f`.
struct Timing {
    /// CPU time of this thread; coarse (scheduler ticks), so meaningful above ~10 ms.
    cpu: Option<Duration>,
    wall: Duration,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cpu {
            Some(cpu) => write!(f, "{cpu:.2?} CPU, {:.2?} wall", self.wall),
            None => write!(f, "{:.2?} wall", self.wall),
        }
    }
}

/// The best CPU and wall times of `runs` runs, and the last result.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Timing, T) {
    let mut best = Timing {
        cpu: None,
        wall: Duration::MAX,
    };
    let mut last = None;
    for _ in 0..runs {
        let (cpu, wall) = (cpu_time(), Instant::now());
        let value = black_box(f());
        best.wall = best.wall.min(wall.elapsed());
        if let (Some(before), Some(after)) = (cpu, cpu_time()) {
            let spent = after.saturating_sub(before);
            best.cpu = Some(best.cpu.map_or(spent, |b| b.min(spent)));
        }
        last = Some(value);
    }
    (best, last.expect("at least one run"))
}

fn main() {
    let options = PlanOptions::default();

    let start = Instant::now();
    let (desired, live) = bench_like::large(USERS, 0);
    println!(
        "built {USERS} users, {} skills, {} queues in {:.2?}",
        bench_like::SKILLS,
        bench_like::QUEUES,
        start.elapsed()
    );
    let (time, unchanged) = best_of(RUNS, || plan(&desired, &live, &options).expect("resolves"));
    assert!(unchanged.is_empty(), "the generated org is in sync");
    println!(
        "no-change plan: {time} (best of {RUNS}), {} steps",
        unchanged.steps.len()
    );

    let (desired, live) = bench_like::large(USERS, 2_000);
    let (time, changed) = best_of(RUNS, || plan(&desired, &live, &options).expect("resolves"));
    println!(
        "plan with {} changes: {time} (best of {RUNS}), {} steps, {} writes",
        changed.changes.len(),
        changed.steps.len(),
        changed.cost.writes
    );

    let (time, stale) = best_of(RUNS, || stale_objects(&changed, &live));
    assert!(stale.is_empty());
    println!(
        "stale check of {} fingerprints: {time}",
        changed.fingerprints.len()
    );

    let set = PlanSet::new(vec![changed]);
    let (time, text) = best_of(RUNS, || render_text(&set, false));
    println!("render text: {time} ({} bytes)", text.len());
    let (time, markdown) = best_of(RUNS, || render_markdown(&set));
    println!("render markdown: {time} ({} bytes)", markdown.len());
    let (time, json) = best_of(RUNS, || render_json(&set));
    println!("render json: {time} ({} bytes)", json.len());
}
