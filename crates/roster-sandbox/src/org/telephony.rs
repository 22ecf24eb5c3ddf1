//! Telephony: DID pools, extension pools, who holds which number, and stations.
//!
//! Rules (facts: Genesys resource center "DID numbers" and "Extension pools"; PY269
//! `Contact`, `DIDPool`, `DIDNumber`, `ExtensionPool`):
//! - a user's numbers are their `addresses` entries (`Contact`): one entry holds an
//!   `address` or an `extension`, never both;
//! - a work number (`mediaType: PHONE`, `type` WORK..WORK4) is E.164 and lies in a DID pool
//!   ("DID numbers must first exist as a DID range before they can be assigned"). The error
//!   the real API gives for a number outside every pool is UNCONFIRMED: the sandbox refuses
//!   (harsher). Personal numbers (HOME, MOBILE, OTHER) are not DIDs and need no pool;
//! - a pool number is held by at most one holder: a user (through their addresses) or a
//!   phone, IVR or group (seeded);
//! - an extension lies in an extension pool ("before you assign an extension number to a
//!   user, you must first add the number to an extension pool") and belongs to one user;
//! - DID numbers held by users are derived from their addresses, never stored twice: a
//!   number leaves a user's address and is free again at once;
//! - pools of one kind do not overlap (UNCONFIRMED; harsher);
//! - an extension pool's ends have 3 to 9 digits (PY269 `ExtensionPool.startNumber`: "must
//!   be between 3 and 9 digits in length and the same length as the endNumber").
//!
//! Rules of the entries themselves (PY269 `Contact`, `UpdateUser.addresses`):
//! - `mediaType` is one of [`CONTACT_MEDIA_TYPES`] and `type` one of [`CONTACT_TYPES`],
//!   spelled exactly (an absent or null field is not checked: neither is required);
//! - "The PRIMARY email address cannot be changed through this field": the user's PRIMARY
//!   email is their `email` (rendered as `primaryContactInfo`), so a `PRIMARY` entry must be
//!   exactly `{mediaType: EMAIL, type: PRIMARY, address: <email>}`. Any other `PRIMARY` entry,
//!   a new one included, is refused (harsher than "a modified value");
//! - "One entry is allowed per media type": UNCONFIRMED how literally. Read literally it
//!   allows one PHONE entry only, which contradicts the documented use of several numbers
//!   (Terraform `addresses.phone_numbers` with WORK, WORK2, MOBILE…). The sandbox refuses
//!   two entries with the same (`mediaType`, `type`), an absent field counting as a value.

use std::collections::HashMap;

use serde_json::Value;
use uuid::Uuid;

use super::{ObjectKind, OrgError, ensure_new_id_in, required_name, same_name};
use crate::store::{DidPool, ExtensionPool, HeldNumber, OrgState, Station};

/// The most digits of an E.164 number (ITU-T E.164 §6.2.1).
const E164_MAX_DIGITS: usize = 15;

/// `Contact.type` values of work numbers: the ones that are DIDs of the org.
pub const WORK_TYPES: &[&str] = &["WORK", "WORK2", "WORK3", "WORK4"];

/// `Contact.mediaType` values (PY269 `Contact`).
pub const CONTACT_MEDIA_TYPES: &[&str] = &["PHONE", "EMAIL", "SMS"];

/// `Contact.type` values (PY269 `Contact`).
pub const CONTACT_TYPES: &[&str] = &[
    "PRIMARY", "WORK", "WORK2", "WORK3", "WORK4", "HOME", "MOBILE", "MAIN", "OTHER",
];

/// The `Contact.type` of the user's primary email.
const PRIMARY_TYPE: &str = "PRIMARY";

/// The `Contact.mediaType` of the user's primary email.
const EMAIL_MEDIA_TYPE: &str = "EMAIL";

/// How many digits an extension pool's ends have (PY269 `ExtensionPool.startNumber`).
const EXTENSION_POOL_DIGITS: std::ops::RangeInclusive<usize> = 3..=9;

/// The `type` of seeded stations (`UserStation.type`).
pub const SEEDED_STATION_TYPE: &str = "inin_webrtc_softphone";

