//! Direct numbers, extensions and WFM management units (DESIGN §2.10).
//!
//! Numbers are resolved before anything is planned, so every problem is an error of the
//! whole org like any unresolved reference:
//! - A declared number must lie in one of the org's DID pools, an extension in one of its
//!   extension pools; an unknown pool or management unit names the org's closest spelling.
//! - No two users may end with one number or one extension. A number or extension another
//!   user holds in the org may be claimed only when the plan takes it from that user (its
//!   own declared phone differs, or it is offboarded); the claim then waits for that step.
//! - `phone: { pool }` keeps a live number already in the pool; otherwise it takes the
//!   user's former number (held when it was offboarded, [`crate::PlanOptions::former_numbers`])
//!   when the pool lists it as unassigned, else the lowest number the org lists as unassigned
//!   in the pool that no other user of the plan claims, users taken in email order, so the
//!   same org and manifests always give the same numbers. A pool without enough numbers is
//!   one error naming how many it lacks.
//!
//! Management-unit moves are batched by destination ([`MOVE_USERS_PER_CALL`] users a call).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{
    DesiredUser, Email, Kind, LiveOrg, LiveUser, NumberChoice, Operation, PhoneNumber, Source,
    Telephony,
};
use serde_json::json;

use super::builder::{Builder, Stage, chunks};
use super::context::{Context, Fate};
use crate::error::Problem;
use crate::types::{Action, FieldChange};

/// Most users one management-unit move takes (UNCONFIRMED limit; the sandbox refuses more).
pub(crate) const MOVE_USERS_PER_CALL: usize = 100;

/// A user's WORK phone as the plan will leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedPhone {
    pub number: Option<PhoneNumber>,
    pub extension: Option<String>,
    /// The pool this plan chose the number from (shown in the plan).
    pub allocated_from: Option<String>,
    /// Whether the chosen number is the one the user held before it was offboarded.
    pub former: bool,
}

/// Every declared user's resolved phone, by email; users whose phone is unmanaged, or who
/// do not end active, are absent.
pub(crate) type Phones = BTreeMap<Email, ResolvedPhone>;

/// Resolves every managed phone, or lists why it cannot be.
pub(crate) fn resolve_phones(ctx: &Context<'_>) -> (Phones, Vec<Problem>) {
    let empty = Telephony::default();
    let telephony = ctx.live.telephony.as_ref().unwrap_or(&empty);
    let holders = Holders::of(ctx.live);
    let mut problems = Vec::new();
    let managed: Vec<&DesiredUser> = ctx
        .desired
        .users
        .values()
        .filter(|u| u.phone.is_some() && ctx.fate(&u.email).ends_active())
        .collect();

    // Explicit numbers and extensions first: they are claimed before pools allocate.
    let mut numbers: BTreeMap<PhoneNumber, &Email> = BTreeMap::new();
    let mut extensions: BTreeMap<&str, &Email> = BTreeMap::new();
    let mut phones = Phones::new();
    for user in &managed {
        let phone = user.phone.as_ref().expect("filtered on phone");
        let source = phone.source.as_ref().or(user.source.as_ref());
        let mut problem = |message: String, hint: String| {
            problems.push(user_problem(user, source, message, hint));
        };
        let mut number = None;
        match &phone.number {
            Some(NumberChoice::Number(n)) => {
                if let Some(first) = numbers.insert(n.clone(), &user.email) {
                    problem(
                        format!("number {n} is also declared for `{first}`"),
                        "give each user a number of their own".to_owned(),
                    );
                } else if telephony.pool_of(n).is_none() {
                    problem(
                        format!("number {n} lies in none of the org's DID pools"),
                        pools_hint(telephony),
                    );
                } else if held_by_no_user(&holders, telephony, n) {
                    problem(
                        format!(
                            "number {n} is assigned in the org, but to no user's direct number: \
                             a phone, an IVR, a group or another of a user's addresses holds it"
                        ),
                        "pick a free number of the pool, or free this one in the org first"
                            .to_owned(),
                    );
                }
                number = Some(n.clone());
            }
            Some(NumberChoice::Pool(pool)) if !telephony.did_pools.contains_key(pool) => {
                let suggestion =
                    roster_model::closest(pool, telephony.did_pools.keys().map(String::as_str))
                        .map(|best| format!("; did you mean `{best}`?"))
                        .unwrap_or_default();
                problem(
                    format!("DID pool `{pool}` does not exist in the org{suggestion}"),
                    "create the pool in the org (Telephony > DID Numbers), or fix the name"
                        .to_owned(),
                );
            }
            Some(NumberChoice::Pool(_)) | None => {}
        }
        if let Some(extension) = &phone.extension {
            if let Some(first) = extensions.insert(extension, &user.email) {
                problem(
                    format!("extension {extension} is also declared for `{first}`"),
                    "give each user an extension of their own".to_owned(),
                );
            } else if !telephony.extension_in_pool(extension) {
                problem(
                    format!("extension {extension} lies in none of the org's extension pools"),
                    "add it to an extension pool in the org (Telephony > Extensions), or pick \
                     one inside a pool"
                        .to_owned(),
                );
            }
        }
        phones.insert(
            user.email.clone(),
            ResolvedPhone {
                number,
                extension: phone.extension.clone(),
                allocated_from: None,
                former: false,
            },
        );
    }

    allocate(
        ctx,
        telephony,
        &managed,
        &mut numbers,
        &mut phones,
        &mut problems,
    );
    held_elsewhere(ctx, &holders, &phones, &mut problems);
    (phones, problems)
}

