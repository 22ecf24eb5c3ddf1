//! Reading an org for any command: one snapshot, with a progress line on a terminal and the
//! org's name on failure.

use roster_model::{LiveOrg, ReadNeeds, Tenant};

use crate::connect::Connected;
use crate::failure::Failure;
use crate::ui::Ui;

/// Reads `org` as `needs` asks, with a spinner that says which part of the read is running
/// and how far it got (on a terminal only).
pub async fn read_live(
    connected: &Connected,
    org: &str,
    needs: &ReadNeeds,
    ui: Ui,
) -> Result<LiveOrg, Failure> {
    let spinner = ui.spinner(format!("reading {org}"));
    let progress = spinner.clone();
    let name = org.to_owned();
    connected
        .tenant
        .set_progress(std::sync::Arc::new(move |event| {
            progress.set_message(format!(
                "reading {name}: {} {}/{}",
                event.stage, event.done, event.total
            ));
        }));
    let live = connected
        .tenant
        .snapshot(needs)
        .await
        .map_err(|err| Failure::error(format!("org `{org}`: cannot read the org: {err}")))?;
    spinner.finish_and_clear();
    Ok(live)
}
