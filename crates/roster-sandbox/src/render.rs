//! JSON shapes of every object the API returns, field names exactly as the real models
//! (`api-subset.json`). Absent values are omitted, never `null`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::store::{
    Assignment, Division, Embedded, Entity, Group, Language, OrgState, Pieces, Queue, Role, Skill,
    Table, Team, User, WrapupCode,
};

/// `selfUri` of a user.
pub fn user_uri(id: Uuid) -> String {
    format!("/api/v2/users/{id}")
}

/// `Division` / `WritableDivision` / `StarrableDivision` reference: `{id, name, selfUri}`.
pub fn division_ref(state: &OrgState, id: Uuid) -> Value {
    let name = state
        .divisions
        .get(id)
        .map(|division| division.name.clone());
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    if let Some(name) = name {
        out.insert("name".into(), json!(name));
    }
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/authorization/divisions/{id}")),
    );
    Value::Object(out)
}

/// `AuthzDivision`.
pub fn authz_division(division: &Division) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(division.id));
    out.insert("name".into(), json!(division.name));
    if let Some(description) = &division.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("homeDivision".into(), json!(division.home));
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/authorization/divisions/{}", division.id)),
    );
    Value::Object(out)
}

/// `DomainOrganizationRole`.
pub fn role(role: &Role, user_count: Option<usize>) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(role.id));
    out.insert("name".into(), json!(role.name));
    if let Some(description) = &role.description {
        out.insert("description".into(), json!(description));
    }
    if let Some(default_role_id) = &role.default_role_id {
        out.insert("defaultRoleId".into(), json!(default_role_id));
    }
    out.insert("permissions".into(), json!(role.permissions));
    if let Some(count) = user_count {
        out.insert("userCount".into(), json!(count));
    }
    out.insert("default".into(), json!(role.default_role_id.is_some()));
    out.insert("base".into(), json!(false));
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/authorization/roles/{}", role.id)),
    );
    Value::Object(out)
}

/// `RoutingSkill`.
pub fn skill(state: &OrgState, skill: &Skill) -> Value {
    json!({
        "id": skill.id,
        "name": skill.name,
        "division": division_ref(state, skill.division_id),
        "dateModified": skill.date_modified,
        "state": skill.state.as_str(),
        "version": skill.version.to_string(),
        "selfUri": format!("/api/v2/routing/skills/{}", skill.id),
    })
}

/// `Language`.
pub fn language(language: &Language) -> Value {
    json!({
        "id": language.id,
        "name": language.name,
        "dateModified": language.date_modified,
        "state": language.state.as_str(),
        "version": language.version.to_string(),
        "selfUri": format!("/api/v2/routing/languages/{}", language.id),
    })
}

/// `WrapupCode`.
pub fn wrapup_code(state: &OrgState, code: &WrapupCode) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(code.id));
    out.insert("name".into(), json!(code.name));
    out.insert("division".into(), division_ref(state, code.division_id));
    if let Some(description) = &code.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("dateCreated".into(), json!(code.date_created));
    out.insert("dateModified".into(), json!(code.date_modified));
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/routing/wrapupcodes/{}", code.id)),
    );
    Value::Object(out)
}

/// Member counts of a queue: (memberCount, userMemberCount, joinedMemberCount).
pub fn queue_counts(state: &OrgState, queue: &Queue) -> (usize, usize, usize) {
    let mut joined = queue.members.iter().filter(|member| member.joined).count();
    let mut total = queue.members.len();
    let mut seen = BTreeSet::new();
    for group_id in &queue.member_groups {
        let Some(group) = state.groups.get(*group_id) else {
            continue;
        };
        for user_id in &group.members {
            if queue.member_index.contains_key(user_id) || !seen.insert(*user_id) {
                continue;
            }
            total += 1;
            if queue
                .group_member_joined
                .get(user_id)
                .copied()
                .unwrap_or(true)
            {
                joined += 1;
            }
        }
    }
    (total, queue.members.len(), joined)
}