/// Whether the org lists `number` as assigned (its pool's unassigned numbers were read and
/// lack it) while no user holds it as its direct number: something the plan cannot take it
/// from holds it, and the write would be refused.
fn held_by_no_user(holders: &Holders<'_>, telephony: &Telephony, number: &PhoneNumber) -> bool {
    let listed_free = telephony
        .pool_of(number)
        .and_then(|pool| pool.unassigned.as_ref())
        .map(|free| free.contains(number));
    listed_free == Some(false) && !holders.holds_number(number)
}

/// Gives each `phone: { pool }` user its number: its live one when already in the pool,
/// else the pool's lowest unclaimed free number.
fn allocate<'d>(
    ctx: &Context<'_>,
    telephony: &Telephony,
    managed: &[&'d DesiredUser],
    numbers: &mut BTreeMap<PhoneNumber, &'d Email>,
    phones: &mut Phones,
    problems: &mut Vec<Problem>,
) {
    let mut wanting: BTreeMap<&str, Vec<&'d DesiredUser>> = BTreeMap::new();
    for user in managed {
        let Some(NumberChoice::Pool(name)) = user.phone.as_ref().and_then(|p| p.number.as_ref())
        else {
            continue;
        };
        let Some(pool) = telephony.did_pools.get(name) else {
            continue;
        };
        let kept = ctx
            .live
            .users
            .get(&user.email)
            .and_then(|live| live.phone.number.as_deref())
            .and_then(|n| PhoneNumber::parse(n).ok())
            .filter(|n| pool.contains(n) && !numbers.contains_key(n));
        match kept {
            Some(number) => {
                numbers.insert(number.clone(), &user.email);
                set_number(phones, &user.email, number, None);
            }
            None => wanting.entry(name).or_default().push(user),
        }
    }
    for (name, users) in wanting {
        let pool = &telephony.did_pools[name];
        // Reactivated users get their former number back when it is still free.
        let mut users_left = Vec::new();
        for user in users {
            let former = ctx.options.former_numbers.get(&user.email).filter(|n| {
                pool.contains(n)
                    && !numbers.contains_key(*n)
                    && pool
                        .unassigned
                        .as_ref()
                        .is_some_and(|free| free.contains(*n))
            });
            match former {
                Some(number) => {
                    numbers.insert(number.clone(), &user.email);
                    set_number(phones, &user.email, number.clone(), Some(name));
                    if let Some(phone) = phones.get_mut(&user.email) {
                        phone.former = true;
                    }
                }
                None => users_left.push(user),
            }
        }
        let users = users_left;
        let mut free = pool
            .unassigned
            .iter()
            .flatten()
            .filter(|n| pool.contains(n) && !numbers.contains_key(*n));
        let mut short = 0;
        for user in &users {
            match free.next() {
                Some(number) => {
                    set_number(phones, &user.email, number.clone(), Some(name));
                }
                None => short += 1,
            }
        }
        if short > 0 {
            let user = users[users.len() - short];
            let available = users.len() - short;
            let source = user.phone.as_ref().and_then(|p| p.source.as_ref());
            problems.push(user_problem(
                user,
                source.or(user.source.as_ref()),
                format!(
                    "DID pool `{name}` has {available} free number{} for the {} users that \
                     take a number from it: it lacks {short}",
                    if available == 1 { "" } else { "s" },
                    users.len()
                ),
                format!(
                    "extend the pool's range in the org ({} to {} today), or take these users' \
                     numbers from another pool",
                    pool.start, pool.end
                ),
            ));
        }
        for user in users {
            if let Some(number) = phones.get(&user.email).and_then(|p| p.number.clone()) {
                numbers.insert(number, &user.email);
            }
        }
    }
}

