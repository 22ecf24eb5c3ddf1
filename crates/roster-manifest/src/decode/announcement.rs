//! Decodes `announcements:` in a resource file (issue #16): every value is checked here, at
//! its line (a date, a window, a duration, a tier); names are checked against the org's
//! manifests by the compiler, channels and templates by the loader.

use jiff::civil::Date;
use roster_notify::{Tier, Window};

use super::{Decoder, list};
use crate::diagnostic::Diagnostic;
use crate::manifest::{AcknowledgeSpec, AnnouncementSpec, At, AudienceSpec, DeliverSpec};
use crate::serve::parse_every;
use crate::yaml::{Node, Value};

pub(super) const ANNOUNCEMENT_KEYS: &[&str] =
    &["name", "audience", "template", "deliver", "acknowledge"];
pub(super) const AUDIENCE_KEYS: &[&str] = &[
    "queues",
    "teams",
    "divisions",
    "roles",
    "routingProfiles",
    "users",
    "tiers",
];
pub(super) const DELIVER_KEYS: &[&str] = &["after", "window", "channels"];
pub(super) const ACKNOWLEDGE_KEYS: &[&str] = &["within", "escalate"];

/// The longest `acknowledge.within`: a year (longer is a typo, and would overflow the
/// outbox's deadline arithmetic).
const MAX_ACKNOWLEDGE_WITHIN: std::time::Duration = std::time::Duration::from_hours(365 * 24);

/// Every tier, in the order manifests list them.
const TIERS: [Tier; 3] = [Tier::Agents, Tier::Supervisors, Tier::Admins];

fn tier_from_name(name: &str) -> Option<Tier> {
    TIERS.into_iter().find(|tier| tier.as_str() == name)
}

