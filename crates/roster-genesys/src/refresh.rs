//! Reading again only what an event names (issue #14: `roster drift --watch` re-plans after
//! each event at the cost of the object it names, never of a full re-read).
//!
//! A [`KeptRead`] is a snapshot's raw read, kept; a [`Refresh`] names one object to read
//! again. [`refresh`] reads every named object first (several at once, under the org's
//! limiter), and only when every read succeeded patches the kept read, so a failed refresh
//! leaves it as it was. The caller then normalizes the patched read whole, with the same
//! function a snapshot uses, so a refresh and a fresh snapshot of the same org state are equal.
//!
//! What a refresh costs is in the crate's read budget: one user, its utilization and its
//! grants as the needs select them; one queue's member pages; nothing else.
//!
//! A refresh sees only the objects it names: a role, skill, queue or group created since, or a
//! group's own grants changed since, need a new snapshot. `GET /users/{userId}` answers
//! inactive users too (its `state` parameter tells deleted users apart, not inactive ones).
//! A refreshed user is read with the snapshot's `expand`, so its numbers (`addresses`) and
//! station are as a full read gives them; its WFM management unit is listed per unit, not per
//! user, so it stays what the kept read listed (a new snapshot sees a move).

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use roster_model::ReadNeeds;

use crate::client::OpTrace;
use crate::dto;
use crate::error::GenesysError;
use crate::normalize::{self, RawOrg};
use crate::session::{Session, Snapshot};
use crate::snapshot::{
    USER_EXPAND, endpoint, queue_members, selects_utilization, user_utilization,
};

/// A read kept so that parts of it can be read again ([`Session::refresh`]): what a snapshot
/// read, before normalization, and the needs it was read for.
#[derive(Debug)]
pub struct KeptRead {
    raw: RawOrg,
    needs: ReadNeeds,
}

/// What to read again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Refresh {
    /// One user, by id: its record with the snapshot's `expand`, its utilization when the
    /// needs select it, and its grants when the needs read grants. A user not in the kept
    /// read (created since) is added; one gone (404 or deleted) is removed.
    User(String),
    /// One queue's members, by queue id (only when the needs read that queue's members;
    /// otherwise nothing is sent).
    QueueMembers(String),
}

/// What a refresh read for one [`Refresh`], not yet applied to the kept read.
enum Reread {
    /// A user as it now stands.
    User(Box<UserRead>),
    /// A user that is gone (404, or `state: deleted`).
    UserGone(String),
    /// A queue's members as they now stand.
    QueueMembers {
        queue_id: String,
        members: Vec<dto::QueueMember>,
    },
}

/// One user as it now stands.
struct UserRead {
    user: dto::User,
    /// Its own utilization, when the needs select it.
    utilization: Option<dto::AgentUtilization>,
    /// Its direct grants (not those through groups), when the needs read grants.
    direct_grants: Option<Vec<dto::AuthzGrant>>,
}

impl KeptRead {
    /// Keeps `raw`, read for `needs`.
    pub(crate) fn new(raw: RawOrg, needs: ReadNeeds) -> Self {
        KeptRead { raw, needs }
    }

    /// The needs the kept read was read for (a refresh reads what they select, no more).
    pub fn needs(&self) -> &ReadNeeds {
        &self.needs
    }

    /// The org as the kept read now stands, normalized.
    pub(crate) fn snapshot(&self) -> Snapshot {
        let (live, ids) = normalize::build(&self.raw);
        Snapshot { live, ids }
    }

    /// Whether the needs read the members of the queue with this id (a queue the kept read
    /// does not list is not read: its name, which the needs select by, is unknown).
    fn reads_members_of(&self, queue_id: &str) -> bool {
        self.raw
            .queues
            .iter()
            .find(|queue| queue.id == queue_id)
            .is_some_and(|queue| self.needs.queue_members.contains(&queue.name))
    }

    /// Patches the kept read with what was read again.
    fn apply(&mut self, reread: Reread) {
        match reread {
            Reread::User(read) => self.replace_user(*read),
            Reread::UserGone(id) => self.remove_user(&id),
            Reread::QueueMembers { queue_id, members } => {
                self.raw.queue_members.insert(queue_id, members);
            }
        }
    }

    fn remove_user(&mut self, id: &str) {
        self.raw.users.retain(|user| user.id != id);
        self.raw.utilization.remove(id);
        self.forget_direct_grants(id);
    }

