//! Reading an HR event out of a verified webhook payload.
//!
//! Every HR system shapes its payload differently, so each source's configuration says where
//! the fields are, as JSON pointers (RFC 6901), and maps the source's event names to what
//! roster does ([`Action`]). A kind the map does not name is [`Extracted::Ignored`], so a
//! source may send more events than roster cares about; every other problem is an
//! [`ExtractError`] whose message names the field and the pointer, because it becomes the
//! body of the 400 answer the HR system's operator reads.

use std::collections::BTreeMap;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

use crate::queue::Action;

/// Where the fields are in a source's payload: JSON pointers (RFC 6901), such as `/data/email`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The event's id, unique per event and stable across retries (the dedupe key).
    pub id: String,
    /// The source's event name, looked up in `kinds`.
    pub kind: String,
    /// The user's email, how roster finds the user.
    pub email: String,
    /// When the event takes effect; without a pointer, or with an empty value, it is now.
    pub effective: Option<String>,
    /// The source's event names that roster acts on, and what it does for each.
    pub kinds: BTreeMap<String, Action>,
}

/// An HR event roster acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrEvent {
    /// The source's event id (numbers are written in decimal).
    pub id: String,
    /// The source's event name, as sent.
    pub kind: String,
    /// What roster does for it.
    pub action: Action,
    /// The user's email, trimmed, otherwise as sent.
    pub email: String,
    /// When it takes effect; `None` means now (the caller's clock decides).
    pub effective: Option<OffsetDateTime>,
}

/// The outcome of reading a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extracted {
    /// An event roster acts on.
    Event(HrEvent),
    /// A kind the mapping does not name: acknowledged and not acted on.
    Ignored {
        /// The source's event name.
        kind: String,
    },
}

/// Why a payload cannot be read; answered 400 with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The body is not JSON.
    #[error("body is not JSON: {0}")]
    NotJson(String),
    /// A mapped field is absent or null.
    #[error("missing field `{field}` at `{pointer}`")]
    Missing {
        /// roster's name for the field (`id`, `kind`, `email`).
        field: &'static str,
        /// The configured pointer.
        pointer: String,
    },
    /// A mapped field has the wrong JSON type.
    #[error("field `{field}` at `{pointer}` must be {expected}")]
    WrongType {
        /// roster's name for the field.
        field: &'static str,
        /// The configured pointer.
        pointer: String,
        /// What it must be, as a phrase (`a string`).
        expected: &'static str,
    },
    /// The email is not `local@domain`.
    #[error("field `email` at `{pointer}` is not an email address: `{value}`")]
    BadEmail {
        /// The configured pointer.
        pointer: String,
        /// The value as sent.
        value: String,
    },
    /// The effective date is neither an RFC 3339 time nor a `YYYY-MM-DD` date.
    #[error(
        "field `effective` at `{pointer}` is not an RFC 3339 time or a `YYYY-MM-DD` date: `{value}`"
    )]
    BadDate {
        /// The configured pointer.
        pointer: String,
        /// The value as sent.
        value: String,
    },
}

/// Reads an HR event from a payload according to its source's mapping.
///
/// The kind is read first: a kind the mapping does not name is [`Extracted::Ignored`] without
/// looking at the other fields, since other events need not carry them.
///
/// # Errors
/// An [`ExtractError`] naming the field and pointer that could not be read.
pub fn extract(mapping: &Mapping, body: &[u8]) -> Result<Extracted, ExtractError> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|error| ExtractError::NotJson(error.to_string()))?;

    let kind = string_at(&payload, "kind", &mapping.kind)?;
    let Some(&action) = mapping.kinds.get(kind) else {
        return Ok(Extracted::Ignored {
            kind: kind.to_owned(),
        });
    };
    let id = id_at(&payload, &mapping.id)?;
    let email = email_at(&payload, &mapping.email)?;
    let effective = match &mapping.effective {
        Some(pointer) => effective_at(&payload, pointer)?,
        None => None,
    };
    Ok(Extracted::Event(HrEvent {
        id,
        kind: kind.to_owned(),
        action,
        email,
        effective,
    }))
}

/// The value at `pointer`, treating null as absent.
fn present<'p>(payload: &'p Value, pointer: &str) -> Option<&'p Value> {
    payload.pointer(pointer).filter(|value| !value.is_null())
}

/// A required value at `pointer`.
fn required<'p>(
    payload: &'p Value,
    field: &'static str,
    pointer: &str,
) -> Result<&'p Value, ExtractError> {
    present(payload, pointer).ok_or_else(|| ExtractError::Missing {
        field,
        pointer: pointer.to_owned(),
    })
}

/// A required string at `pointer`.
fn string_at<'p>(
    payload: &'p Value,
    field: &'static str,
    pointer: &str,
) -> Result<&'p str, ExtractError> {
    required(payload, field, pointer)?
        .as_str()
        .ok_or_else(|| ExtractError::WrongType {
            field,
            pointer: pointer.to_owned(),
            expected: "a string",
        })
}