fn set_number(phones: &mut Phones, email: &Email, number: PhoneNumber, pool: Option<&str>) {
    if let Some(phone) = phones.get_mut(email) {
        phone.number = Some(number);
        phone.allocated_from = pool.map(str::to_owned);
    }
}

/// Numbers and extensions claimed from another live user that keeps them.
fn held_elsewhere(
    ctx: &Context<'_>,
    holders: &Holders<'_>,
    phones: &Phones,
    problems: &mut Vec<Problem>,
) {
    for (email, phone) in phones {
        for (what, value) in claims(phone) {
            let Some(holder) = holders.other_than(email, what, &value) else {
                continue;
            };
            if gives_up(ctx, phones, holder, what, &value) {
                // Two users taking each other's number would each wait for the other: a
                // cycle. Said here, at the manifest line, with what to do.
                let swapped = phones.get(&holder.email).is_some_and(|theirs| {
                    claims(theirs).iter().any(|(their_what, their_value)| {
                        *their_what == what
                            && ctx.live.users.get(email).is_some_and(|me| match what {
                                "number" => me.phone.number.as_deref() == Some(their_value),
                                _ => me.phone.extension.as_deref() == Some(their_value),
                            })
                    })
                });
                if swapped && email < &holder.email {
                    let user = &ctx.desired.users[email];
                    let source = user.phone.as_ref().and_then(|p| p.source.as_ref());
                    problems.push(user_problem(
                        user,
                        source.or(user.source.as_ref()),
                        format!(
                            "swaps its {what} with `{}` ({value}): one plan cannot give each the \
                             other's, since each must be free first",
                            holder.email
                        ),
                        format!(
                            "apply in two changes: first give `{}` another {what} (or none), \
                             then the swap",
                            holder.email
                        ),
                    ));
                }
                continue;
            }
            let user = &ctx.desired.users[email];
            let source = user.phone.as_ref().and_then(|p| p.source.as_ref());
            problems.push(user_problem(
                user,
                source.or(user.source.as_ref()),
                format!("{what} {value} belongs to `{}` in the org", holder.email),
                format!(
                    "declare another {what} for `{}` (or offboard them) in the same change, or \
                     pick a free one",
                    holder.email
                ),
            ));
        }
    }
}

/// The number and extension a resolved phone claims, as the org spells them.
fn claims(phone: &ResolvedPhone) -> Vec<(&'static str, String)> {
    let mut claims = Vec::new();
    if let Some(number) = &phone.number {
        claims.push(("number", number.as_str().to_owned()));
    }
    if let Some(extension) = &phone.extension {
        claims.push(("extension", extension.clone()));
    }
    claims
}

/// Who holds each number and extension in the org, built once per pass so that no claim
/// scans every user (a plan managing 10,000 users' numbers would otherwise compare 10^8
/// pairs).
struct Holders<'a> {
    numbers: HashMap<&'a str, Vec<&'a LiveUser>>,
    extensions: HashMap<&'a str, Vec<&'a LiveUser>>,
}

impl<'a> Holders<'a> {
    fn of(live: &'a LiveOrg) -> Self {
        let mut holders = Holders {
            numbers: HashMap::new(),
            extensions: HashMap::new(),
        };
        for user in live.users.values() {
            if let Some(number) = &user.phone.number {
                holders.numbers.entry(number).or_default().push(user);
            }
            if let Some(extension) = &user.phone.extension {
                holders.extensions.entry(extension).or_default().push(user);
            }
        }
        holders
    }

