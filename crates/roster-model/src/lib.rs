//! roster's normalized model of a Genesys Cloud org.
//!
//! Both sides of a plan are expressed in these types: [`DesiredOrg`] is what the manifests
//! declare (compiled from routing profiles, with every field optional where "omitted" means
//! "not managed"), [`LiveOrg`] is what the org holds (every field known, plus the ids and
//! versions needed to write to it). Objects are keyed by their natural key (name, or email for
//! users) so the same manifests apply to any org; ids appear only on the live side.
//!
//! Values are normalized on construction (names and emails in Unicode NFC, emails lower-cased, proficiencies fixed-point, sets
//! ordered) so that equal configurations compare equal byte for byte and a freshly applied org
//! diffs to zero.

mod desired;
mod entitlements;
mod live;
mod names;
mod operation;
mod policy;
mod region;
mod tenant;
mod values;

pub use desired::{
    DesiredLanguage, DesiredOrg, DesiredQueue, DesiredSkill, DesiredTeam, DesiredUser,
    DesiredWrapupCode, LookupSources, MemberPolicy, Source,
};
pub use entitlements::{
    DesiredPhone, DesiredWfm, ExpectedLicence, LicenceDefinition, LiveBusinessUnit, LiveDidPool,
    LiveExtensionPool, LiveManagementUnit, LivePhone, NumberChoice, PhoneNumber, PhoneNumberError,
    RoutePath, Telephony, Wfm, is_extension,
};
pub use live::{
    GrantOrigin, LiveDivision, LiveGrant, LiveNamed, LiveOrg, LiveQueue, LiveQueueMember, LiveTeam,
    LiveUser, MemberOrigin, NEW_USER_ROLE, UnlistedUser,
};
pub use names::{
    EMAIL_MAX_CHARS, NAME_MAX_CHARS, USER_TEXT_MAX_CHARS, closest, deserialize_name,
    deserialize_optional_name, file_stem, name_chars, normalize_name, normalize_name_owned,
};
pub use operation::{NO_MANAGEMENT_UNIT, Operation, Step, StepId, UserPatch};
pub use policy::{
    DayLimits, Limits, Policy, ProtectRule, Scope, Unmanaged, UnmanagedPolicy, UserField,
    over_limit,
};
pub use region::REGIONS;
pub use tenant::{ReadNeeds, Receipt, Selection, Tenant, TenantError, UserSelection};
pub use values::{
    Email, EmailError, Kind, MediaType, MediaUtilization, Proficiency, ProficiencyError, RoleGrant,
    UserState, Utilization, without_defaults,
};
