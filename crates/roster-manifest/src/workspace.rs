//! The loader: finds `roster.yaml`, walks each org's included paths in a stable order, reads
//! every file once (however many orgs include it), and compiles one desired model per org.
//!
//! This and reading files is the crate's only I/O; it never panics on bad input and reports
//! every problem it finds, each file's problems once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

use roster_model::REGIONS;

use crate::announcement::{NotifyNames, resolve as resolve_announcements};
use crate::compile::{Includes, Locate, compile};
use crate::decode::Decoder;
use crate::diagnostic::{Diagnostic, Location, SourceMap};
use crate::manifest::{
    At, FileId, Loc, OrgConfig, ReadSkip, ResourceFile, RosterFile, SecretRefConfig,
};
use crate::notify::{NotifyConfig, resolve as resolve_notify};
use crate::org::{Credentials, OrgSpec, RateLimit, SecretRef, Target, is_http_url, resolve_policy};
use crate::serve::{ServeConfig, resolve as resolve_serve};
use crate::suggest::did_you_mean;
use crate::yaml::{self, Pos};

/// The file that names the orgs, at the workspace root.
pub const ROSTER_FILE: &str = "roster.yaml";

/// Everything the manifests of one workspace declare.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    /// The folder holding `roster.yaml`.
    pub root: PathBuf,
    /// The orgs, by name.
    pub orgs: BTreeMap<String, OrgSpec>,
    /// How many files were read, `roster.yaml` included.
    pub files: usize,
    /// `serve:`, resolved: how `roster serve` runs; `None` when `roster.yaml` has no `serve`.
    pub serve: Option<ServeConfig>,
    /// `notify:`, resolved: channels, change notices, acknowledgement links and the outbox's
    /// database; `None` when `roster.yaml` has no `notify`.
    pub notify: Option<NotifyConfig>,
}

/// What loading found: the workspace, if usable, and every problem.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// `None` if and only if any diagnostic is an error.
    pub workspace: Option<Workspace>,
    /// Errors and warnings, root causes first (see [`crate::Class`]), then by file, line
    /// and column.
    pub diagnostics: Vec<Diagnostic>,
    /// The text of every file read, for rendering snippets.
    pub sources: SourceMap,
    /// Counts for the summary line, whether or not loading succeeded.
    pub stats: Stats,
}

/// Counts for `validated 2 orgs, 61 users in 9 files`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Orgs declared in `roster.yaml`.
    pub orgs: usize,
    /// Distinct users (by email) declared across all files.
    pub users: usize,
    /// Files read, `roster.yaml` included.
    pub files: usize,
}

impl Loaded {
    /// How many diagnostics are errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// How many diagnostics are warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

struct FileTable {
    paths: Vec<String>,
    texts: Vec<String>,
}

impl FileTable {
    fn add(&mut self, path: String, text: String) -> FileId {
        self.paths.push(path);
        self.texts.push(text);
        FileId(self.paths.len() as u32 - 1)
    }
}

impl Locate for FileTable {
    fn locate(&self, loc: Loc) -> Location {
        location(&self.paths[loc.file.0 as usize], loc.pos)
    }