    /// The live user other than `claimant` that holds `value` (a `what`).
    fn other_than(&self, claimant: &Email, what: &str, value: &str) -> Option<&'a LiveUser> {
        let by = if what == "number" {
            &self.numbers
        } else {
            &self.extensions
        };
        by.get(value)?
            .iter()
            .copied()
            .find(|u| u.email != *claimant)
    }

    /// Whether some user holds `number` as its direct number.
    fn holds_number(&self, number: &PhoneNumber) -> bool {
        self.numbers.contains_key(number.as_str())
    }
}

/// Whether the plan takes `value` from `holder`: offboarded, or declared with another one.
fn gives_up(
    ctx: &Context<'_>,
    phones: &Phones,
    holder: &LiveUser,
    what: &str,
    value: &str,
) -> bool {
    if ctx.fate(&holder.email) == Fate::Offboard {
        return true;
    }
    phones.get(&holder.email).is_some_and(|phone| {
        let kept = match what {
            "number" => phone.number.as_ref().map(PhoneNumber::as_str),
            _ => phone.extension.as_deref(),
        };
        kept != Some(value)
    })
}

fn pools_hint(telephony: &Telephony) -> String {
    if telephony.did_pools.is_empty() {
        return "the org has no DID pools: create one that holds the number (Telephony > DID \
                Numbers)"
            .to_owned();
    }
    let pools: Vec<String> = telephony
        .did_pools
        .values()
        .map(|p| format!("`{}` {}–{}", p.name, p.start, p.end))
        .collect();
    format!("pick a number in a pool ({})", pools.join(", "))
}

fn user_problem(
    user: &DesiredUser,
    source: Option<&Source>,
    message: String,
    hint: String,
) -> Problem {
    Problem {
        source: source.cloned(),
        kind: Kind::User,
        key: user.email.to_string(),
        message,
        hint: Some(hint),
    }
}

/// Unknown management units, with the org's closest spelling.
pub(crate) fn resolve_management_units(ctx: &Context<'_>) -> Vec<Problem> {
    let units = ctx.live.wfm.as_ref().map(|w| &w.management_units);
    let mut problems = Vec::new();
    for user in ctx.desired.users.values() {
        let Some(wfm) = &user.wfm else { continue };
        if !ctx.fate(&user.email).ends_active()
            || units.is_some_and(|u| u.contains_key(&wfm.management_unit))
        {
            continue;
        }
        let source = wfm.source.as_ref().or(user.source.as_ref());
        let Some(units) = units else {
            problems.push(user_problem(
                user,
                source,
                format!(
                    "management unit `{}` cannot be checked: the org's management units could \
                     not be read",
                    wfm.management_unit
                ),
                "the org has no WFM, or roster's OAuth client lacks its permissions (`wfm:agent:view`, \
                 `wfm:agent:edit`); grant them, or remove `wfm:`"
                    .to_owned(),
            ));
            continue;
        };
        let suggestion =
            roster_model::closest(&wfm.management_unit, units.keys().map(String::as_str))
                .map(|best| format!("; did you mean `{best}`?"))
                .unwrap_or_default();
        problems.push(user_problem(
            user,
            source,
            format!(
                "management unit `{}` does not exist in the org{suggestion}",
                wfm.management_unit
            ),
            "create it in WFM (Admin > Workforce Management), or fix the name; roster does not \
             create management units"
                .to_owned(),
        ));
    }
    problems
}