/// The event id: a non-empty string, or a number written in decimal.
fn id_at(payload: &Value, pointer: &str) -> Result<String, ExtractError> {
    match required(payload, "id", pointer)? {
        Value::String(id) if !id.trim().is_empty() => Ok(id.clone()),
        Value::Number(id) => Ok(id.to_string()),
        _ => Err(ExtractError::WrongType {
            field: "id",
            pointer: pointer.to_owned(),
            expected: "a non-empty string or a number",
        }),
    }
}

/// The email, trimmed; it must be `local@domain` with exactly one `@`.
fn email_at(payload: &Value, pointer: &str) -> Result<String, ExtractError> {
    let email = string_at(payload, "email", pointer)?.trim();
    let well_formed = matches!(
        email.split_once('@'),
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    );
    if well_formed {
        Ok(email.to_owned())
    } else {
        Err(ExtractError::BadEmail {
            pointer: pointer.to_owned(),
            value: email.to_owned(),
        })
    }
}

/// The effective time: absent, null or empty is `None` (now); an RFC 3339 time; or a
/// `YYYY-MM-DD` date, read as midnight UTC.
fn effective_at(payload: &Value, pointer: &str) -> Result<Option<OffsetDateTime>, ExtractError> {
    let Some(value) = present(payload, pointer) else {
        return Ok(None);
    };
    let text = value.as_str().ok_or_else(|| ExtractError::WrongType {
        field: "effective",
        pointer: pointer.to_owned(),
        expected: "a string (an RFC 3339 time or a `YYYY-MM-DD` date)",
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(time) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(Some(time));
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(|date| Some(date.midnight().assume_utc()))
        .map_err(|_| ExtractError::BadDate {
            pointer: pointer.to_owned(),
            value: text.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn mapping() -> Mapping {
        Mapping {
            id: "/id".to_owned(),
            kind: "/type".to_owned(),
            email: "/data/email".to_owned(),
            effective: Some("/data/terminationDate".to_owned()),
            kinds: BTreeMap::from([
                ("user.terminated".to_owned(), Action::Terminate),
                ("user.suspended".to_owned(), Action::Suspend),
                ("user.rehired".to_owned(), Action::Rehire),
            ]),
        }
    }

    fn event(body: &str) -> HrEvent {
        match extract(&mapping(), body.as_bytes()) {
            Ok(Extracted::Event(event)) => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    fn error(body: &str) -> ExtractError {
        extract(&mapping(), body.as_bytes()).unwrap_err()
    }

    #[test]
    fn reads_a_termination_with_rfc3339_effective_time() {
        let read = event(
            r#"{"id":"evt_1","type":"user.terminated",
                "data":{"email":"Ada.Lovelace@Example.com","terminationDate":"2025-03-02T17:30:00+01:00"}}"#,
        );
        assert_eq!(
            read,
            HrEvent {
                id: "evt_1".to_owned(),
                kind: "user.terminated".to_owned(),
                action: Action::Terminate,
                email: "Ada.Lovelace@Example.com".to_owned(),
                effective: Some(datetime!(2025-03-02 16:30:00 UTC)),
            }
        );
    }

    #[test]
    fn maps_each_kind_to_its_action() {
        for (kind, action) in [
            ("user.terminated", Action::Terminate),
            ("user.suspended", Action::Suspend),
            ("user.rehired", Action::Rehire),
        ] {
            let body = format!(r#"{{"id":"e","type":"{kind}","data":{{"email":"a@b"}}}}"#);
            assert_eq!(event(&body).action, action, "{kind}");
        }
    }

    #[test]
    fn unmapped_kind_is_ignored_even_without_other_fields() {
        assert_eq!(
            extract(&mapping(), br#"{"type":"user.created"}"#),
            Ok(Extracted::Ignored {
                kind: "user.created".to_owned()
            })
        );
    }

    #[test]
    fn numeric_ids_are_stringified() {
        let body =
            |id: &str| format!(r#"{{"id":{id},"type":"user.suspended","data":{{"email":"a@b"}}}}"#);
        assert_eq!(event(&body("12345")).id, "12345");
        assert_eq!(event(&body("-7")).id, "-7");
        assert_eq!(event(&body("1.5")).id, "1.5");
    }

    #[test]
    fn id_of_wrong_type_or_empty_is_refused() {
        for id in ["true", "{}", "[1]", r#""""#, r#""  ""#] {
            let body =
                format!(r#"{{"id":{id},"type":"user.terminated","data":{{"email":"a@b"}}}}"#);
            assert_eq!(
                error(&body),
                ExtractError::WrongType {
                    field: "id",
                    pointer: "/id".to_owned(),
                    expected: "a non-empty string or a number"
                },
                "{id}"
            );
        }
    }

    #[test]
    fn plain_date_is_midnight_utc() {
        let read = event(
            r#"{"id":"e","type":"user.terminated","data":{"email":"a@b","terminationDate":"2025-04-30"}}"#,
        );
        assert_eq!(read.effective, Some(datetime!(2025-04-30 00:00:00 UTC)));
    }

    #[test]
    fn absent_null_or_empty_effective_is_now() {
        for data in [
            r#"{"email":"a@b"}"#,
            r#"{"email":"a@b","terminationDate":null}"#,
            r#"{"email":"a@b","terminationDate":""}"#,
        ] {
            let body = format!(r#"{{"id":"e","type":"user.terminated","data":{data}}}"#);
            assert_eq!(event(&body).effective, None, "{data}");
        }
        let mut without_pointer = mapping();
        without_pointer.effective = None;
        let read = extract(
            &without_pointer,
            br#"{"id":"e","type":"user.terminated","data":{"email":"a@b","terminationDate":"garbage"}}"#,
        );
        assert!(matches!(
            read,
            Ok(Extracted::Event(HrEvent {
                effective: None,
                ..
            }))
        ));
    }

    #[test]
    fn bad_effective_date_names_pointer_and_value() {
        for value in [
            "30/04/2025",
            "2025-02-30",
            "2025-04-30T12:00:00",
            "tomorrow",
        ] {
            let body = format!(
                r#"{{"id":"e","type":"user.terminated","data":{{"email":"a@b","terminationDate":"{value}"}}}}"#
            );
            let refused = error(&body);
            assert_eq!(
                refused,
                ExtractError::BadDate {
                    pointer: "/data/terminationDate".to_owned(),
                    value: value.to_owned()
                }
            );
            assert_eq!(
                refused.to_string(),
                format!(
                    "field `effective` at `/data/terminationDate` is not an RFC 3339 time or a `YYYY-MM-DD` date: `{value}`"
                )
            );
        }
        let number = error(
            r#"{"id":"e","type":"user.terminated","data":{"email":"a@b","terminationDate":20250430}}"#,
        );
        assert!(matches!(
            number,
            ExtractError::WrongType {
                field: "effective",
                ..
            }
        ));
    }

    #[test]
    fn email_is_trimmed_and_otherwise_kept() {
        let read = event(
            r#"{"id":"e","type":"user.terminated","data":{"email":"  Grace@EXAMPLE.org\n"}}"#,
        );
        assert_eq!(read.email, "Grace@EXAMPLE.org");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for value in ["no-at-sign", "@example.com", "grace@", "a@b@c", "   ", "@"] {
            let body = format!(
                r#"{{"id":"e","type":"user.terminated","data":{{"email":{}}}}}"#,
                serde_json::to_string(value).unwrap()
            );
            assert_eq!(
                error(&body),
                ExtractError::BadEmail {
                    pointer: "/data/email".to_owned(),
                    value: value.trim().to_owned()
                },
                "{value:?}"
            );
        }
    }

    #[test]
    fn missing_fields_name_field_and_pointer() {
        let missing_email = error(r#"{"id":"e","type":"user.terminated","data":{}}"#);
        assert_eq!(
            missing_email.to_string(),
            "missing field `email` at `/data/email`"
        );
        let null_email = error(r#"{"id":"e","type":"user.terminated","data":{"email":null}}"#);
        assert_eq!(
            null_email.to_string(),
            "missing field `email` at `/data/email`"
        );
        let missing_id = error(r#"{"type":"user.terminated","data":{"email":"a@b"}}"#);
        assert_eq!(missing_id.to_string(), "missing field `id` at `/id`");
        let missing_kind = error(r#"{"id":"e","data":{"email":"a@b"}}"#);
        assert_eq!(missing_kind.to_string(), "missing field `kind` at `/type`");
    }

    #[test]
    fn wrong_types_name_field_pointer_and_expectation() {
        let kind = error(r#"{"id":"e","type":7,"data":{"email":"a@b"}}"#);
        assert_eq!(kind.to_string(), "field `kind` at `/type` must be a string");
        let email = error(r#"{"id":"e","type":"user.terminated","data":{"email":["a@b"]}}"#);
        assert_eq!(
            email.to_string(),
            "field `email` at `/data/email` must be a string"
        );
    }

    #[test]
    fn non_json_body_is_refused() {
        for body in ["", "not json", r#"{"id":"#] {
            assert!(matches!(error(body), ExtractError::NotJson(_)), "{body:?}");
        }
        assert!(error("nope").to_string().starts_with("body is not JSON: "));
    }

    #[test]
    fn pointers_follow_rfc_6901_escapes() {
        let mapping = Mapping {
            id: "/meta/event~1id".to_owned(),
            kind: "/meta/kind~0name".to_owned(),
            email: "/people/0/work email".to_owned(),
            effective: None,
            kinds: BTreeMap::from([("TERM".to_owned(), Action::Terminate)]),
        };
        let body =
            br#"{"meta":{"event/id":99,"kind~name":"TERM"},"people":[{"work email":"x@y"}]}"#;
        assert_eq!(
            extract(&mapping, body),
            Ok(Extracted::Event(HrEvent {
                id: "99".to_owned(),
                kind: "TERM".to_owned(),
                action: Action::Terminate,
                email: "x@y".to_owned(),
                effective: None,
            }))
        );
    }
}