    fn source(&self, loc: Loc) -> roster_model::Source {
        roster_model::Source {
            file: self.paths[loc.file.0 as usize].clone(),
            line: loc.pos.line,
            column: loc.pos.column,
        }
    }
}

fn location(path: &str, pos: Pos) -> Location {
    Location {
        file: path.to_owned(),
        line: pos.line,
        column: pos.column,
        span: pos.start as usize..pos.end as usize,
    }
}

/// Loads the workspace whose root folder (the one holding `roster.yaml`) is `root`.
pub fn load_workspace(root: &Path) -> Loaded {
    let mut loader = Loader {
        root: root.to_path_buf(),
        table: FileTable {
            paths: Vec::new(),
            texts: Vec::new(),
        },
        diagnostics: Vec::new(),
        org_diagnostics: Vec::new(),
        files: Vec::new(),
        by_path: HashMap::new(),
        credentials_written: BTreeSet::new(),
        declared_orgs: 0,
        pending: Vec::new(),
        empty: BTreeSet::new(),
        unchecked: Vec::new(),
        serve: None,
        notify: None,
        notify_names: None,
    };
    let workspace = loader.run();
    let declared_orgs = loader.declared_orgs;
    let Loader {
        table,
        mut diagnostics,
        org_diagnostics,
        files,
        unchecked,
        serve,
        notify,
        ..
    } = loader;
    diagnostics.extend(merge_org_diagnostics(org_diagnostics));
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
    for unchecked in &unchecked {
        unchecked.note_on_cause(&mut diagnostics);
    }
    let mut sources = SourceMap::new();
    for (path, text) in table.paths.iter().zip(table.texts) {
        sources.insert(path.clone(), text);
    }
    let users: BTreeSet<_> = files
        .iter()
        .flatten()
        .flat_map(|f| &f.users)
        .map(|u| &u.email.value)
        .collect();
    let stats = Stats {
        orgs: declared_orgs,
        users: users.len(),
        files: table.paths.len(),
    };
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    let workspace = workspace.filter(|_| !failed).map(|orgs| Workspace {
        root: root.to_path_buf(),
        orgs,
        files: stats.files,
        serve,
        notify,
    });
    Loaded {
        workspace,
        diagnostics,
        sources,
        stats,
    }
}

struct Loader {
    root: PathBuf,
    table: FileTable,
    /// File-level problems, reported once.
    diagnostics: Vec<Diagnostic>,
    /// Problems found while compiling an org, with the org's name.
    org_diagnostics: Vec<(String, Diagnostic)>,
    /// Decoded resource files by `FileId` (`None` for `roster.yaml` and unreadable files).
    files: Vec<Option<ResourceFile>>,
    by_path: HashMap<PathBuf, FileId>,
    /// Orgs whose `credentials` key is present, even if malformed.
    credentials_written: BTreeSet<String>,
    /// Orgs `roster.yaml` declares, valid or not.
    declared_orgs: usize,
    /// Files read but not yet decoded, by `FileId`.
    pending: Vec<bool>,
    /// Files that are empty, by `FileId`.
    empty: BTreeSet<usize>,
    /// Orgs whose files are incomplete, with the references left unchecked because of it.
    unchecked: Vec<Unchecked>,
    /// `serve:`, resolved.
    serve: Option<ServeConfig>,
    /// `notify:`, resolved.
    notify: Option<NotifyConfig>,
    /// What announcements' channels are checked against; `None` when `roster.yaml` has
    /// errors of its own (its `notify:` may be half read).
    notify_names: Option<NotifyNames>,
}

/// Why an org's files are incomplete (a file that did not parse, an include that does not
/// exist), and how to find the diagnostic that says so.
struct Cause {
    /// The diagnostic's code.
    code: &'static str,
    /// The file it is in.
    file: String,
    /// Its line and column, when the file holds several diagnostics of that code.
    position: Option<(u32, u32)>,
    /// The cause in words: "`teams.yaml` did not parse".
    text: String,
}

impl Cause {
    fn is(&self, diagnostic: &Diagnostic) -> bool {
        diagnostic.code == self.code
            && diagnostic.primary.as_ref().is_some_and(|at| {
                at.file == self.file
                    && self
                        .position
                        .is_none_or(|position| position == (at.line, at.column))
            })
    }
}

/// References of one org that were not checked because its files are incomplete: said
/// once, as a note on the first diagnostic of the cause, instead of one error each (#13).
struct Unchecked {
    org: String,
    causes: Vec<Cause>,
    /// How many, by the noun of what they name.
    counts: BTreeMap<&'static str, usize>,
}

impl Unchecked {
    /// Adds the note to the first diagnostic (in display order) of one of the causes.
    fn note_on_cause(&self, diagnostics: &mut [Diagnostic]) {
        let total: usize = self.counts.values().sum();
        if total == 0 {
            return;
        }
        let Some(cause) = diagnostics
            .iter_mut()
            .find(|d| self.causes.iter().any(|cause| cause.is(d)))
        else {
            return;
        };
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let what = if let [(noun, _)] = self.counts.iter().collect::<Vec<_>>().as_slice() {
            format!("reference{} to {noun}s", plural(total))
        } else {
            let each: Vec<String> = self
                .counts
                .iter()
                .map(|(noun, n)| format!("{n} to {noun}s"))
                .collect();
            format!("reference{} ({})", plural(total), each.join(", "))
        };
        let because: Vec<&str> = self.causes.iter().map(|c| c.text.as_str()).collect();
        cause.notes.push(format!(
            "{total} {what} in org `{}` {} not checked because {}",
            self.org,
            if total == 1 { "was" } else { "were" },
            because.join(" and ")
        ));
    }
}

/// One decoded resource file: its index, contents (if it parsed) and diagnostics.
type Decoded = (usize, Option<ResourceFile>, Vec<Diagnostic>);

/// An org whose `roster.yaml` part is resolved, waiting for its files to be decoded.
struct PendingOrg {
    name: At<String>,
    target: Option<Target>,
    credentials: Option<Credentials>,
    rate_limit: RateLimit,
    journal_key: Option<SecretRef>,
    ids: Vec<FileId>,
    /// Includes that do not exist and files that cannot be read.
    causes: Vec<Cause>,
    policy: roster_model::Policy,
    skip_utilization: bool,
    timezone: Option<String>,
}

/// Parses and decodes one file of the table; `None` if it is not YAML. Also returns what
/// the decoder learned about `credentials` keys (only `roster.yaml` has any).
fn decode_file<T>(
    table: &FileTable,
    id: FileId,
    diagnostics: &mut Vec<Diagnostic>,
    decode: impl FnOnce(&mut Decoder<'_>, &yaml::Node) -> T,
) -> Option<(T, BTreeSet<String>)> {
    let path = &table.paths[id.0 as usize];
    let parsed = match yaml::parse(&table.texts[id.0 as usize]) {
        Ok(parsed) => parsed,
        Err(err) => {
            let mut diagnostic = Diagnostic::error(
                "yaml-syntax",
                format!("`{path}` is not valid YAML: {}", err.message),
            )
            .hint(err.hint);
            if let Some(pos) = err.pos {
                diagnostic = diagnostic.at(location(path, pos), err.label);
            } else {
                diagnostic.primary = Some(Location::file_start(path.as_str()));
            }
            diagnostics.push(diagnostic);
            return None;
        }
    };
    for duplicate in &parsed.duplicates {
        diagnostics.push(
            Diagnostic::error(
                "duplicate-key",
                format!("key `{}` appears twice in one mapping", duplicate.key),
            )
            .at(location(path, duplicate.second), "repeated here")
            .related(location(path, duplicate.first), "first here")
            .hint("keep one of them; YAML keeps only one value per key"),
        );
    }
    let mut decoder = Decoder::new(id, path);
    let value = decode(&mut decoder, &parsed.root);
    diagnostics.append(&mut decoder.diagnostics);
    Some((value, decoder.credentials_written))
}

impl Loader {
    fn run(&mut self) -> Option<BTreeMap<String, OrgSpec>> {
        let roster_path = self.root.join(ROSTER_FILE);
        let text = match std::fs::read_to_string(&roster_path) {
            Ok(text) => text,
            Err(err) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "no-roster-yaml",
                        format!("cannot read `{ROSTER_FILE}` in `{}`: {err}", self.root.display()),
                    )
                    .hint("run roster in the folder holding `roster.yaml`, or pass that folder: `roster validate path/to/repo`"),
                );
                return None;
            }
        };
        let roster_id = self.table.add(ROSTER_FILE.to_owned(), text);
        self.files.push(None);
        self.pending.push(false);
        #[allow(clippy::redundant_closure_for_method_calls)]
        // the method is not general over the decoder's lifetime
        let (roster, written) = decode_file(
            &self.table,
            roster_id,
            &mut self.diagnostics,
            |decoder, root| decoder.roster_file(root),
        )?;
        self.credentials_written = written;
        self.declared_orgs = roster.orgs.len();
        let roster_clean = !self.diagnostics.iter().any(Diagnostic::is_error);
        self.serve = roster.serve.as_ref().and_then(|settings| {
            resolve_serve(settings, &self.root, |secret| self.secret_ref(secret))
        });
        self.notify = roster.notify.as_ref().and_then(|settings| {
            resolve_notify(settings, roster.serve.as_ref(), &self.root, |secret| {
                self.secret_ref(secret)
            })
        });
        self.notify_names = roster_clean.then(|| NotifyNames {
            channels: roster
                .notify
                .iter()
                .flat_map(|notify| notify.channels.keys())
                .map(|name| name.value.clone())
                .collect(),
            acknowledge: roster
                .notify
                .as_ref()
                .is_some_and(|notify| notify.acknowledge.is_some()),
        });
        let pending: Vec<PendingOrg> = roster
            .orgs
            .iter()
            .map(|(name, config)| self.org(&roster, name, config))
            .collect();
        self.decode_resources();
        let mut orgs = BTreeMap::new();
        for org in pending {
            if let Some(org) = self.compile(org) {
                orgs.insert(org.name.clone(), org);
            }
        }
        Some(orgs)
    }

    /// A credential reference as the service reads it: a file path resolved against the
    /// workspace root (and made absolute, like a seed path, so the working folder does not
    /// matter), checked only when roster connects.
    fn secret_ref(&self, config: &SecretRefConfig) -> SecretRef {
        match config {
            SecretRefConfig::Env(name) => SecretRef::Env(name.value.clone()),
            SecretRefConfig::File(path) => {
                let joined = self.root.join(&path.value);
                SecretRef::File(std::path::absolute(&joined).unwrap_or(joined))
            }
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn at<T>(&self, value: &At<T>) -> Location {
        self.table.locate(value.loc)
    }

    fn org(&mut self, roster: &RosterFile, name: &At<String>, config: &OrgConfig) -> PendingOrg {
        let target = self.target(name, config);
        let credentials = config.credentials.as_ref().map(|c| Credentials {
            client_id: self.secret_ref(&c.client_id),
            client_secret: self.secret_ref(&c.client_secret),
        });
        // A malformed `credentials` was reported already; "missing" would only add noise.
        let written = self.credentials_written.contains(&name.value);
        if credentials.is_none() && !written && !matches!(target, Some(Target::Sandbox { .. })) {
            self.error(
                Diagnostic::error("no-credentials", format!("org `{}` has no credentials", name.value))
                    .at(self.at(name), "no `credentials` and no `sandbox`")
                    .hint("add `credentials: { clientId: { env: VAR }, clientSecret: { env: VAR } }`, or `sandbox: { seed: ... }` for the emulator"),
            );
        }
        let rate_limit = config
            .rate_limit
            .as_ref()
            .map_or_else(RateLimit::default, |r| RateLimit {
                requests_per_minute: r.requests_per_minute.unwrap_or(300),
                tokens: r.tokens.unwrap_or(1),
            });
        let mut ids: Vec<FileId> = Vec::new();
        let mut causes = Vec::new();
        for include in &config.include {
            for id in self.include(include, config, &mut causes) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        PendingOrg {
            name: name.clone(),
            target,
            credentials,
            rate_limit,
            journal_key: roster
                .journal
                .as_ref()
                .and_then(|journal| journal.key.as_ref())
                .map(|key| self.secret_ref(key)),
            ids,
            causes,
            policy: resolve_policy(&[roster.policy.as_ref(), config.policy.as_ref()]),
            skip_utilization: config
                .read
                .as_ref()
                .or(roster.read.as_ref())
                .is_some_and(|read| read.skip.contains(&ReadSkip::Utilization)),
            timezone: config.timezone.as_ref().map(|zone| zone.value.clone()),
        }
    }

    /// Compiles an org once its files are decoded.
    fn compile(&mut self, pending: PendingOrg) -> Option<OrgSpec> {
        let mut causes = pending.causes;
        for id in &pending.ids {
            if self.files[id.0 as usize].is_none() {
                let file = self.table.paths[id.0 as usize].clone();
                causes.push(Cause {
                    code: "yaml-syntax",
                    text: format!("`{file}` did not parse"),
                    file,
                    position: None,
                });
            }
        }
        let resources: Vec<&ResourceFile> = pending
            .ids
            .iter()
            .filter_map(|id| self.files[id.0 as usize].as_ref())
            .collect();
        let empty_files: Vec<String> = pending
            .ids
            .iter()
            .filter(|id| self.empty.contains(&(id.0 as usize)))
            .map(|id| self.table.paths[id.0 as usize].clone())
            .collect();
        let includes = Includes {
            complete: causes.is_empty(),
            empty_files: &empty_files,
        };
        let name = pending.name.value;
        let compiled = compile(&name, &resources, &includes, pending.policy, &self.table);
        self.org_diagnostics
            .extend(compiled.diagnostics.into_iter().map(|d| (name.clone(), d)));
        if !causes.is_empty() {
            self.unchecked.push(Unchecked {
                org: name.clone(),
                causes,
                counts: compiled.unchecked,
            });
        }
        let mut announcement_diagnostics = Vec::new();
        let announcements = resolve_announcements(
            resources.iter().flat_map(|file| &file.announcements),
            &self.root,
            self.notify_names.as_ref(),
            &self.table,
            &mut announcement_diagnostics,
        );
        self.org_diagnostics.extend(
            announcement_diagnostics
                .into_iter()
                .map(|d| (name.clone(), d)),
        );
        let mut desired = compiled.desired;
        if pending.skip_utilization {
            desired.without_utilization();
        }
        Some(OrgSpec {
            name,
            target: pending.target?,
            credentials: pending.credentials,
            rate_limit: pending.rate_limit,
            journal_key: pending.journal_key,
            desired,
            skip_utilization: pending.skip_utilization,
            timezone: pending.timezone,
            announcements,
        })
    }

    /// Parses and decodes every resource file read so far, on all cores: files are
    /// independent, and parsing dominates the load time of a large workspace.
    fn decode_resources(&mut self) {
        let pending: Vec<usize> = (0..self.files.len()).filter(|&i| self.pending[i]).collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(pending.len().max(1));
        let chunk = pending.len().div_ceil(threads).max(1);
        let table = &self.table;
        let results: Vec<Vec<Decoded>> = std::thread::scope(|scope| {
            let handles: Vec<_> = pending
                .chunks(chunk)
                .map(|ids| {
                    #[allow(clippy::redundant_closure_for_method_calls)]
                    // the method is not general over the decoder's lifetime
                    scope.spawn(move || {
                        ids.iter()
                            .map(|&i| {
                                let mut diagnostics = Vec::new();
                                let file = decode_file(
                                    table,
                                    FileId(i as u32),
                                    &mut diagnostics,
                                    |decoder, root| decoder.resource_file(root),
                                );
                                (i, file.map(|(file, _)| file), diagnostics)
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join().unwrap_or_default())
                .collect()
        });
        for (i, file, mut diagnostics) in results.into_iter().flatten() {
            if diagnostics.iter().any(|d| d.code == "empty-file") {
                self.empty.insert(i);
            }
            self.files[i] = file;
            self.pending[i] = false;
            self.diagnostics.append(&mut diagnostics);
        }
    }

    fn target(&mut self, name: &At<String>, config: &OrgConfig) -> Option<Target> {
        let declared: Vec<&str> = [
            config.region.as_ref().map(|_| "region"),
            config.api_base.as_ref().map(|_| "apiBase"),
            config.sandbox.as_ref().map(|_| "sandbox"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if declared.is_empty() {
            self.error(
                Diagnostic::error("org-target", format!("org `{}` does not say where it is", name.value))
                    .at(self.at(name), "no `region`, `apiBase` or `sandbox`")
                    .hint("add one of `region: us-east-1`, `apiBase: https://api.mypurecloud.com` or `sandbox: { seed: sandbox/seed.yaml }`"),
            );
            return None;
        }
        if declared.len() > 1 {
            self.error(
                Diagnostic::error(
                    "org-target",
                    format!(
                        "org `{}` sets {}: only one is allowed",
                        name.value,
                        declared
                            .iter()
                            .map(|d| format!("`{d}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                )
                .at(self.at(name), "more than one target")
                .hint("keep exactly one of `region`, `apiBase` and `sandbox`"),
            );
            return None;
        }
        if let Some(region) = &config.region {
            if REGIONS.iter().any(|(known, _)| *known == region.value) {
                return Some(Target::Region(region.value.clone()));
            }
            let hint = match did_you_mean(&region.value, REGIONS.iter().map(|(r, _)| *r)) {
                Some(best) => format!(
                    "did you mean `{best}`? For a region roster does not know, use `apiBase: https://...`"
                ),
                None => format!(
                    "known regions: {}; otherwise use `apiBase: https://...`",
                    REGIONS
                        .iter()
                        .map(|(r, _)| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(
                Diagnostic::error(
                    "unknown-region",
                    format!("unknown region `{}`", region.value),
                )
                .at(self.at(region), "not a Genesys Cloud region")
                .hint(hint),
            );
            return None;
        }
        if let Some(api_base) = &config.api_base {
            if is_http_url(&api_base.value) {
                return Some(Target::ApiBase(
                    api_base.value.trim_end_matches('/').to_owned(),
                ));
            }
            self.error(
                Diagnostic::error(
                    "invalid-api-base",
                    format!("`{}` is not an http(s) URL", api_base.value),
                )
                .at(self.at(api_base), "expected `https://host`")
                .hint("write the API base as a URL, e.g. `https://api.mypurecloud.com`"),
            );
            return None;
        }
        let Some(seed) = &config.sandbox.as_ref()?.seed else {
            return Some(Target::Sandbox { seed: None });
        };
        let path = self.root.join(&seed.value);
        if path.is_file() {
            let absolute = std::path::absolute(&path).unwrap_or(path);
            return Some(Target::Sandbox {
                seed: Some(absolute),
            });
        }
        self.error(
            Diagnostic::error(
                "seed-missing",
                format!("sandbox seed `{}` does not exist", seed.value),
            )
            .at(self.at(seed), "no such file")
            .hint("the seed path is relative to `roster.yaml`; create the file or fix the path"),
        );
        None
    }

    /// The files an `include` entry names, read and decoded (once per workspace). An include
    /// that does not exist, and a file that cannot be read, are added to `causes`.
    fn include(
        &mut self,
        include: &At<String>,
        config: &OrgConfig,
        causes: &mut Vec<Cause>,
    ) -> Vec<FileId> {
        let relative = normalize(&include.value);
        let path = self.root.join(&relative);
        if !path.exists() {
            let hint = match self.sibling_suggestion(&relative) {
                Some(best) => format!("did you mean `{best}`? Paths are relative to `roster.yaml`"),
                None => "paths are relative to `roster.yaml`; create the folder or fix the path"
                    .to_owned(),
            };
            let at = self.at(include);
            causes.push(Cause {
                code: "include-missing",
                file: at.file.clone(),
                position: Some((at.line, at.column)),
                text: format!("`{}` does not exist", include.value),
            });
            self.error(
                Diagnostic::error(
                    "include-missing",
                    format!("included path `{}` does not exist", include.value),
                )
                .at(at, "no such file or folder")
                .hint(hint),
            );
            return Vec::new();
        }
        let mut found = Vec::new();
        if path.is_dir() {
            let skip: Vec<PathBuf> = config
                .sandbox
                .iter()
                .filter_map(|s| s.seed.as_ref())
                .map(|seed| self.root.join(normalize(&seed.value)))
                .chain([self.root.join(ROSTER_FILE)])
                .collect();
            collect_yaml(&path, &skip, &mut found, 0);
            if found.is_empty() {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "include-empty",
                        format!("included folder `{}` holds no `.yaml` file", include.value),
                    )
                    .at(self.at(include), "nothing to load here")
                    .hint("add resource files to the folder, or remove it from `include`"),
                );
            }
        } else {
            found.push(path);
        }
        let mut ids = Vec::new();
        for file in found {
            if let Some(id) = self.read(&file) {
                ids.push(id);
            } else {
                let relative = self.relative(&file);
                causes.push(Cause {
                    code: "unreadable",
                    text: format!("`{relative}` cannot be read"),
                    file: relative,
                    position: None,
                });
            }
        }
        ids
    }

    /// A path as diagnostics name it: relative to the workspace root, with `/`.
    fn relative(&self, file: &Path) -> String {
        file.strip_prefix(&self.root)
            .map_or_else(|_| slash_path(file), slash_path)
    }

    fn sibling_suggestion(&self, relative: &Path) -> Option<String> {
        let parent = relative.parent().unwrap_or(Path::new(""));
        let wanted = relative.file_name()?.to_string_lossy().into_owned();
        let entries: Vec<String> = std::fs::read_dir(self.root.join(parent))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let best = did_you_mean(&wanted, entries.iter().map(String::as_str))?;
        Some(slash_path(&parent.join(best)))
    }

    /// Reads and decodes a resource file once; later includes reuse it.
    fn read(&mut self, file: &Path) -> Option<FileId> {
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        if let Some(id) = self.by_path.get(&key) {
            return Some(*id);
        }
        let relative = self.relative(file);
        let text = match std::fs::read(file) {
            Ok(bytes) => {
                let Ok(text) = String::from_utf8(bytes) else {
                    self.error(
                        Diagnostic::error("unreadable", format!("`{relative}` is not UTF-8 text"))
                            .at(Location::file_start(relative.as_str()), "")
                            .hint("save the file as UTF-8"),
                    );
                    return None;
                };
                text
            }
            Err(err) => {
                self.error(
                    Diagnostic::error("unreadable", format!("cannot read `{relative}`: {err}"))
                        .at(Location::file_start(relative.as_str()), "")
                        .hint("check the file's permissions"),
                );
                return None;
            }
        };
        let id = self.table.add(relative, text);
        self.by_path.insert(key, id);
        self.files.push(None);
        self.pending.push(true);
        debug_assert_eq!(self.files.len(), self.table.paths.len());
        Some(id)
    }
}

/// `./base/` → `base`; keeps `..` (a workspace may include a sibling folder).
fn normalize(path: &str) -> PathBuf {
    Path::new(path)
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// `.yaml`/`.yml` files under `dir`, sorted by path so every run reads them in one order.
/// Hidden entries (`.git`, `.roster`) are skipped.
fn collect_yaml(dir: &Path, skip: &[PathBuf], out: &mut Vec<PathBuf>, depth: usize) {
    // Deep enough for any real layout, shallow enough to stop a symlink loop.
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_yaml(&path, skip, out, depth + 1);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
            && !skip.contains(&path)
        {
            out.push(path);
        }
    }
}

/// Merges the same diagnostic found for several orgs into one, filling `{orgs}` in hints.
fn merge_org_diagnostics(found: Vec<(String, Diagnostic)>) -> Vec<Diagnostic> {
    let mut merged: Vec<(Diagnostic, BTreeSet<String>)> = Vec::new();
    for (org, diagnostic) in found {
        if let Some((_, orgs)) = merged.iter_mut().find(|(d, _)| *d == diagnostic) {
            orgs.insert(org);
        } else {
            merged.push((diagnostic, [org].into_iter().collect()));
        }
    }
    merged
        .into_iter()
        .map(|(mut diagnostic, orgs)| {
            let names: Vec<String> = orgs.iter().map(|o| format!("`{o}`")).collect();
            let text = match names.len() {
                1 => format!("org {}", names[0]),
                _ => format!("orgs {}", names.join(", ")),
            };
            for text_with_orgs in diagnostic.hint.iter_mut().chain(&mut diagnostic.notes) {
                *text_with_orgs = text_with_orgs.replace("{orgs}", &text);
            }
            diagnostic
        })
        .collect()
}