/// `DIDNumber.ownerType` values a non-user holder may have.
pub const NON_USER_OWNER_TYPES: &[&str] = &["PHONE", "IVR_CONFIG", "GROUP"];

/// Whether `number` is E.164: `+`, a country code not starting with 0, at most 15 digits.
pub fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (2..=E164_MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|byte| byte.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// A number's digits as (count, value), for range checks: ranges compare numbers of the
/// same length by value.
fn number_key(number: &str) -> Option<(usize, u64)> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(|value| (digits.len(), value))
}

/// Whether `number` lies between `start` and `end` (same length, by value).
fn in_range(number: &str, start: &str, end: &str) -> bool {
    match (number_key(number), number_key(start), number_key(end)) {
        (Some((length, value)), Some((start_length, start)), Some((_, end))) => {
            length == start_length && (start..=end).contains(&value)
        }
        _ => false,
    }
}

/// The DID pool `number` lies in.
pub fn did_pool_of<'a>(state: &'a OrgState, number: &str) -> Option<&'a DidPool> {
    state
        .telephony
        .did_pools
        .iter()
        .find(|pool| in_range(number, &pool.start_phone_number, &pool.end_phone_number))
}

/// The extension pool `extension` lies in.
pub fn extension_pool_of<'a>(state: &'a OrgState, extension: &str) -> Option<&'a ExtensionPool> {
    state
        .telephony
        .extension_pools
        .iter()
        .find(|pool| in_range(extension, &pool.start_number, &pool.end_number))
}

/// One `addresses` entry of a user, as the rules read it.
struct Entry<'a> {
    media_type: Option<&'a str>,
    kind: Option<&'a str>,
    address: Option<&'a str>,
    extension: Option<&'a str>,
}

impl<'a> Entry<'a> {
    fn of(value: &'a Value) -> Self {
        let text = |field: &str| {
            value
                .get(field)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
        };
        Self {
            media_type: text("mediaType"),
            kind: text("type"),
            address: text("address"),
            extension: text("extension"),
        }
    }

    fn is_phone(&self) -> bool {
        self.media_type == Some("PHONE")
    }

    fn is_work(&self) -> bool {
        self.is_phone() && self.kind.is_some_and(|kind| WORK_TYPES.contains(&kind))
    }
}

/// The phone numbers (`address` of PHONE entries) of a user's addresses.
pub fn phone_numbers(addresses: &[Value]) -> impl Iterator<Item = &str> {
    addresses.iter().filter_map(|value| {
        let entry = Entry::of(value);
        entry.is_phone().then_some(entry.address).flatten()
    })
}

/// The extensions of a user's addresses.
pub fn extensions(addresses: &[Value]) -> impl Iterator<Item = &str> {
    addresses
        .iter()
        .filter_map(|value| Entry::of(value).extension)
}

/// Who holds a pool number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder<'a> {
    /// A user, through a PHONE entry of their addresses.
    User {
        /// The user.
        id: Uuid,
        /// The user's name.
        name: &'a str,
    },
    /// A phone, IVR or group (seeded).
    Other(&'a HeldNumber),
}

impl Holder<'_> {
    /// How an error message names the holder.
    fn describe(&self) -> String {
        match self {
            Self::User { id, .. } => format!("user {id}"),
            Self::Other(held) => format!("{} `{}`", held.owner_type, held.owner_name),
        }
    }
}

/// Every held number of the org's pools: numbers of live users' addresses that lie in a
/// pool, and the seeded non-user holders. One pass over the users.
pub fn holders(state: &OrgState) -> HashMap<&str, Holder<'_>> {
    let mut out = HashMap::new();
    for held in &state.telephony.held_numbers {
        out.insert(held.number.as_str(), Holder::Other(held));
    }
    if state.telephony.did_pools.is_empty() {
        return out;
    }
    for user in state
        .users
        .iter()
        .filter(|user| super::SoftDeleted::is_live(*user))
    {
        for number in phone_numbers(&user.addresses) {
            if did_pool_of(state, number).is_some() {
                out.entry(number).or_insert(Holder::User {
                    id: user.id,
                    name: &user.name,
                });
            }
        }
    }
    out
}

