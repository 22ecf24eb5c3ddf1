//! Message templates: what a recipient reads, written in Jinja (minijinja) as plain text with
//! light Markdown.
//!
//! A template sees exactly the variables of [`Context`], and [`Template::compile`] refuses any
//! other, so a typo in a manifest's template is a validation error with its line, not a
//! message that fails (or says nothing) at 3 a.m. Rendering is strict: an undefined value is
//! an error, never an empty string.
//!
//! The variables (every template gets all of them; those that do not apply are empty or none):
//!
//! | variable | what it holds |
//! |---|---|
//! | `recipient.name`, `recipient.email`, `recipient.timezone` | who reads it |
//! | `org` | the org's name in `roster.yaml` |
//! | `dates.applied` | when the change was applied (change notices), else none |
//! | `dates.after` | the announcement's `deliver.after` date, else none |
//! | `dates.acknowledge_by` | the acknowledgement deadline, else none |
//! | `manager.name`, `manager.email` | the recipient's manager; `manager` may be none |
//! | `about` | what an escalation is about (the original message's subject), else none |
//! | `changes` | the recipient's own changes: items with `object`, `field`, `from`, `to`, `summary` |
//! | `people` | digests: items with `name`, `email` and their `changes` |
//!
//! Dates are strings in the recipient's own time zone (`2025-06-03 09:00 CEST`; a date alone
//! for `dates.after`), so a template never converts time.
//!
//! The first line of the rendered text is the subject when it reads `Subject: …`; otherwise
//! the caller's default subject is used.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::Recipient;
use crate::audience::{ChangeLine, Person};

/// A template that failed to compile or render, with the line to point at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct TemplateError {
    /// The 1-based line in the template source, when known.
    pub line: Option<usize>,
    /// What is wrong, naming the variable when one is unknown.
    pub message: String,
}

/// A compiled template, checked against the variables roster provides.
#[derive(Debug, Clone)]
pub struct Template {
    name: String,
    environment: Environment<'static>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject: the template's `Subject:` line, or the caller's default.
    pub subject: String,
    /// The text after the subject line.
    pub body: String,
}

/// Everything a template can read. See the module documentation for the variable names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Who reads it.
    pub recipient: Recipient,
    /// The org's name.
    pub org: String,
    /// Dates in the recipient's time zone.
    pub dates: Dates,
    /// The recipient's manager, when they have one.
    pub manager: Option<Contact>,
    /// What an escalation is about (the original subject); none otherwise.
    pub about: Option<String>,
    /// The recipient's own changes.
    pub changes: Vec<ChangeLine>,
    /// For digests: the people and their changes.
    pub people: Vec<Person>,
}

/// Dates a message mentions, already written in the recipient's local time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dates {
    /// When the change was applied.
    pub applied: Option<String>,
    /// The announcement's first delivery date.
    pub after: Option<String>,
    /// When the acknowledgement is due.
    pub acknowledge_by: Option<String>,
}

impl Dates {
    /// Writes each instant in `zone`'s local time (`2025-06-03 09:00 CEST`) and the date as
    /// `2025-06-03`.
    pub fn local(
        applied: Option<Timestamp>,
        after: Option<Date>,
        acknowledge_by: Option<Timestamp>,
        zone: &TimeZone,
    ) -> Dates {
        let local = |at: Timestamp| {
            at.to_zoned_datetime(zone.clone())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        Dates {
            applied: applied.map(local),
            after: after.map(|date| date.to_string()),
            acknowledge_by: acknowledge_by.map(local),
        }
    }
}

/// A person a template may name (the manager).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
}

/// The variables and, for those that are objects, their fields: the one list both the
/// static check and [`Context::to_value`] follow. `None` means "any field" (lists, whose items
/// the sample renders check instead).
const VARIABLES: &[(&str, Option<&[&str]>)] = &[
    ("recipient", Some(&["name", "email", "timezone"])),
    ("org", Some(&[])),
    ("dates", Some(&["applied", "after", "acknowledge_by"])),
    ("manager", Some(&["name", "email"])),
    ("about", Some(&[])),
    ("changes", None),
    ("people", None),
];