impl Decoder<'_> {
    /// One `announcements:` entry.
    pub(super) fn announcement(&mut self, node: &Node) -> Option<AnnouncementSpec> {
        let fields = self.fields(node, "announcement", ANNOUNCEMENT_KEYS)?;
        let name = self.required_name(
            &fields,
            "announcement",
            "name",
            "Billing moves to the new IVR",
        );
        let audience = self.required(
            &fields,
            "announcement",
            "audience",
            "{ queues: [Billing], tiers: [agents, supervisors] }",
            Self::audience,
        );
        let template = self.required(
            &fields,
            "announcement",
            "template",
            "notices/billing-ivr.md",
            |d, n| d.text(n, "template"),
        );
        let deliver = self.required(
            &fields,
            "announcement",
            "deliver",
            "{ channels: [email] }",
            Self::deliver,
        );
        let acknowledge = fields.get("acknowledge").and_then(|n| self.acknowledge(n));
        Some(AnnouncementSpec {
            name: name?,
            audience: audience?,
            template: template?,
            deliver: deliver?,
            acknowledge,
        })
    }

    fn audience(&mut self, node: &Node) -> Option<AudienceSpec> {
        let fields = self.fields(node, "audience", AUDIENCE_KEYS)?;
        let names = |decoder: &mut Self, key: &str| {
            fields
                .get(key)
                .and_then(|n| decoder.name_list(n, key))
                .unwrap_or_default()
        };
        let audience = AudienceSpec {
            queues: names(self, "queues"),
            teams: names(self, "teams"),
            divisions: names(self, "divisions"),
            roles: names(self, "roles"),
            routing_profiles: names(self, "routingProfiles"),
            users: fields
                .get("users")
                .and_then(|n| self.list(n, "users"))
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| self.email(item, "users"))
                        .collect()
                })
                .unwrap_or_default(),
            tiers: fields
                .get("tiers")
                .and_then(|n| self.list(n, "tiers"))
                .map(|items| {
                    let names = TIERS.map(Tier::as_str);
                    items
                        .iter()
                        .filter_map(|item| self.word(item, "tiers", &names, tier_from_name))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let selects = [
            &audience.queues,
            &audience.teams,
            &audience.divisions,
            &audience.roles,
            &audience.routing_profiles,
        ]
        .iter()
        .any(|list| !list.is_empty())
            || !audience.users.is_empty();
        // Only the admins tier needs no selector: it is `notify.admins`, whoever is affected.
        let written = AUDIENCE_KEYS[..6]
            .iter()
            .any(|key| fields.get(key).is_some());
        if !selects && !written && !audience.tiers.contains(&Tier::Admins) {
            self.push(
                Diagnostic::error("empty-audience", "the audience selects no one")
                    .at(self.location(node.pos), "no queues, teams, divisions, roles, routing profiles or users")
                    .hint("name who hears it, e.g. `audience: { queues: [Billing] }`, or `tiers: [admins]` for the admins alone"),
            );
            return None;
        }
        Some(audience)
    }

    fn deliver(&mut self, node: &Node) -> Option<DeliverSpec> {
        let fields = self.fields(node, "deliver", DELIVER_KEYS)?;
        let after = fields.get("after").and_then(|n| self.date(n, "after"));
        let window = fields.get("window").and_then(|n| self.window(n, "window"));
        let channels = self.required(&fields, "deliver", "channels", "[email]", |d, n| {
            d.channel_list(n, "channels")
        });
        Some(DeliverSpec {
            after,
            window,
            channels: channels?,
        })
    }

    /// A non-empty list of channel names (checked against `notify.channels` by the loader).
    pub(super) fn channel_list(&mut self, node: &Node, key: &str) -> Option<Vec<At<String>>> {
        let items = self.list(node, key)?;
        if items.is_empty() {
            self.push(
                Diagnostic::error(
                    "no-channels",
                    format!("`{key}` is empty: nothing would be sent"),
                )
                .at(self.location(node.pos), "no channel")
                .hint(format!(
                    "name the channels of `notify.channels` to send through, e.g. `{key}: [email]`"
                )),
            );
            return None;
        }
        let channels: Vec<At<String>> = items
            .iter()
            .filter_map(|item| self.text(item, key))
            .collect();
        (channels.len() == items.len()).then_some(channels)
    }

    fn date(&mut self, node: &Node, key: &str) -> Option<At<String>> {
        let date = self.text(node, key)?;
        if date.value.len() == 10 && date.value.parse::<Date>().is_ok() {
            return Some(date);
        }
        self.push(
            Diagnostic::error("invalid-date", format!("`{}` is not a date", date.value))
                .at(self.location(node.pos), "expected `YYYY-MM-DD`")
                .hint(format!(
                    "write a calendar date as `YYYY-MM-DD`, e.g. `{key}: 2026-12-10`"
                )),
        );
        None
    }

    /// A delivery window; [`Window::parse`]'s message is written for users.
    pub(super) fn window(&mut self, node: &Node, key: &str) -> Option<At<String>> {
        let window = self.text(node, key)?;
        match Window::parse(&window.value) {
            Ok(_) => Some(window),
            Err(err) => {
                self.push(
                    Diagnostic::error("invalid-window", err.to_string())
                        .at(self.location(node.pos), "not a window of local hours")
                        .hint(format!("write two 24-hour times in quotes, e.g. `{key}: \"09:00-17:00\"`; the hours are each recipient's own")),
                );
                None
            }
        }
    }

    fn acknowledge(&mut self, node: &Node) -> Option<AcknowledgeSpec> {
        let fields = self.fields(node, "acknowledge", ACKNOWLEDGE_KEYS)?;
        let within = self.required(&fields, "acknowledge", "within", "72h", |d, n| {
            let within = d.text(n, "within")?;
            match parse_every(&within.value) {
                Ok(duration) if duration > MAX_ACKNOWLEDGE_WITHIN => {
                    d.push(
                        Diagnostic::error(
                            "invalid-duration",
                            format!("`{}` is longer than a year", within.value),
                        )
                        .at(d.location(n.pos), "too long to wait for an acknowledgement")
                        .hint(
                            "acknowledgements are asked within days: `72h`, `14d`; at most `365d`",
                        ),
                    );
                    None
                }
                Ok(_) => Some(within),
                Err(err) => {
                    d.push(
                        Diagnostic::error("invalid-duration", err.to_string())
                            .at(d.location(n.pos), "not a duration of a minute or more")
                            .hint("write a whole number and a unit, `m`, `h` or `d`: `72h`, `3d`"),
                    );
                    None
                }
            }
        });
        let escalate = fields.get("escalate").and_then(|n| {
            let names = ["supervisors", "admins"];
            let tier = self.word(n, "escalate", &names, |name| {
                tier_from_name(name).filter(|tier| *tier != Tier::Agents)
            });
            if tier.is_none() && matches!(&n.value, Value::Str(s) if s == "agents") {
                // `word` said it is not valid; say why.
                if let Some(last) = self.diagnostics.last_mut() {
                    last.hint = Some(format!(
                        "the agents are the ones who did not acknowledge; escalate to {}",
                        list(&names)
                    ));
                }
            }
            tier
        });
        Some(AcknowledgeSpec {
            within: within?,
            escalate,
        })
    }
}