/// Checks the entries themselves, before any number rule: allowed `mediaType` and `type`,
/// the PRIMARY entry unchanged (`email` is the user's primary email), one entry per
/// (`mediaType`, `type`). See the module's rules.
fn check_entries(email: &str, addresses: &[Value]) -> Result<(), OrgError> {
    let mut seen: Vec<(Option<&str>, Option<&str>, usize)> = Vec::with_capacity(addresses.len());
    for (index, value) in addresses.iter().enumerate() {
        for (field, allowed) in [("mediaType", CONTACT_MEDIA_TYPES), ("type", CONTACT_TYPES)] {
            match value.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::String(text)) if allowed.contains(&text.as_str()) => {}
                Some(other) => {
                    return Err(OrgError::ContactValue {
                        index,
                        field,
                        value: other.clone(),
                        allowed,
                    });
                }
            }
        }
        let entry = Entry::of(value);
        if entry.kind == Some(PRIMARY_TYPE) {
            let unchanged = entry.media_type == Some(EMAIL_MEDIA_TYPE)
                && entry.address == Some(email)
                && entry.extension.is_none();
            if !unchanged {
                return Err(OrgError::PrimaryChanged {
                    index,
                    email: email.to_owned(),
                });
            }
        }
        if let Some(&(_, _, first)) = seen
            .iter()
            .find(|(media_type, kind, _)| (*media_type, *kind) == (entry.media_type, entry.kind))
        {
            return Err(OrgError::DuplicateContact {
                index,
                first,
                media_type: entry.media_type.unwrap_or("(none)").to_owned(),
                kind: entry.kind.unwrap_or("(none)").to_owned(),
            });
        }
        seen.push((entry.media_type, entry.kind, index));
    }
    Ok(())
}

/// `addresses` after the user's email became `email`: a PRIMARY email entry follows it, as
/// `primaryContactInfo` does, so that sending back what a read answered stays valid.
pub fn follow_primary_email(addresses: &mut [Value], email: &str) {
    for value in addresses {
        let entry = Entry::of(value);
        if entry.kind == Some(PRIMARY_TYPE) && entry.media_type == Some(EMAIL_MEDIA_TYPE) {
            value["address"] = Value::String(email.to_owned());
        }
    }
}

/// Checks the `addresses` a user is given (on create or PATCH): the entries themselves,
/// then against the org's numbers; see the module's rules. `user_id` is the user being
/// written (their own numbers are not "held by another"), `email` their primary email as
/// stored before the write (on create: the email they are created with).
pub fn check_addresses(
    state: &OrgState,
    user_id: Uuid,
    email: &str,
    addresses: &[Value],
) -> Result<(), OrgError> {
    check_entries(email, addresses)?;
    let mut numbers_checked = false;
    for (index, value) in addresses.iter().enumerate() {
        let entry = Entry::of(value);
        if entry.address.is_some() && entry.extension.is_some() {
            return Err(OrgError::AddressAndExtension { index });
        }
        if let Some(number) = entry.address.filter(|_| entry.is_work()) {
            if !is_e164(number) {
                return Err(OrgError::NotE164 {
                    number: number.to_owned(),
                });
            }
            if did_pool_of(state, number).is_none() {
                return Err(OrgError::NumberOutsidePools {
                    number: number.to_owned(),
                });
            }
        }
        numbers_checked |= entry.address.is_some() && entry.is_phone();
        if let Some(extension) = entry.extension {
            if extension_pool_of(state, extension).is_none() {
                return Err(OrgError::ExtensionOutsidePools {
                    extension: extension.to_owned(),
                });
            }
            let other = state
                .users
                .iter()
                .filter(|user| user.id != user_id && super::SoftDeleted::is_live(*user))
                .find(|user| extensions(&user.addresses).any(|held| held == extension));
            if let Some(other) = other {
                return Err(OrgError::ExtensionHeld {
                    extension: extension.to_owned(),
                    user: other.id,
                });
            }
        }
    }
    if numbers_checked {
        let holders = holders(state);
        for number in phone_numbers(addresses) {
            match holders.get(number) {
                Some(Holder::User { id, .. }) if *id == user_id => {}
                Some(holder) => {
                    return Err(OrgError::NumberHeld {
                        number: number.to_owned(),
                        holder: holder.describe(),
                    });
                }
                None => {}
            }
        }
    }
    Ok(())
}

