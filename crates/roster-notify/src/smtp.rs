//! Where an SMTP server is and how to talk to it, read from the URL `notify.channels` gives
//! (`smtp://host:port`, `smtp://host:port?tls=starttls`, `smtps://host:port`): one reading,
//! used by the manifest's validation and by the email channel.

/// Where an SMTP server is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// Host name or IP address.
    pub host: String,
    /// Port (default 25 for `smtp://`, 587 with `?tls=starttls`, 465 for `smtps://`).
    pub port: u16,
    /// Whether and how the connection is encrypted.
    pub tls: SmtpTls,
}

/// How an SMTP connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Not at all (`smtp://`): a relay on the same host or network only.
    None,
    /// Upgraded with `STARTTLS` (`smtp://...?tls=starttls`); refused if the server cannot.
    Starttls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// Why an SMTP URL is refused, in words a diagnostic shows as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{url}` {problem}")]
pub struct SmtpUrlError {
    url: String,
    problem: &'static str,
}

/// Reads `smtp://host[:port][?tls=starttls]` or `smtps://host[:port]`.
///
/// # Errors
///
/// [`SmtpUrlError`] says what is wrong: another scheme, no host, a bad port, credentials in
/// the URL (they belong in `username` and `password`, by reference), another query.
pub fn parse_smtp_url(url: &str) -> Result<SmtpServer, SmtpUrlError> {
    let refuse = |problem| SmtpUrlError {
        url: url.to_owned(),
        problem,
    };
    let (implicit, rest) = if let Some(rest) = url.strip_prefix("smtps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("smtp://") {
        (false, rest)
    } else {
        return Err(refuse("is not an `smtp://` or `smtps://` URL"));
    };
    let (authority, query) = match rest.split_once('?') {
        Some((authority, query)) => (authority, Some(query)),
        None => (rest, None),
    };
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    if let Some((_, host)) = authority.rsplit_once('@') {
        // Never repeat the credentials: the message ends up in CI logs.
        let scheme = if implicit { "smtps" } else { "smtp" };
        return Err(SmtpUrlError {
            url: format!("{scheme}://<redacted>@{host}"),
            problem: "has credentials in it",
        });
    }
    if authority.contains('/') {
        return Err(refuse("has a path; an SMTP server has none"));
    }
    let starttls = match query {
        None => false,
        Some("tls=starttls") if !implicit => true,
        Some("tls=starttls") => return Err(refuse("asks for STARTTLS over TLS")),
        Some(_) => return Err(refuse("has a query other than `?tls=starttls`")),
    };
    let (host, port) = split_host_port(authority).ok_or_else(|| refuse("has a bad port"))?;
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return Err(refuse("has no host"));
    }
    let (tls, default_port) = match (implicit, starttls) {
        (true, _) => (SmtpTls::Implicit, 465),
        (false, true) => (SmtpTls::Starttls, 587),
        (false, false) => (SmtpTls::None, 25),
    };
    Ok(SmtpServer {
        host: host.to_owned(),
        port: port.unwrap_or(default_port),
        tls,
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; `None` if a port is written and is not one.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    match port {
        None => Some((host, None)),
        Some(port) => match port.parse::<u16>() {
            Ok(number) if number > 0 && port.bytes().all(|b| b.is_ascii_digit()) => {
                Some((host, Some(number)))
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_a_host_a_port_and_how_to_encrypt() {
        let server = |host: &str, port, tls| SmtpServer {
            host: host.to_owned(),
            port,
            tls,
        };
        assert_eq!(
            parse_smtp_url("smtp://127.0.0.1:2525"),
            Ok(server("127.0.0.1", 2525, SmtpTls::None))
        );
        assert_eq!(
            parse_smtp_url("smtp://mail.acme.example?tls=starttls"),
            Ok(server("mail.acme.example", 587, SmtpTls::Starttls))
        );
        assert_eq!(
            parse_smtp_url("smtps://mail.acme.example/"),
            Ok(server("mail.acme.example", 465, SmtpTls::Implicit))
        );
        assert_eq!(
            parse_smtp_url("smtp://[::1]:25"),
            Ok(server("::1", 25, SmtpTls::None))
        );
        for (bad, problem) in [
            (
                "http://mail.acme.example",
                "is not an `smtp://` or `smtps://` URL",
            ),
            (
                "mail.acme.example:25",
                "is not an `smtp://` or `smtps://` URL",
            ),
            ("smtp://", "has no host"),
            ("smtp://:25", "has no host"),
            ("smtp://mail:0", "has a bad port"),
            ("smtp://mail:smtp", "has a bad port"),
            ("smtp://mail:70000", "has a bad port"),
            ("smtp://mail/relay", "has a path; an SMTP server has none"),
            (
                "smtp://mail?tls=required",
                "has a query other than `?tls=starttls`",
            ),
            ("smtps://mail?tls=starttls", "asks for STARTTLS over TLS"),
        ] {
            let error = parse_smtp_url(bad).unwrap_err();
            assert_eq!(error.to_string(), format!("`{bad}` {problem}"), "{bad}");
        }
        assert_eq!(
            parse_smtp_url("smtp://user:pw@mail:25")
                .unwrap_err()
                .to_string(),
            "`smtp://<redacted>@mail:25` has credentials in it"
        );
    }
}