impl Template {
    /// Compiles `source` and checks that it only reads variables roster provides.
    ///
    /// Three checks, so that a template that compiles also renders for every recipient: the
    /// syntax; every variable the template reads (statically, whatever the control flow);
    /// and two sample renders, one with every value present and one where everything
    /// optional is none and every list is empty (which catches a field of a list item that
    /// does not exist, and `manager.name` without `{% if manager %}`).
    ///
    /// # Errors
    ///
    /// A [`TemplateError`] with the line of the syntax error, of the first use of an unknown
    /// variable (named in the message), or of the failing expression of a sample render.
    pub fn compile(name: &str, source: &str) -> Result<Template, TemplateError> {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        environment.set_auto_escape_callback(|_| AutoEscape::None);
        environment.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        environment
            .add_template_owned(name.to_owned(), source.to_owned())
            .map_err(|error| template_error(&error, ""))?;
        let template = Template {
            name: name.to_owned(),
            environment,
        };
        template.check_variables(source)?;
        for (sample, hint) in [
            (Context::sample(), ""),
            (
                Context::sample_without_optionals(),
                " (when optional values are none and lists are empty: guard `manager` \
                 and the like with `{% if … %}`)",
            ),
        ] {
            template.render_text(&sample, hint)?;
        }
        Ok(template)
    }

    /// The name it was compiled under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renders the template for one recipient; the subject is the first line when it reads
    /// `Subject: …`, else `default_subject`.
    ///
    /// # Errors
    ///
    /// A [`TemplateError`] when the template reads an undefined value (which
    /// [`Template::compile`]'s checks make unlikely) or fails otherwise.
    pub fn render(
        &self,
        context: &Context,
        default_subject: &str,
    ) -> Result<Rendered, TemplateError> {
        let text = self.render_text(context, "")?;
        Ok(split_subject(&text, default_subject))
    }

    fn render_text(&self, context: &Context, hint: &str) -> Result<String, TemplateError> {
        let template = self
            .environment
            .get_template(&self.name)
            .map_err(|error| template_error(&error, hint))?;
        template
            .render(context.to_value())
            .map_err(|error| template_error(&error, hint))
    }

    /// Refuses the first variable (by line) that roster does not provide.
    fn check_variables(&self, source: &str) -> Result<(), TemplateError> {
        let template = self
            .environment
            .get_template(&self.name)
            .map_err(|error| template_error(&error, ""))?;
        let globals: BTreeSet<&str> = self.environment.globals().map(|(name, _)| name).collect();
        let mut unknown: Vec<(Option<usize>, String)> = template
            .undeclared_variables(true)
            .into_iter()
            .filter(|path| !globals.contains(path.split('.').next().unwrap_or_default()))
            .filter_map(|path| unknown_part(&path).map(|part| (line_of(source, &part), part)))
            .collect();
        unknown.sort_by_key(|(line, part)| (line.unwrap_or(usize::MAX), part.clone()));
        match unknown.into_iter().next() {
            None => Ok(()),
            Some((line, part)) => Err(TemplateError {
                line,
                message: format!(
                    "unknown variable `{part}`; a template can use {}",
                    known_variables()
                ),
            }),
        }
    }
}

/// The part of a dotted variable path that roster does not provide (`recipient.nmae`, `foo`),
/// or `None` when it is known. Only the variable and its first field are checked: further
/// lookups are methods or fields of strings and list items.
fn unknown_part(path: &str) -> Option<String> {
    let mut parts = path.split('.');
    let top = parts.next().unwrap_or_default();
    let Some((_, fields)) = VARIABLES.iter().find(|(name, _)| *name == top) else {
        return Some(top.to_owned());
    };
    match (fields, parts.next()) {
        (Some(fields), Some(field)) if !fields.contains(&field) => Some(format!("{top}.{field}")),
        _ => None,
    }
}