/// Checks a pool's ends: valid numbers of one length, start not after end, no overlap with
/// the other pools' ranges.
fn check_range<'a>(
    kind: ObjectKind,
    name: &str,
    start: &str,
    end: &str,
    valid: impl Fn(&str) -> bool,
    others: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), OrgError> {
    let invalid = |problem: String| OrgError::InvalidPool {
        kind,
        name: name.to_owned(),
        problem,
    };
    if !valid(start) || !valid(end) {
        return Err(invalid(format!(
            "`{start}` to `{end}` is not a range of numbers"
        )));
    }
    let (Some((start_length, first)), Some((end_length, last))) =
        (number_key(start), number_key(end))
    else {
        return Err(invalid(format!(
            "`{start}` to `{end}` is not a range of numbers"
        )));
    };
    if start_length != end_length || first > last {
        return Err(invalid(format!(
            "`{start}` to `{end}`: the ends must have the same length, the first not after the last"
        )));
    }
    for (other_start, other_end) in others {
        if in_range(start, other_start, other_end)
            || in_range(end, other_start, other_end)
            || in_range(other_start, start, end)
        {
            return Err(invalid(format!(
                "it overlaps the pool `{other_start}` to `{other_end}`"
            )));
        }
    }
    Ok(())
}

/// Creates a DID pool (seeds).
pub fn create_did_pool(state: &mut OrgState, pool: DidPool) -> Result<(), OrgError> {
    let name = required_name(&pool.name)?;
    ensure_new_id_in(
        state.telephony.did_pools.iter().map(|pool| pool.id),
        ObjectKind::DidPool,
        pool.id,
    )?;
    if state
        .telephony
        .did_pools
        .iter()
        .any(|other| same_name(&other.name, &name))
    {
        return Err(OrgError::NameTaken {
            kind: ObjectKind::DidPool,
            name,
        });
    }
    check_range(
        ObjectKind::DidPool,
        &name,
        &pool.start_phone_number,
        &pool.end_phone_number,
        is_e164,
        state.telephony.did_pools.iter().map(|other| {
            (
                other.start_phone_number.as_str(),
                other.end_phone_number.as_str(),
            )
        }),
    )?;
    state.telephony.did_pools.push(DidPool { name, ..pool });
    Ok(())
}

/// Creates an extension pool (seeds).
pub fn create_extension_pool(state: &mut OrgState, pool: ExtensionPool) -> Result<(), OrgError> {
    let name = required_name(&pool.name)?;
    ensure_new_id_in(
        state.telephony.extension_pools.iter().map(|pool| pool.id),
        ObjectKind::ExtensionPool,
        pool.id,
    )?;
    if state
        .telephony
        .extension_pools
        .iter()
        .any(|other| same_name(&other.name, &name))
    {
        return Err(OrgError::NameTaken {
            kind: ObjectKind::ExtensionPool,
            name,
        });
    }
    for end in [&pool.start_number, &pool.end_number] {
        if !EXTENSION_POOL_DIGITS.contains(&end.len()) {
            return Err(OrgError::InvalidPool {
                kind: ObjectKind::ExtensionPool,
                name,
                problem: format!(
                    "`{}` to `{}`: an extension pool's numbers must have 3 to 9 digits",
                    pool.start_number, pool.end_number
                ),
            });
        }
    }
    let is_extension = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    check_range(
        ObjectKind::ExtensionPool,
        &name,
        &pool.start_number,
        &pool.end_number,
        is_extension,
        state
            .telephony
            .extension_pools
            .iter()
            .map(|other| (other.start_number.as_str(), other.end_number.as_str())),
    )?;
    state
        .telephony
        .extension_pools
        .push(ExtensionPool { name, ..pool });
    Ok(())
}