    fn replace_user(&mut self, read: UserRead) {
        let UserRead {
            user,
            utilization,
            direct_grants,
        } = read;
        let id = user.id.clone();
        let name = user.name.clone();
        match self.raw.users.iter_mut().find(|kept| kept.id == id) {
            Some(kept) => *kept = user,
            None => self.raw.users.push(user),
        }
        match utilization {
            Some(utilization) => {
                self.raw.utilization.insert(id.clone(), utilization);
            }
            None => {
                self.raw.utilization.remove(&id);
            }
        }
        let Some(direct_grants) = direct_grants else {
            return;
        };
        self.forget_direct_grants(&id);
        let Some(role_grants) = &mut self.raw.grants else {
            return;
        };
        // The kept grants are per role (the subject-grants listings): the user's direct grants
        // become one subject entry in each role it holds.
        let mut divisions_by_role: BTreeMap<String, Vec<dto::Ref>> = BTreeMap::new();
        for grant in direct_grants {
            divisions_by_role
                .entry(grant.role.id)
                .or_default()
                .push(grant.division);
        }
        for (role_id, divisions) in divisions_by_role {
            let subject = dto::SubjectGrants {
                id: id.clone(),
                name: name.clone(),
                divisions,
                subject_type: Some("PC_USER".to_owned()),
            };
            match role_grants.iter_mut().find(|(role, _)| *role == role_id) {
                Some((_, subjects)) => subjects.push(subject),
                None => role_grants.push((role_id, vec![subject])),
            }
        }
    }

    /// Drops the user's own entries from every role's subjects (groups' entries stay).
    fn forget_direct_grants(&mut self, user_id: &str) {
        let Some(role_grants) = &mut self.raw.grants else {
            return;
        };
        for (_, subjects) in role_grants {
            subjects.retain(|subject| {
                subject.id != user_id || subject.subject_type.as_deref() == Some("PC_GROUP")
            });
        }
    }
}

/// Reads again what `what` names, in `session`, and patches `kept` once every read succeeded.
/// A name given twice is read once.
pub(crate) async fn refresh(
    session: &Session,
    kept: &mut KeptRead,
    what: &[Refresh],
) -> Result<(), GenesysError> {
    // Owned work items: stream closures over borrowed items trip the `Send` check of callers
    // that spawn the refresh.
    let mut users: Vec<String> = Vec::new();
    let mut queues: Vec<String> = Vec::new();
    for item in what {
        match item {
            Refresh::User(id) if !users.contains(id) => users.push(id.clone()),
            Refresh::QueueMembers(id) if !queues.contains(id) && kept.reads_members_of(id) => {
                queues.push(id.clone());
            }
            Refresh::User(_) | Refresh::QueueMembers(_) => {}
        }
    }
    let op = OpTrace::default();
    let concurrency = session.client().options().read_concurrency.max(1);
    let needs = &kept.needs;
    let user_reads = futures::stream::iter(users)
        .map(|id| reread_user(session, needs, id, &op))
        .buffer_unordered(concurrency)
        .try_collect::<Vec<Reread>>();
    let queue_reads = futures::stream::iter(queues)
        .map(|queue_id| {
            let op = &op;
            async move {
                let members = queue_members(session, &queue_id, op).await?;
                Ok::<_, GenesysError>(Reread::QueueMembers { queue_id, members })
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<Reread>>();
    let (user_reads, queue_reads) = futures::try_join!(user_reads, queue_reads)?;
    for reread in user_reads.into_iter().chain(queue_reads) {
        kept.apply(reread);
    }
    Ok(())
}

/// Reads one user again: its record, then its utilization and direct grants as `needs` ask.
async fn reread_user(
    session: &Session,
    needs: &ReadNeeds,
    id: String,
    op: &OpTrace,
) -> Result<Reread, GenesysError> {
    let path = format!("/api/v2/users/{id}?expand={USER_EXPAND}");
    let user: dto::User = match session.get_json(endpoint::USER, path, op).await {
        Ok(user) => user,
        Err(error) if error.status() == Some(404) => return Ok(Reread::UserGone(id)),
        Err(error) => return Err(error),
    };
    if user.user_state().is_none() {
        return Ok(Reread::UserGone(id));
    }
    let utilization = async {
        if selects_utilization(needs, &user) {
            user_utilization(session, &id, op).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let grants = async {
        if needs.grants {
            direct_grants(session, &id, op).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (utilization, grants) = futures::try_join!(utilization, grants)?;
    // The subject 404s when the user was deleted between the two reads.
    let direct_grants = match grants {
        Some(None) => return Ok(Reread::UserGone(id)),
        Some(Some(grants)) => Some(grants),
        None => None,
    };
    Ok(Reread::User(Box::new(UserRead {
        user,
        utilization,
        direct_grants,
    })))
}

/// The grants a user holds directly (`subjectId` = the user; the others come through groups,
/// which the kept read has from the roles' subject listings). `None` when the subject is gone.
///
/// `includeDuplicates=true`: without it a role and division held both directly and through a
/// group shows once, and which holder it names is not documented.
async fn direct_grants(
    session: &Session,
    user_id: &str,
    op: &OpTrace,
) -> Result<Option<Vec<dto::AuthzGrant>>, GenesysError> {
    let path = format!("/api/v2/authorization/subjects/{user_id}?includeDuplicates=true");
    match session
        .get_json::<dto::AuthzSubject>(endpoint::SUBJECT, path, op)
        .await
    {
        Ok(subject) => Ok(Some(
            subject
                .grants
                .into_iter()
                .filter(|grant| grant.subject_id == user_id)
                .collect(),
        )),
        Err(error) if error.status() == Some(404) => Ok(None),
        Err(error) => Err(error),
    }
}