/// `recipient.name`, `recipient.email`, … as one sentence-friendly list.
fn known_variables() -> String {
    let names: Vec<String> = VARIABLES
        .iter()
        .flat_map(|(name, fields)| match fields {
            Some(fields) if !fields.is_empty() => {
                fields.iter().map(|f| format!("`{name}.{f}`")).collect()
            }
            _ => vec![format!("`{name}`")],
        })
        .collect();
    names.join(", ")
}

/// The 1-based line of the first expression or statement that reads `path` (a variable, or
/// `variable.field`), found by scanning the tags for a matching dotted name that is not
/// itself a field of something else. `None` when it cannot be found.
fn line_of(source: &str, path: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut at = 0;
    while let Some(open) = source[at..]
        .find("{{")
        .into_iter()
        .chain(source[at..].find("{%"))
        .min()
        .map(|offset| at + offset)
    {
        let close_marker = if bytes[open + 1] == b'{' { "}}" } else { "%}" };
        let close = source[open + 2..]
            .find(close_marker)
            .map_or(source.len(), |offset| open + 2 + offset);
        if let Some(offset) = find_dotted_name(&source[open + 2..close], path) {
            return Some(source[..open + 2 + offset].matches('\n').count() + 1);
        }
        at = close;
    }
    None
}

/// The byte offset in `tag` of a dotted name (identifiers joined by `.`, spaces allowed
/// around the dots) equal to `path` or starting with `path.`, not preceded by a `.`.
fn find_dotted_name(tag: &str, path: &str) -> Option<usize> {
    let is_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let chars: Vec<(usize, char)> = tag.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let after_dot = chars[..i]
            .iter()
            .rev()
            .find(|(_, c)| !c.is_whitespace())
            .is_some_and(|(_, c)| *c == '.');
        if !is_start(c) || (i > 0 && is_part(chars[i - 1].1)) {
            i += 1;
            continue;
        }
        let mut name = String::new();
        let mut j = i;
        loop {
            while j < chars.len() && is_part(chars[j].1) {
                name.push(chars[j].1);
                j += 1;
            }
            let mut k = j;
            while k < chars.len() && chars[k].1.is_whitespace() {
                k += 1;
            }
            if k < chars.len() && chars[k].1 == '.' {
                k += 1;
                while k < chars.len() && chars[k].1.is_whitespace() {
                    k += 1;
                }
                if k < chars.len() && is_start(chars[k].1) {
                    name.push('.');
                    j = k;
                    continue;
                }
            }
            break;
        }
        if !after_dot && (name == path || name.starts_with(&format!("{path}."))) {
            return Some(start);
        }
        i = j.max(i + 1);
    }
    None
}

/// A minijinja error as a [`TemplateError`], with its line and an optional hint.
fn template_error(error: &minijinja::Error, hint: &str) -> TemplateError {
    let message = match error.detail() {
        Some(detail) => format!("{}: {detail}{hint}", error.kind()),
        None => format!("{}{hint}", error.kind()),
    };
    TemplateError {
        line: error.line(),
        message,
    }
}

/// Takes a leading `Subject: …` line off `text`, and the blank lines after it.
fn split_subject(text: &str, default_subject: &str) -> Rendered {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    match first.strip_prefix("Subject:") {
        Some(subject) => Rendered {
            subject: subject.trim().to_owned(),
            body: rest.trim_start_matches(['\n', '\r']).to_owned(),
        },
        None => Rendered {
            subject: default_subject.to_owned(),
            body: text.to_owned(),
        },
    }
}

