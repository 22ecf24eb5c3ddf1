//! An announcement as the manifests declare it (`announcements:` in an org's manifest files):
//! who hears it, what they read, when, and whether they must acknowledge it. The manifest
//! crate decodes and validates it; [`crate::audience`] resolves its selector against the
//! org at send time.

use std::collections::BTreeSet;
use std::path::PathBuf;

use jiff::SignedDuration;
use jiff::civil::Date;

use crate::{Tier, Window};

/// One `announcements:` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Announcement {
    /// Its name, unique within the org: part of every message's idempotency key.
    pub name: String,
    /// Who hears it.
    pub audience: Selector,
    /// The template file, resolved against the workspace root.
    pub template: PathBuf,
    /// When and through which channels.
    pub deliver: Deliver,
    /// With `acknowledge:`, how long recipients have and who is told when they do not.
    pub acknowledge: Option<Acknowledge>,
}

/// An audience: users matching any of the object lists, then widened to the tiers asked for
/// (`agents` are the matching users themselves, `supervisors` their managers, `admins` the
/// holders of `notify.admins` roles).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Members of these queues.
    pub queues: BTreeSet<String>,
    /// Members of these teams.
    pub teams: BTreeSet<String>,
    /// Users in these divisions.
    pub divisions: BTreeSet<String>,
    /// Holders of these roles.
    pub roles: BTreeSet<String>,
    /// Users on these routing profiles (manifest objects).
    pub routing_profiles: BTreeSet<String>,
    /// These users, by email.
    pub users: BTreeSet<String>,
    /// The tiers that hear it; `agents` alone when the manifest names none.
    pub tiers: BTreeSet<Tier>,
}

/// `deliver:` of an announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct Deliver {
    /// Not before this date, in each recipient's own time zone.
    pub after: Option<Date>,
    /// Only inside this daily window of the recipient's local time.
    pub window: Option<Window>,
    /// The channels (names under `notify.channels`) it goes through.
    pub channels: Vec<String>,
}

/// `acknowledge:` of an announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledge {
    /// How long after delivery a recipient has to acknowledge.
    pub within: SignedDuration,
    /// Who is told about those who did not (their `supervisors`, or the `admins`).
    pub escalate: Tier,
}