/// Gives a pool number to a phone, IVR or group (seeds). The number must be E.164, in a
/// pool and free.
pub fn hold_number(state: &mut OrgState, held: HeldNumber) -> Result<(), OrgError> {
    if !is_e164(&held.number) {
        return Err(OrgError::NotE164 {
            number: held.number,
        });
    }
    if did_pool_of(state, &held.number).is_none() {
        return Err(OrgError::NumberOutsidePools {
            number: held.number,
        });
    }
    if !NON_USER_OWNER_TYPES.contains(&held.owner_type.as_str()) {
        return Err(OrgError::NotAllowed {
            field: "ownerType",
            value: Value::String(held.owner_type),
            allowed: NON_USER_OWNER_TYPES,
        });
    }
    if let Some(holder) = holders(state).get(held.number.as_str()) {
        return Err(OrgError::NumberHeld {
            holder: holder.describe(),
            number: held.number,
        });
    }
    state.telephony.held_numbers.push(held);
    Ok(())
}

/// Associates a station with a live user (seeds): a user has at most one associated
/// station, a station at most one user.
pub fn associate_station(state: &mut OrgState, station: Station) -> Result<(), OrgError> {
    super::users::live_user(state, station.user_id)?;
    ensure_new_id_in(
        state.telephony.stations.iter().map(|station| station.id),
        ObjectKind::Station,
        station.id,
    )?;
    if station_of(state, station.user_id).is_some() {
        return Err(OrgError::IdTaken {
            kind: ObjectKind::Station,
            id: station.user_id,
        });
    }
    state.telephony.stations.push(station);
    Ok(())
}

/// The station associated with a user.
pub fn station_of(state: &OrgState, user_id: Uuid) -> Option<&Station> {
    state
        .telephony
        .stations
        .iter()
        .find(|station| station.user_id == user_id)
}

/// `DELETE /users/{id}/station/associatedstation`: the user's station is no longer
/// associated (the station itself stays, unassociated, so it is dropped from the table).
/// A user without a station is refused with `NotFound` (UNCONFIRMED what the real API
/// answers; harsher).
pub fn disassociate_station(state: &mut OrgState, user_id: Uuid) -> Result<(), OrgError> {
    super::users::live_user(state, user_id)?;
    let Some(index) = state
        .telephony
        .stations
        .iter()
        .position(|station| station.user_id == user_id)
    else {
        return Err(OrgError::NotFound {
            kind: ObjectKind::Station,
            id: user_id,
        });
    };
    state.telephony.stations.remove(index);
    Ok(())
}

/// One row of the DID listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidRow<'a> {
    /// The number.
    pub number: String,
    /// Its pool.
    pub pool: &'a DidPool,
    /// Who holds it, if anyone.
    pub holder: Option<Holder<'a>>,
}

/// The numbers of the pools `pool_ids` (all pools when empty), ascending; only free ones
/// unless `assigned_too`.
pub fn dids<'a>(state: &'a OrgState, pool_ids: &[Uuid], assigned_too: bool) -> Vec<DidRow<'a>> {
    let holders = holders(state);
    let mut rows = Vec::new();
    for pool in &state.telephony.did_pools {
        if !pool_ids.is_empty() && !pool_ids.contains(&pool.id) {
            continue;
        }
        let (Some((length, first)), Some((_, last))) = (
            number_key(&pool.start_phone_number),
            number_key(&pool.end_phone_number),
        ) else {
            continue;
        };
        for value in first..=last {
            let number = format!("+{value:0length$}");
            let holder = holders.get(number.as_str()).cloned();
            if holder.is_none() || assigned_too {
                rows.push((
                    (length, value),
                    DidRow {
                        number,
                        pool,
                        holder,
                    },
                ));
            }
        }
    }
    rows.sort_by_key(|(key, _)| *key);
    rows.into_iter().map(|(_, row)| row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_are_recognised() {
        assert!(is_e164("+13175550100"));
        assert!(!is_e164("13175550100"), "no plus");
        assert!(!is_e164("+03175550100"), "country code starts with 0");
        assert!(!is_e164("+1317555010012345"), "16 digits");
        assert!(!is_e164("+1 317 555 0100"), "spaces");
    }

    #[test]
    fn ranges_compare_numbers_of_one_length_by_value() {
        assert!(in_range("+13175550105", "+13175550100", "+13175550199"));
        assert!(!in_range("+13175550200", "+13175550100", "+13175550199"));
        assert!(!in_range("+1317555010", "+13175550100", "+13175550199"));
        assert!(in_range("2005", "2000", "2999"));
        assert!(!in_range("20050", "2000", "2999"));
    }
}