impl Context {
    /// The context as template values, under the names of the module documentation.
    pub fn to_value(&self) -> Value {
        let mut root: BTreeMap<&str, Value> = BTreeMap::new();
        root.insert(
            "recipient",
            object([
                ("name", Value::from(self.recipient.name.as_str())),
                ("email", Value::from(self.recipient.email.as_str())),
                ("timezone", Value::from(self.recipient.timezone.as_str())),
            ]),
        );
        root.insert("org", Value::from(self.org.as_str()));
        root.insert(
            "dates",
            object([
                ("applied", Value::from(self.dates.applied.clone())),
                ("after", Value::from(self.dates.after.clone())),
                (
                    "acknowledge_by",
                    Value::from(self.dates.acknowledge_by.clone()),
                ),
            ]),
        );
        root.insert(
            "manager",
            self.manager.as_ref().map_or(Value::from(()), |manager| {
                object([
                    ("name", Value::from(manager.name.as_str())),
                    ("email", Value::from(manager.email.as_str())),
                ])
            }),
        );
        root.insert("about", Value::from(self.about.clone()));
        root.insert("changes", change_values(&self.changes));
        root.insert(
            "people",
            self.people
                .iter()
                .map(|person| {
                    object([
                        ("name", Value::from(person.recipient.name.as_str())),
                        ("email", Value::from(person.recipient.email.as_str())),
                        ("changes", change_values(&person.changes)),
                    ])
                })
                .collect(),
        );
        Value::from(root)
    }

    /// A context with every value present and one item in every list: the shape of every
    /// variable a template can read.
    pub fn sample() -> Context {
        let line = ChangeLine {
            object: "user `ana@example.com`".to_owned(),
            field: "skills".to_owned(),
            from: Some("3".to_owned()),
            to: Some("4".to_owned()),
            summary: "Skill `Billing`: proficiency 3 → 4".to_owned(),
        };
        let recipient = Recipient {
            email: "ana@example.com".to_owned(),
            name: "Ana Example".to_owned(),
            timezone: "Europe/Berlin".to_owned(),
        };
        Context {
            recipient: recipient.clone(),
            org: "prod-eu".to_owned(),
            dates: Dates {
                applied: Some("2025-06-02 14:30 CEST".to_owned()),
                after: Some("2025-06-03".to_owned()),
                acknowledge_by: Some("2025-06-05 14:30 CEST".to_owned()),
            },
            manager: Some(Contact {
                name: "Bo Boss".to_owned(),
                email: "bo@example.com".to_owned(),
            }),
            about: Some("New billing skills".to_owned()),
            changes: vec![line.clone()],
            people: vec![Person {
                recipient,
                changes: vec![line],
            }],
        }
    }

    /// [`Context::sample`] with every optional value none and every list empty.
    pub fn sample_without_optionals() -> Context {
        Context {
            dates: Dates::default(),
            manager: None,
            about: None,
            changes: Vec::new(),
            people: Vec::new(),
            ..Context::sample()
        }
    }
}

