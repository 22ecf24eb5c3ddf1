//! roster's planner: compares what the manifests declare ([`DesiredOrg`]) with what an org
//! holds ([`LiveOrg`]) and produces a [`Plan`]: the changes people review and the
//! dependency-ordered steps `roster apply` runs. Pure: no I/O, no async, no HTTP.
//!
//! - [`plan`] diffs under the ownership rules of DESIGN §2.2 and orders steps as §2.4;
//! - [`render_text`] (or [`render_text_with`], for plans another command acknowledges),
//!   [`render_markdown`] and [`render_json`] show a [`PlanSet`], [`render_dot`] its steps'
//!   dependency graph;
//! - [`stale_objects`] tells `apply --plan` whether the org moved since the plan was made;
//! - [`verdict`] says whether a plan is blocked by `policy.limits` (from its steps, so a
//!   saved plan's verdict is derived again), and [`tally`] counts a journal's operations for
//!   the `perDay` limits;
//! - with the `testing` feature, `simulate` applies steps to a [`LiveOrg`] the way the org
//!   would, for tests of this crate and others.
//!
//! [`DesiredOrg`]: roster_model::DesiredOrg
//! [`LiveOrg`]: roster_model::LiveOrg

mod diff;
mod error;
mod fingerprint;
mod graph;
mod licences;
mod render;
mod safety;
mod schema;
#[cfg(feature = "testing")]
pub mod simulate;
mod target;
mod types;

pub use diff::plan;
pub use error::{PlanError, Problem};
pub use fingerprint::{fingerprints, stale_objects};
pub use licences::{
    LicenceImpact, RoleChange, RoleSet, UserLicences, licence_impact, role_changes,
    role_sets_before_and_after,
};
pub use render::{
    Acknowledge, MARKDOWN_LIMIT, MEMBERS_SHOWN, TextOptions, render_dot, render_json,
    render_markdown, render_text, render_text_with, shell_word,
};
pub use safety::{tally, verdict};
pub use schema::{plan_schema, plan_schema_json};
#[cfg(feature = "testing")]
pub use simulate::simulate;
pub use target::without_steps;
pub use types::{
    Action, Blocked, Change, Cost, DayMeasure, FieldChange, Fingerprint, InheritedGroup,
    InheritedQueue, InheritedRole, ObjectRef, OverDayLimit, OverLicenceLimit, OverLimit,
    OverRoutingLimit, PLAN_FORMAT, Plan, PlanOptions, PlanSet, RecentChanges, RoutingLoss,
    StaleObject, Warning,
};
