//! `/ack/{token}`: a recipient acknowledges a notice (DESIGN §2.9, issue #16).
//!
//! A message that asks for an acknowledgement carries a link with a signed token
//! (`roster_notify::ack`). Opening the link (`GET`) only shows a page with a button; the button
//! `POST`s to the same address, and only the `POST` records. Mail security scanners and link
//! previews fetch every `GET` link in a message before its reader sees it, so a `GET` that
//! recorded would acknowledge on the recipient's behalf, and escalation would never reach the
//! people who did not read it.
//!
//! | request | answers |
//! |---|---|
//! | `GET` | 200 with the button; records nothing |
//! | `POST` | 200 "recorded at …", or 200 "already acknowledged at …" (the first time is kept) |
//! | either, token not signed with `notify.acknowledge.secret` | 404 |
//! | `POST`, a signed token naming no message | 404, the same page as a forged token |
//! | either, no `notify.acknowledge` in `roster.yaml` | 404, the same page |
//! | `POST`, the message is not marked sent | 409 |
//! | `POST`, the outbox or the journal cannot be written | 503; the recipient tries again |
//!
//! A `GET` checks only the signature (no database read), so a forged link costs nothing; the
//! `POST` finds out whether the message exists.
//!
//! The token is never logged, and the pages never repeat it: the form posts to the page's own
//! address. Pages are not cached and send no `Referer` onwards.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use roster_notify::outbox::{Acknowledged, OutboxError};
use roster_service::notify::{self, NotifyError};

use crate::app::App;

/// `GET /ack/{token}`: the page with the button, for a token roster signed; nothing recorded.
pub async fn show(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    if !signed(&app, &token) {
        return not_found();
    }
    page(
        StatusCode::OK,
        "Acknowledge this message",
        "<p>Press the button to confirm you have read the message that brought you here.</p>\n\
         <form method=\"post\"><button type=\"submit\">I have read it</button></form>",
    )
}

/// `POST /ack/{token}`: records the acknowledgement in the outbox and the org's journal.
pub async fn record(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    if !signed(&app, &token) {
        return not_found();
    }
    let recorded = app
        .blocking(move |app| notify::acknowledge(&app.workspace, &token))
        .await;
    match recorded {
        Ok(Acknowledged::Now(at)) => {
            app.metrics.acknowledged();
            tracing::info!("recorded an acknowledgement");
            page(
                StatusCode::OK,
                "Thank you",
                &format!("<p>Thank you: your acknowledgement was recorded at {at}.</p>"),
            )
        }
        Ok(Acknowledged::Before(at)) => page(
            StatusCode::OK,
            "Already acknowledged",
            &format!("<p>This message was already acknowledged at {at}. Nothing more to do.</p>"),
        ),
        Err(
            NotifyError::NotConfigured
            | NotifyError::BadToken
            | NotifyError::UnknownMessage
            | NotifyError::Outbox(OutboxError::NotFound { .. }),
        ) => not_found(),
        Err(NotifyError::Outbox(OutboxError::WrongState { .. })) => page(
            StatusCode::CONFLICT,
            "Not yet",
            "<p>This message is not marked as sent yet, so it cannot be acknowledged. \
             Try the link again later.</p>",
        ),
        Err(error) => {
            tracing::error!(
                error = %roster_service::error_chain(&error),
                "cannot record an acknowledgement"
            );
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again later",
                "<p>Your acknowledgement could not be recorded just now. \
                 Open the link again later.</p>",
            )
        }
    }
}

/// Whether `token` carries roster's signature. Checked before anything is read, so a forged
/// token costs no database access.
fn signed(app: &App, token: &str) -> bool {
    app.acknowledgements
        .as_ref()
        .is_some_and(|signer| signer.verify(token).is_ok())
}

/// The one answer to every link that is not roster's, whatever the reason: it says nothing
/// about which messages exist.
fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Link not recognised",
        "<p>This link is not valid. Open the link from the message again, \
         or ask whoever sent it.</p>",
    )
}

/// A small HTML page; `body` is trusted markup (no caller puts request data in it).
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}