/// Plans each changed phone. `freed` holds, per offboarded user, the step that frees its
/// number and extension: a user taking one waits for it.
pub(crate) fn plan_phones(
    ctx: &Context<'_>,
    b: &mut Builder,
    phones: &Phones,
    freed: &BTreeMap<Email, usize>,
) {
    let mut nodes: BTreeMap<&Email, usize> = BTreeMap::new();
    for (email, phone) in phones {
        let live = ctx.live.users.get(email);
        let held = live.map(|u| &u.phone);
        let old_number = held.and_then(|p| p.number.clone());
        let old_extension = held.and_then(|p| p.extension.clone());
        let new_number = phone.number.as_ref().map(|n| n.as_str().to_owned());
        if old_number == new_number && old_extension == phone.extension {
            continue;
        }
        let change = user_change(ctx, b, email);
        if old_number != new_number {
            b.field(
                change,
                FieldChange::scalar("phone.number", old_number, new_number),
            );
        }
        if old_extension != phone.extension {
            b.field(
                change,
                FieldChange::scalar("phone.extension", old_extension, phone.extension.clone()),
            );
        }
        if let Some(pool) = &phone.allocated_from {
            let number = phone.number.as_ref().expect("allocated");
            b.changes[change].notes.push(if phone.former {
                format!("number {number} of DID pool `{pool}` is the one the user held before")
            } else {
                format!("number {number} is the lowest free number of DID pool `{pool}`")
            });
        }
        let deps: Vec<usize> = b.user_ready.get(email).copied().into_iter().collect();
        let node = b.push(
            Operation::SetUserPhone {
                email: email.clone(),
                number: phone.number.clone(),
                extension: phone.extension.clone(),
            },
            Stage::Assignments,
            deps,
            live.map(|u| json!(u.phone)),
            Some(change),
        );
        nodes.insert(email, node);
    }
    // A number or extension taken from another user waits until that user lets it go.
    let holders = Holders::of(ctx.live);
    for (email, node) in &nodes {
        for (what, value) in claims(&phones[*email]) {
            let Some(holder) = holders.other_than(email, what, &value) else {
                continue;
            };
            let first = nodes
                .get(&holder.email)
                .or_else(|| freed.get(&holder.email));
            if let Some(&first) = first {
                b.nodes[*node].deps.push(first);
            }
        }
    }
}

/// Plans management-unit moves, batched by destination.
pub(crate) fn plan_management_units(ctx: &Context<'_>, b: &mut Builder) {
    let mut moves: BTreeMap<&str, BTreeSet<Email>> = BTreeMap::new();
    for (email, user) in &ctx.desired.users {
        let Some(wfm) = &user.wfm else { continue };
        if !ctx.fate(email).ends_active() {
            continue;
        }
        let held = ctx
            .live
            .users
            .get(email)
            .and_then(|u| u.management_unit.clone());
        if held.as_deref() == Some(wfm.management_unit.as_str()) {
            continue;
        }
        let change = user_change(ctx, b, email);
        b.field(
            change,
            FieldChange::scalar("managementUnit", held, Some(wfm.management_unit.clone())),
        );
        moves
            .entry(&wfm.management_unit)
            .or_default()
            .insert(email.clone());
    }
    for (unit, users) in moves {
        for chunk in chunks(&users, MOVE_USERS_PER_CALL) {
            let deps: Vec<usize> = chunk
                .iter()
                .filter_map(|e| b.user_ready.get(e).copied())
                .collect();
            let before: BTreeMap<&Email, Option<&String>> = chunk
                .iter()
                .map(|e| {
                    let held = ctx
                        .live
                        .users
                        .get(e)
                        .and_then(|u| u.management_unit.as_ref());
                    (e, held)
                })
                .collect();
            let before = json!(before);
            let change = chunk
                .iter()
                .next()
                .and_then(|e| b.existing_change(Kind::User, e.as_str()));
            b.push(
                Operation::MoveToManagementUnit {
                    unit: Some(unit.to_owned()),
                    users: chunk,
                },
                Stage::Assignments,
                deps,
                Some(before),
                change,
            );
        }
    }
}

/// The change of a declared user, made as an update when the plan has none for it yet.
fn user_change(ctx: &Context<'_>, b: &mut Builder, email: &Email) -> usize {
    if let Some(change) = b.existing_change(Kind::User, email.as_str()) {
        return change;
    }
    let user = &ctx.desired.users[email];
    let live = ctx.live.users.get(email);
    let change = b.change(
        Kind::User,
        email.as_str(),
        Action::Update,
        user.source.as_ref(),
        live.map(|u| u.id.as_str()),
    );
    b.changes[change]
        .routing_profile
        .clone_from(&user.routing_profile);
    change
}
