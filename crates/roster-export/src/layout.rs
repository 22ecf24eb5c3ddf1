//! Where exported things go: folder and file names from names people chose (which may hold
//! spaces, unicode, quotes or slashes), and the split of users into files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use roster_manifest::manifest::UserSpec;
use roster_model::LiveOrg;

use crate::UserSplit;

/// A file-name-safe form of `name`: lower-cased letters and digits (unicode kept), every
/// other run of characters one `-`; `unnamed` when nothing is left.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        "unnamed".to_owned()
    } else {
        out
    }
}

/// `path` with `/` separators whatever the platform, as manifests and messages show paths.
pub(crate) fn display(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Users grouped into files under `org_dir`. Two names with the same slug get `-2`, `-3`
/// in name order, so file names are unique and stable.
pub(crate) fn split_users(
    live: &LiveOrg,
    users: Vec<UserSpec>,
    split: UserSplit,
    org_dir: &Path,
) -> BTreeMap<PathBuf, Vec<UserSpec>> {
    let part_of = |user: &UserSpec| -> Option<String> {
        let live_user = live.users.get(&user.email.value)?;
        match split {
            UserSplit::Team => live_user.team.clone(),
            UserSplit::Division => Some(live_user.division.clone()),
            UserSplit::None => None,
        }
    };
    if split == UserSplit::None {
        return BTreeMap::from([(org_dir.join("users.yaml"), users)]);
    }
    let mut parts: BTreeMap<Option<String>, Vec<UserSpec>> = BTreeMap::new();
    for user in users {
        parts.entry(part_of(&user)).or_default().push(user);
    }
    let mut used = BTreeSet::new();
    let mut files = BTreeMap::new();
    for (part, users) in parts {
        let stem = match &part {
            Some(name) => slug(name),
            None if split == UserSplit::Team => "no-team".to_owned(),
            None => "no-division".to_owned(),
        };
        let unique = unused(&mut used, &stem, |n| format!("{stem}-{n}"));
        files.insert(org_dir.join("users").join(format!("{unique}.yaml")), users);
    }
    files
}

/// `first` if not in `taken`, else the first of `nth(2)`, `nth(3)`, ... that is not; the
/// answer is added to `taken`.
pub(crate) fn unused(
    taken: &mut BTreeSet<String>,
    first: &str,
    nth: impl Fn(usize) -> String,
) -> String {
    let mut candidate = first.to_owned();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = nth(n);
    }
    taken.insert(candidate.clone());
    candidate
}