/// `Queue`.
pub fn queue(state: &OrgState, queue: &Queue) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), json!(queue.id));
    out.insert("name".into(), json!(queue.name));
    out.insert("division".into(), division_ref(state, queue.division_id));
    if let Some(description) = &queue.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("dateCreated".into(), json!(queue.date_created));
    out.insert("dateModified".into(), json!(queue.date_modified));
    let (members, users, joined) = queue_counts(state, queue);
    out.insert("memberCount".into(), json!(members));
    out.insert("userMemberCount".into(), json!(users));
    out.insert("joinedMemberCount".into(), json!(joined));
    for (key, value) in &queue.settings {
        out.insert(key.clone(), value.clone());
    }
    if !queue.member_groups.is_empty() {
        let groups: Vec<Value> = queue
            .member_groups
            .iter()
            .filter_map(|id| state.groups.get(*id))
            .map(|group| {
                json!({
                    "id": group.id,
                    "name": group.name,
                    "type": "GROUP",
                    "memberCount": group.members.len(),
                    "selfUri": format!("/api/v2/groups/{}", group.id),
                })
            })
            .collect();
        out.insert("memberGroups".into(), Value::Array(groups));
    }
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/routing/queues/{}", queue.id)),
    );
    out
}

/// `Team`.
pub fn team(state: &OrgState, team: &Team) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(team.id));
    out.insert("name".into(), json!(team.name));
    out.insert("division".into(), division_ref(state, team.division_id));
    if let Some(description) = &team.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("dateCreated".into(), json!(team.date_created));
    out.insert("dateModified".into(), json!(team.date_modified));
    out.insert("memberCount".into(), json!(team.members.len()));
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/teams/{}", team.id)),
    );
    Value::Object(out)
}

/// `Group` (the model is not in `api-subset.json`; these are fields of the SDK's `Group`).
pub fn group(group: &Group) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(group.id));
    out.insert("name".into(), json!(group.name));
    if let Some(description) = &group.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("dateModified".into(), json!(group.date_modified));
    out.insert("memberCount".into(), json!(group.members.len()));
    out.insert("state".into(), json!("active"));
    out.insert("version".into(), json!(1));
    out.insert("type".into(), json!("official"));
    out.insert("rulesVisible".into(), json!(false));
    out.insert("visibility".into(), json!("public"));
    out.insert("rolesEnabled".into(), json!(!group.grants.is_empty()));
    out.insert(
        "selfUri".into(),
        json!(format!("/api/v2/groups/{}", group.id)),
    );
    Value::Object(out)
}

/// `UserReference`: `{id, selfUri}`.
pub fn user_ref(id: Uuid) -> Value {
    json!({ "id": id, "selfUri": user_uri(id) })
}

/// `UserRoutingSkill`.
pub fn user_skill(state: &OrgState, user_id: Uuid, assignment: &Assignment) -> Value {
    let skill = state.skills.get(assignment.id);
    let mut out = Map::new();
    out.insert("id".into(), json!(assignment.id));
    if let Some(skill) = skill {
        out.insert("name".into(), json!(skill.name));
    }
    out.insert("proficiency".into(), json!(assignment.proficiency));
    out.insert(
        "state".into(),
        json!(skill.map_or("active", |skill| skill.state.as_str())),
    );
    out.insert(
        "skillUri".into(),
        json!(format!("/api/v2/routing/skills/{}", assignment.id)),
    );
    out.insert(
        "selfUri".into(),
        json!(format!(
            "/api/v2/users/{user_id}/routingskills/{}",
            assignment.id
        )),
    );
    Value::Object(out)
}

/// `UserRoutingLanguage`.
pub fn user_language(state: &OrgState, user_id: Uuid, assignment: &Assignment) -> Value {
    let language = state.languages.get(assignment.id);
    let mut out = Map::new();
    out.insert("id".into(), json!(assignment.id));
    if let Some(language) = language {
        out.insert("name".into(), json!(language.name));
    }
    out.insert("proficiency".into(), json!(assignment.proficiency));
    out.insert(
        "state".into(),
        json!(language.map_or("active", |language| language.state.as_str())),
    );
    out.insert(
        "languageUri".into(),
        json!(format!("/api/v2/routing/languages/{}", assignment.id)),
    );
    out.insert(
        "selfUri".into(),
        json!(format!(
            "/api/v2/users/{user_id}/routinglanguages/{}",
            assignment.id
        )),
    );
    Value::Object(out)
}