fn object<const N: usize>(fields: [(&'static str, Value); N]) -> Value {
    Value::from(BTreeMap::from(fields))
}

fn change_values(changes: &[ChangeLine]) -> Value {
    changes
        .iter()
        .map(|line| {
            object([
                ("object", Value::from(line.object.as_str())),
                ("field", Value::from(line.field.as_str())),
                ("from", Value::from(line.from.clone())),
                ("to", Value::from(line.to.clone())),
                ("summary", Value::from(line.summary.as_str())),
            ])
        })
        .collect()
}

/// The templates roster ships, used when a manifest names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// To an agent after an apply: what changed in their routing.
    ChangeNotice,
    /// To a manager after an apply: their people's changes, one digest.
    SupervisorDigest,
    /// To an admin after an apply: everyone's changes.
    AdminSummary,
    /// To a manager (or admin): who has not acknowledged a message in time.
    EscalationDigest,
}

impl Builtin {
    /// Every built-in template.
    pub const ALL: [Builtin; 4] = [
        Builtin::ChangeNotice,
        Builtin::SupervisorDigest,
        Builtin::AdminSummary,
        Builtin::EscalationDigest,
    ];

    /// The template's name (its file name under `templates/`).
    pub fn name(self) -> &'static str {
        match self {
            Builtin::ChangeNotice => "change-notice.txt",
            Builtin::SupervisorDigest => "supervisor-digest.txt",
            Builtin::AdminSummary => "admin-summary.txt",
            Builtin::EscalationDigest => "escalation-digest.txt",
        }
    }

    /// The template's source.
    pub fn source(self) -> &'static str {
        match self {
            Builtin::ChangeNotice => include_str!("../templates/change-notice.txt"),
            Builtin::SupervisorDigest => include_str!("../templates/supervisor-digest.txt"),
            Builtin::AdminSummary => include_str!("../templates/admin-summary.txt"),
            Builtin::EscalationDigest => include_str!("../templates/escalation-digest.txt"),
        }
    }

    /// The template, compiled.
    pub fn template(self) -> Template {
        Template::compile(self.name(), self.source())
            .expect("built-in templates compile: the tests compile every one")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(source: &str) -> TemplateError {
        Template::compile("notice.txt", source).unwrap_err()
    }

    #[test]
    fn an_unknown_variable_is_refused_with_its_name_and_line() {
        let error = refusal(
            "Hello {{ recipient.name }},\n\n{% if true %}\n{{ mangaer.name }}\n{% endif %}\n",
        );
        assert_eq!(error.line, Some(4));
        assert!(
            error
                .message
                .starts_with("unknown variable `mangaer`; a template can use `recipient.name`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_field_of_a_known_variable_is_refused_with_its_line() {
        let error = refusal("Subject: hi\n{{ org }}\n\n{{ recipient . nmae }}\n");
        assert_eq!(error.line, Some(4));
        assert!(
            error
                .message
                .starts_with("unknown variable `recipient.nmae`"),
            "{}",
            error.message
        );
        // A branch the sample data never takes is still checked.
        let error = refusal("{% if false %}\n{{ dates.deadline }}\n{% endif %}\n");
        assert_eq!(error.line, Some(2));
        assert!(
            error
                .message
                .starts_with("unknown variable `dates.deadline`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn an_unknown_field_of_a_list_item_is_refused_by_the_sample_render() {
        let error = refusal("{% for change in changes %}\n- {{ change.sumary }}\n{% endfor %}\n");
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("undefined"), "{}", error.message);
    }

    #[test]
    fn an_unguarded_optional_value_is_refused_with_a_hint() {
        let error = refusal("Hi\nAsk {{ manager.name }}\n");
        assert_eq!(error.line, Some(2));
        assert!(
            error.message.contains("guard `manager`"),
            "{}",
            error.message
        );
        assert!(
            Template::compile(
                "ok.txt",
                "{% if manager %}Ask {{ manager.name }}{% endif %}"
            )
            .is_ok()
        );
    }

    #[test]
    fn a_syntax_error_gives_its_line() {
        let error = refusal("Hello\n\n{% for change in changes %}\n{{ change.summary }}\n");
        assert_eq!(error.line, Some(4));
        assert!(
            error.message.starts_with("syntax error"),
            "{}",
            error.message
        );
        let error = refusal("line one\n{{ recipient.name \n");
        assert_eq!(error.line, Some(2));
        assert_eq!(error.to_string(), format!("line 2: {}", error.message));
    }

    #[test]
    fn the_subject_is_the_first_line_when_it_says_so_else_the_default() {
        let template = Template::compile(
            "t",
            "Subject: Changes in {{ org }}\n\nHello {{ recipient.name }}\n",
        )
        .unwrap();
        let rendered = template.render(&Context::sample(), "default").unwrap();
        assert_eq!(
            rendered,
            Rendered {
                subject: "Changes in prod-eu".to_owned(),
                body: "Hello Ana Example\n".to_owned(),
            }
        );
        let template =
            Template::compile("t", "Hello {{ recipient.name }}\nSubject: not this\n").unwrap();
        let rendered = template.render(&Context::sample(), "default").unwrap();
        assert_eq!(rendered.subject, "default");
        assert_eq!(rendered.body, "Hello Ana Example\nSubject: not this\n");
    }

    #[test]
    fn dates_are_written_in_the_recipients_time_zone() {
        let at: Timestamp = "2025-06-02T12:30:00Z".parse().unwrap();
        let berlin = crate::time_zone("Europe/Berlin").unwrap();
        let dates = Dates::local(Some(at), Some(jiff::civil::date(2025, 6, 3)), None, &berlin);
        assert_eq!(dates.applied.as_deref(), Some("2025-06-02 14:30 CEST"));
        assert_eq!(dates.after.as_deref(), Some("2025-06-03"));
        assert_eq!(dates.acknowledge_by, None);
    }

    fn digest_context() -> Context {
        let person = |email: &str, name: &str, summary: &str| Person {
            recipient: Recipient {
                email: email.to_owned(),
                name: name.to_owned(),
                timezone: "Europe/Berlin".to_owned(),
            },
            changes: vec![ChangeLine {
                object: format!("user `{email}`"),
                field: "skills: Billing".to_owned(),
                from: None,
                to: Some("4".to_owned()),
                summary: summary.to_owned(),
            }],
        };
        Context {
            people: vec![
                person(
                    "ana@example.com",
                    "Ana Example",
                    "New skill `Billing` at proficiency 4",
                ),
                person("bo@example.com", "Bo Example", "Added to queue `Billing`"),
            ],
            dates: Dates {
                acknowledge_by: Some("2025-06-05 14:30 CEST".to_owned()),
                ..Dates::default()
            },
            ..Context::sample()
        }
    }

    #[test]
    fn the_built_in_templates_compile_and_render_sample_data() {
        for builtin in Builtin::ALL {
            let template = builtin.template();
            for context in [
                Context::sample(),
                Context::sample_without_optionals(),
                digest_context(),
            ] {
                let rendered = template.render(&context, "roster").unwrap();
                assert!(
                    !rendered.subject.is_empty() && rendered.subject != "roster",
                    "{builtin:?}"
                );
                assert!(
                    !rendered.body.contains("none"),
                    "{builtin:?}: {}",
                    rendered.body
                );
                // Empty lists (never sent: nobody gets a notice about nothing) may leave a
                // blank line; real data must not.
                if !context.changes.is_empty() || !context.people.is_empty() {
                    assert!(
                        !rendered.body.contains("\n\n\n"),
                        "{builtin:?}: {}",
                        rendered.body
                    );
                }
            }
        }
    }

    #[test]
    fn the_change_notice_reads_well() {
        let rendered = Builtin::ChangeNotice
            .template()
            .render(&Context::sample(), "roster")
            .unwrap();
        assert_eq!(rendered.subject, "Your routing in prod-eu has changed");
        assert_eq!(
            rendered.body,
            "Hello Ana Example,\n\n\
             On 2025-06-02 14:30 CEST, the following changes were made to how interactions reach you in prod-eu:\n\n\
             - Skill `Billing`: proficiency 3 → 4\n\n\
             Questions? Your manager, Bo Boss (bo@example.com), can help.\n\n\
             This message was sent by roster, which manages the configuration of prod-eu.\n"
        );
    }

    #[test]
    fn the_digests_list_each_person_with_their_changes() {
        let context = digest_context();
        let supervisor = Builtin::SupervisorDigest
            .template()
            .render(&context, "roster")
            .unwrap();
        assert_eq!(
            supervisor.subject,
            "Routing changes for your team in prod-eu"
        );
        assert!(
            supervisor.body.contains(
                "**Ana Example** (ana@example.com)\n- New skill `Billing` at proficiency 4\n\n\
             **Bo Example** (bo@example.com)\n- Added to queue `Billing`\n"
            ),
            "{}",
            supervisor.body
        );
        let admin = Builtin::AdminSummary
            .template()
            .render(&context, "roster")
            .unwrap();
        assert!(
            admin.body.contains(
                "- Ana Example (ana@example.com): New skill `Billing` at proficiency 4\n\
             - Bo Example (bo@example.com): Added to queue `Billing`\n"
            ),
            "{}",
            admin.body
        );
        let escalation = Builtin::EscalationDigest
            .template()
            .render(&context, "roster")
            .unwrap();
        assert_eq!(
            escalation.subject,
            "Not yet acknowledged: New billing skills"
        );
        assert!(escalation.body.contains(
            "The following people have not acknowledged \"New billing skills\", which was due by 2025-06-05 14:30 CEST:\n\n\
             - Ana Example (ana@example.com)\n- Bo Example (bo@example.com)\n"
        ), "{}", escalation.body);
    }
}
