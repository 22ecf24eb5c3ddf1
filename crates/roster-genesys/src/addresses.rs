//! roster's convention for a user's numbers in `User.addresses`, read and written here only.
//!
//! A user's numbers are `Contact` entries of `addresses` (`mediaType: PHONE`, a `type` among
//! WORK, WORK2, WORK3, WORK4, HOME, MOBILE, OTHER, and an E.164 `address` *or* an
//! `extension`: one entry holds one of them, PYSDK `Contact`). roster manages two of them:
//!
//! - the **direct number** is the `address` of the `type: WORK` PHONE entry;
//! - the **extension** is the `extension` of the `type: WORK2` PHONE entry.
//!
//! Every other entry (HOME, MOBILE, WORK3, EMAIL, …) is the user's own business: a write keeps
//! it as it is, where it is. Entries are kept as the API wrote them (unknown fields included),
//! so a write sends back exactly what it read apart from the two managed entries, and a user
//! who already has the wanted number and extension is left alone (no `PATCH`).

use roster_model::{LivePhone, PhoneNumber};
use serde_json::{Value, json};

/// The `type` of the entry holding the direct number.
const NUMBER_TYPE: &str = "WORK";
/// The `type` of the entry holding the extension.
const EXTENSION_TYPE: &str = "WORK2";

/// A string field of an entry.
fn field<'a>(entry: &'a Value, name: &str) -> Option<&'a str> {
    entry.get(name).and_then(Value::as_str)
}

/// Whether `entry` is a PHONE entry of this `type`.
fn is_phone(entry: &Value, kind: &str) -> bool {
    field(entry, "mediaType") == Some("PHONE") && field(entry, "type") == Some(kind)
}

/// The user's direct number and extension, as the org holds them (raw: a live number need
/// not be E.164). The first matching entry counts when the org holds several.
pub fn live_phone(addresses: &[Value]) -> LivePhone {
    let number = addresses
        .iter()
        .filter(|entry| is_phone(entry, NUMBER_TYPE))
        .find_map(|entry| field(entry, "address"))
        .map(str::to_owned);
    let extension = addresses
        .iter()
        .filter(|entry| is_phone(entry, EXTENSION_TYPE))
        .find_map(|entry| field(entry, "extension"))
        .map(str::to_owned);
    LivePhone { number, extension }
}

/// `addresses` with the user's direct number and extension set to these (`None`: none): every
/// other entry kept in place; a managed entry that already says what is wanted kept verbatim;
/// any other WORK or WORK2 PHONE entry dropped; a missing one appended. Equal to `addresses`
/// exactly when nothing is to be written.
pub fn with_phone(
    addresses: &[Value],
    number: Option<&PhoneNumber>,
    extension: Option<&str>,
) -> Vec<Value> {
    let mut number_kept = false;
    let mut extension_kept = false;
    let mut out: Vec<Value> = Vec::with_capacity(addresses.len() + 2);
    for entry in addresses {
        if is_phone(entry, NUMBER_TYPE) {
            let wanted = number.is_some_and(|n| field(entry, "address") == Some(n.as_str()))
                && entry.get("extension").is_none_or(Value::is_null);
            if wanted && !number_kept {
                number_kept = true;
                out.push(entry.clone());
            }
        } else if is_phone(entry, EXTENSION_TYPE) {
            let wanted = extension.is_some_and(|e| field(entry, "extension") == Some(e))
                && entry.get("address").is_none_or(Value::is_null);
            if wanted && !extension_kept {
                extension_kept = true;
                out.push(entry.clone());
            }
        } else {
            out.push(entry.clone());
        }
    }
    if let Some(number) = number.filter(|_| !number_kept) {
        out.push(json!({ "mediaType": "PHONE", "type": NUMBER_TYPE, "address": number.as_str() }));
    }
    if let Some(extension) = extension.filter(|_| !extension_kept) {
        out.push(json!({ "mediaType": "PHONE", "type": EXTENSION_TYPE, "extension": extension }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(raw: &str) -> PhoneNumber {
        PhoneNumber::parse(raw).unwrap()
    }

    fn mobile() -> Value {
        json!({ "mediaType": "PHONE", "type": "MOBILE", "address": "+13175559999" })
    }

    fn email() -> Value {
        json!({ "mediaType": "EMAIL", "type": "WORK", "address": "jane@acme.example" })
    }

    #[test]
    fn the_work_number_and_the_work2_extension_are_the_users_phone() {
        let addresses = [
            email(),
            mobile(),
            json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100", "display": "(317) 555-0100" }),
            json!({ "mediaType": "PHONE", "type": "WORK2", "extension": "4100" }),
            json!({ "mediaType": "PHONE", "type": "WORK3", "extension": "4999" }),
        ];
        assert_eq!(
            live_phone(&addresses),
            LivePhone {
                number: Some("+13175550100".into()),
                extension: Some("4100".into()),
            }
        );
        // An EMAIL entry of type WORK is not a number; a MOBILE number is not the direct one.
        assert_eq!(live_phone(&[email(), mobile()]), LivePhone::default());
    }

    #[test]
    fn a_write_replaces_the_managed_entries_and_keeps_every_other_in_place() {
        let addresses = [
            mobile(),
            json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100" }),
            email(),
            json!({ "mediaType": "PHONE", "type": "WORK2", "extension": "4100" }),
        ];
        let written = with_phone(&addresses, Some(&number("+13175550101")), Some("4101"));
        assert_eq!(
            written,
            [
                mobile(),
                email(),
                json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550101" }),
                json!({ "mediaType": "PHONE", "type": "WORK2", "extension": "4101" }),
            ]
        );
        assert_eq!(
            live_phone(&written),
            LivePhone {
                number: Some("+13175550101".into()),
                extension: Some("4101".into()),
            }
        );
        // `None` removes them.
        assert_eq!(with_phone(&addresses, None, None), [mobile(), email()]);
    }

    #[test]
    fn a_user_who_already_has_the_phone_is_written_nothing() {
        // Fields the API adds (`display`) are kept: the list is unchanged, so no PATCH.
        let addresses = [
            json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100", "display": "(317) 555-0100" }),
            mobile(),
            json!({ "mediaType": "PHONE", "type": "WORK2", "extension": "4100" }),
        ];
        assert_eq!(
            with_phone(&addresses, Some(&number("+13175550100")), Some("4100")),
            addresses
        );
        assert_eq!(with_phone(&[mobile()], None, None), [mobile()]);
    }

    #[test]
    fn duplicate_or_mixed_managed_entries_are_rewritten() {
        let addresses = [
            json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100" }),
            json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100" }),
            json!({ "mediaType": "PHONE", "type": "WORK2", "address": "+13175550177", "extension": "4100" }),
        ];
        assert_eq!(
            with_phone(&addresses, Some(&number("+13175550100")), Some("4100")),
            [
                json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100" }),
                json!({ "mediaType": "PHONE", "type": "WORK2", "extension": "4100" }),
            ]
        );
    }
}