/// Which `expand` values of a user the sandbox serves; others are ignored (the API resolves
/// expands "with a best effort approach").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expand {
    /// `skills`.
    pub skills: bool,
    /// `languages`.
    pub languages: bool,
    /// `team`.
    pub team: bool,
    /// `authorization`.
    pub authorization: bool,
    /// `groups`.
    pub groups: bool,
    /// `locations`.
    pub locations: bool,
    /// `station` (`UserStations`).
    pub station: bool,
}

impl Expand {
    /// From the `expand` values.
    pub fn parse(values: &[String]) -> Self {
        let mut expand = Self::default();
        for value in values {
            match value.as_str() {
                "skills" => expand.skills = true,
                "languages" => expand.languages = true,
                "team" => expand.team = true,
                "authorization" => expand.authorization = true,
                "groups" => expand.groups = true,
                "locations" => expand.locations = true,
                "station" => expand.station = true,
                _ => {}
            }
        }
        expand
    }

    /// Whether nothing is expanded.
    pub fn is_empty(self) -> bool {
        self == Self::default()
    }
}

/// The un-expanded `User`, cached on the user until its next write.
pub fn user_base<'a>(state: &OrgState, user: &'a User) -> &'a str {
    user.cache.get_or_init(|| {
        let mut out = Map::new();
        out.insert("id".into(), json!(user.id));
        out.insert("name".into(), json!(user.name));
        out.insert("division".into(), division_ref(state, user.division_id));
        out.insert("email".into(), json!(user.email));
        out.insert(
            "primaryContactInfo".into(),
            json!([{ "address": user.email, "mediaType": "EMAIL", "type": "PRIMARY" }]),
        );
        out.insert("addresses".into(), Value::Array(user.addresses.clone()));
        out.insert("state".into(), json!(user.state.as_str()));
        if let Some(title) = &user.title {
            out.insert("title".into(), json!(title));
        }
        if let Some(department) = &user.department {
            out.insert("department".into(), json!(department));
        }
        if let Some(preferred_name) = &user.preferred_name {
            out.insert("preferredName".into(), json!(preferred_name));
        }
        out.insert("username".into(), json!(user.email));
        if let Some(manager) = user.manager_id {
            out.insert("manager".into(), user_ref(manager));
        }
        out.insert("version".into(), json!(user.version));
        out.insert("acdAutoAnswer".into(), json!(user.acd_auto_answer));
        out.insert("selfUri".into(), json!(user_uri(user.id)));
        Value::Object(out).to_string().into_boxed_str()
    })
}

/// `UserAuthorization`: roles from direct and group grants, and their permissions.
pub fn user_authorization(state: &OrgState, user: &User) -> Value {
    let mut role_ids: Vec<Uuid> = Vec::new();
    for (_, grant) in state.grants_of(user) {
        if !role_ids.contains(&grant.role_id) {
            role_ids.push(grant.role_id);
        }
    }
    let roles: Vec<&Role> = role_ids
        .iter()
        .filter_map(|id| state.roles.get(*id))
        .collect();
    let permissions: BTreeSet<&String> = roles
        .iter()
        .flat_map(|role| role.permissions.iter())
        .collect();
    json!({
        "roles": roles.iter().map(|role| json!({ "id": role.id, "name": role.name })).collect::<Vec<_>>(),
        "permissions": permissions,
    })
}

