//! Snapshots of the three renderings of the example plan, and the saved-plan round trip.

use insta::assert_snapshot;
use roster_plan::{
    Acknowledge, Plan, PlanSet, TextOptions, render_json, render_markdown, render_text,
    render_text_with,
};

use crate::example::example;
use crate::fixtures::plan_ok;

fn example_set() -> PlanSet {
    let (desired, live) = example();
    let prod = plan_ok(&desired, &live);
    let mut eu_desired = desired.clone();
    eu_desired.name = "prod-eu".into();
    let eu_live = roster_plan::simulate(&live, &prod.steps);
    let eu = plan_ok(&eu_desired, &eu_live);
    PlanSet::new(vec![prod, eu])
}

#[test]
fn text_rendering() {
    assert_snapshot!(render_text(&example_set(), false));
}

#[test]
fn colored_text_differs_only_by_styles() {
    let set = example_set();
    let colored = render_text(&set, true);
    assert!(colored.contains('\u{1b}'));
    let stripped: String = strip_ansi(&colored);
    assert_eq!(stripped, render_text(&set, false));
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn markdown_rendering() {
    assert_snapshot!(render_markdown(&example_set()));
}

#[test]
fn json_rendering() {
    assert_snapshot!(render_json(&example_set()));
}

#[test]
fn a_saved_plan_loads_back_losslessly() {
    let set = example_set();
    let json = render_json(&set);
    let back: PlanSet = serde_json::from_str(&json).unwrap();
    assert_eq!(back, set);
    let one: Plan = serde_json::from_value(serde_json::to_value(&set.orgs[0]).unwrap()).unwrap();
    assert_eq!(one, set.orgs[0]);
    assert!(one.digest_is_valid());
}

#[test]
fn markdown_stays_under_the_comment_limit() {
    let (desired, live) = crate::bench_like::large(3_000, 600);
    let plan = plan_ok(&desired, &live);
    let markdown = render_markdown(&PlanSet::new(vec![plan.clone(), plan]));
    assert!(
        markdown.len() <= roster_plan::MARKDOWN_LIMIT,
        "{}",
        markdown.len()
    );
    assert!(markdown.contains("this comment was cut"));
    assert!(markdown.trim_end().ends_with("every change."));
}

#[test]
fn a_blocked_plan_is_acknowledged_with_the_command_that_made_it() {
    let mut live = crate::fixtures::live_org();
    let mut desired = crate::fixtures::desired_org("test");
    for who in ["ann", "bob"] {
        let address = format!("{who}@acme.example");
        crate::fixtures::live_user(&mut live, &address);
        crate::fixtures::user(&mut desired, &address).state = roster_model::UserState::Inactive;
    }
    desired.policy.limits.max_deletes = 1;
    let plan = plan_ok(&desired, &live);
    assert!(plan.blocked.is_some());
    let digest = plan.digest.clone();
    let set = PlanSet::new(vec![plan]);
    let hint = |text: String| -> String {
        let hint = text.lines().find(|l| l.starts_with("hint:")).unwrap();
        hint.replace(&digest, "<digest>")
    };
    assert_snapshot!(hint(render_text(&set, false)), @"hint: review the changes above, then acknowledge this exact plan with `roster apply --org test --allow-destructive <digest>`");
    let offboard = TextOptions {
        color: false,
        acknowledge: Acknowledge::Offboard,
    };
    assert_snapshot!(hint(render_text_with(&set, offboard)), @"hint: review the users above, then run the same `roster offboard` command again with `--allow-destructive <digest>`");
    // Markdown comes from `roster plan`, whose plans `roster apply` acknowledges.
    assert!(render_markdown(&set).contains("`roster apply --org test --allow-destructive"));
}