/// A user with expansions: the cached base with the expanded fields appended.
pub fn user(state: &OrgState, user: &User, expand: Expand) -> String {
    let mut out = Vec::with_capacity(1024);
    write_user(&mut out, state, user, expand);
    // Only valid UTF-8 (JSON text) is ever written to the buffer.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends a JSON string (quoted and escaped).
fn push_json_str(out: &mut Vec<u8>, text: &str) {
    // Serializing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// A JSON string as text.
fn json_str(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    push_json_str(&mut out, text);
    // serde_json writes valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// What a user's routing entry refers to.
#[derive(Debug, Clone, Copy)]
enum Routing {
    Skill,
    Language,
}

impl Routing {
    /// The entry's link to the object (`skillUri`) and its collection under `/routing`.
    fn object_link(self) -> (&'static str, &'static str) {
        match self {
            Self::Skill => ("skillUri", "skills"),
            Self::Language => ("languageUri", "languages"),
        }
    }

    /// The entry's collection under the user (`/api/v2/users/{id}/routingskills`).
    fn user_collection(self) -> &'static str {
        match self {
            Self::Skill => "routingskills",
            Self::Language => "routinglanguages",
        }
    }
}

/// A user's `UserRoutingSkill` / `UserRoutingLanguage` in the three pieces around what the
/// user adds: before the proficiency, between it and the user id, after the user id. A
/// missing object (only a loaded dump can refer to one) has no name and shows as active.
fn assignment_pieces(routing: Routing, id: Uuid, name: Option<&str>, state: &str) -> Pieces {
    let (link_field, collection) = routing.object_link();
    let name = name.map(|name| format!(",\"name\":{}", json_str(name)));
    let name = name.as_deref().unwrap_or_default();
    Box::new([
        format!("{{\"id\":\"{id}\"{name},\"proficiency\":").into_boxed_str(),
        format!(
            ",\"state\":\"{state}\",\"{link_field}\":\"/api/v2/routing/{collection}/{id}\",\"selfUri\":\"/api/v2/users/"
        )
        .into_boxed_str(),
        format!("/{}/{id}\"}}", routing.user_collection()).into_boxed_str(),
    ])
}

/// `{id, name, selfUri}` of an object under `collection` (`/api/v2/{collection}/{id}`).
fn named_reference(collection: &str, id: Uuid, name: &str) -> Pieces {
    let reference = format!(
        "{{\"id\":\"{id}\",\"name\":{},\"selfUri\":\"/api/v2/{collection}/{id}\"}}",
        json_str(name)
    );
    Box::new([reference.into_boxed_str()])
}

impl Embedded for Skill {
    fn embedded(&self) -> Pieces {
        assignment_pieces(
            Routing::Skill,
            self.id,
            Some(&self.name),
            self.state.as_str(),
        )
    }
}

impl Embedded for Language {
    fn embedded(&self) -> Pieces {
        assignment_pieces(
            Routing::Language,
            self.id,
            Some(&self.name),
            self.state.as_str(),
        )
    }
}

impl Embedded for Team {
    /// The user's `team` expansion.
    fn embedded(&self) -> Pieces {
        named_reference("teams", self.id, &self.name)
    }
}

impl Embedded for Group {
    /// An entry of the user's `groups` expansion.
    fn embedded(&self) -> Pieces {
        named_reference("groups", self.id, &self.name)
    }
}

/// Appends `,"skills":[...]` or `,"languages":[...]`: per entry, the object's cached pieces
/// around the proficiency and the user id.
fn write_assignments<T: Entity + Embedded>(
    out: &mut Vec<u8>,
    field: &[u8],
    routing: Routing,
    objects: &Table<T>,
    assignments: &[Assignment],
    user_id: &[u8],
) {
    out.extend_from_slice(field);
    for (index, assignment) in assignments.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let missing;
        let pieces = if let Some(pieces) = objects.embedded(assignment.id) {
            pieces
        } else {
            missing = assignment_pieces(routing, assignment.id, None, "active");
            &missing
        };
        debug_assert_eq!(pieces.len(), 3, "assignment_pieces renders three pieces");
        if let [before_proficiency, before_user_id, after_user_id] = pieces {
            out.extend_from_slice(before_proficiency.as_bytes());
            write_proficiency(out, assignment.proficiency);
            out.extend_from_slice(before_user_id.as_bytes());
            out.extend_from_slice(user_id);
            out.extend_from_slice(after_user_id.as_bytes());
        }
    }
    out.push(b']');
}

/// Appends a proficiency as `serde_json` writes it. Nearly all are whole numbers, which come
/// from a table instead of the float formatter (a twentieth of an expanded page's cost).
fn write_proficiency(out: &mut Vec<u8>, proficiency: f64) {
    const WHOLE: [&[u8]; 6] = [b"0.0", b"1.0", b"2.0", b"3.0", b"4.0", b"5.0"];
    // Comparing bits keeps -0.0 (written `-0.0`) off the table.
    let whole = (0..=5u8).find(|&number| f64::from(number).to_bits() == proficiency.to_bits());
    match whole {
        Some(number) => out.extend_from_slice(WHOLE[usize::from(number)]),
        // Serializing a number into a Vec cannot fail.
        None => {
            let _ = serde_json::to_writer(&mut *out, &proficiency);
        }
    }
}

/// Appends the pieces of an object embedded whole.
fn write_embedded(out: &mut Vec<u8>, pieces: &[Box<str>]) {
    for piece in pieces {
        out.extend_from_slice(piece.as_bytes());
    }
}

/// Appends a user with expansions to a response buffer. The un-expanded user is the cached
/// JSON; expansions are copied from the cached JSON of the skills, languages, team and groups
/// they show (see [`Embedded`]), which keeps expanded pages of 500 users cheap.
pub fn write_user(out: &mut Vec<u8>, state: &OrgState, user: &User, expand: Expand) {
    let base = user_base(state, user).as_bytes();
    if expand.is_empty() {
        out.extend_from_slice(base);
        return;
    }
    // `{...base}` without its closing brace, then `,"skills":[...]` etc., then `}`.
    out.extend_from_slice(&base[..base.len() - 1]);
    let mut user_id = [0; uuid::fmt::Hyphenated::LENGTH];
    let user_id = user.id.hyphenated().encode_lower(&mut user_id).as_bytes();
    if expand.skills {
        let field = b",\"skills\":[";
        write_assignments(
            out,
            field,
            Routing::Skill,
            &state.skills,
            &user.skills,
            user_id,
        );
    }
    if expand.languages {
        let field = b",\"languages\":[";
        let languages = &state.languages;
        write_assignments(
            out,
            field,
            Routing::Language,
            languages,
            &user.languages,
            user_id,
        );
    }
    if expand.team
        && let Some(team) = user.team_id.and_then(|id| state.teams.embedded(id))
    {
        out.extend_from_slice(b",\"team\":");
        write_embedded(out, team);
    }
    // Writing JSON values into a Vec cannot fail.
    if expand.authorization {
        out.extend_from_slice(b",\"authorization\":");
        let _ = serde_json::to_writer(&mut *out, &user_authorization(state, user));
    }
    if expand.groups {
        out.extend_from_slice(b",\"groups\":[");
        for (index, group) in state.groups_of(user.id).enumerate() {
            if index > 0 {
                out.push(b',');
            }
            if let Some(pieces) = state.groups.embedded(group.id) {
                write_embedded(out, pieces);
            }
        }
        out.push(b']');
    }
    if expand.locations {
        out.extend_from_slice(b",\"locations\":");
        let _ = serde_json::to_writer(&mut *out, &user.locations);
    }
    if expand.station {
        out.extend_from_slice(b",\"station\":");
        let station = crate::org::telephony::station_of(state, user.id);
        let _ = serde_json::to_writer(
            &mut *out,
            &crate::render_entitlements::user_stations(station),
        );
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proficiencies_are_written_as_serde_json_writes_them() {
        let values = [
            0.0,
            -0.0,
            1.0,
            2.0,
            3.0,
            4.0,
            5.0,
            0.1,
            2.5,
            4.999,
            5.000_000_1,
            6.0,
            1e-7,
            1e21,
        ];
        for value in values {
            let mut out = Vec::new();
            write_proficiency(&mut out, value);
            let expected = serde_json::to_string(&value).expect("a number serializes");
            assert_eq!(String::from_utf8(out).expect("utf-8"), expected, "{value}");
        }
    }
}
