//! Where verification, MFA and password-reset messages go: the development outbox, or an SMTP
//! server (the `lettre` crate) when one is configured.
//!
//! Configuration (environment, read when a message is sent):
//! - `AMPSTACK_SMTP_URL`: `smtp://host:port` (plain), `smtp://host:587?tls=required` (STARTTLS),
//!   `smtps://user:password@host:465` (TLS) — lettre's URL syntax. When set, messages go by SMTP
//!   and never to the outbox.
//! - `AMPSTACK_SMTP_FROM`: the From address (default `no-reply@ampstack.localhost`).
//! - `AMPSTACK_MODE=production`: the outbox is off (no message is stored or printed, and
//!   `GET /_ampstack/outbox` answers 404); without SMTP, sending a code fails with
//!   `CodeDeliveryFailureException` instead.
//!
//! Only email addresses are delivered by SMTP; SMS (phone numbers) stays in the outbox in
//! sandbox mode and fails in production mode (no SMS gateway yet).

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::error::AuthError;

/// How messages leave this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The development outbox (sandbox mode without SMTP).
    Outbox,
    /// An SMTP server.
    Smtp { url: String, from: String },
    /// Production mode without SMTP: nothing can be delivered.
    Unavailable,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Whether the server runs in production mode (`AMPSTACK_MODE=production`).
pub fn production() -> bool {
    env("AMPSTACK_MODE").is_some_and(|m| m.eq_ignore_ascii_case("production"))
}

/// The delivery for a message to `to` under the current environment.
pub fn delivery_for(to: &str) -> Delivery {
    let is_email = to.contains('@');
    match env("AMPSTACK_SMTP_URL") {
        Some(url) if is_email => Delivery::Smtp { url, from: env("AMPSTACK_SMTP_FROM").unwrap_or_else(|| "no-reply@ampstack.localhost".into()) },
        _ if production() => Delivery::Unavailable,
        _ => Delivery::Outbox,
    }
}

/// Sends one plain-text message by SMTP.
pub async fn send_smtp(url: &str, from: &str, to: &str, subject: &str, body: &str) -> Result<(), AuthError> {
    let failure = |what: &str, e: &dyn std::fmt::Display| {
        tracing::warn!("auth: SMTP delivery to {to} failed: {what}: {e}");
        AuthError::CodeDeliveryFailure(format!("Unable to deliver the message to {}.", crate::users::mask(to)))
    };
    let from: Mailbox = from.parse().map_err(|e| failure("bad AMPSTACK_SMTP_FROM", &e))?;
    let to_box: Mailbox = to.parse().map_err(|_| AuthError::InvalidParameter(format!("Invalid email address format: {to}")))?;
    let msg = Message::builder().from(from).to(to_box).subject(subject).header(ContentType::TEXT_PLAIN).body(body.to_string()).map_err(|e| failure("building the message", &e))?;
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| failure("bad AMPSTACK_SMTP_URL", &e))?.timeout(Some(std::time::Duration::from_secs(15))).build();
    transport.send(msg).await.map_err(|e| failure("sending", &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_only_for_email_addresses_and_never_the_outbox_in_production() {
        // One test so the environment changes do not race other tests of this module.
        std::env::remove_var("AMPSTACK_SMTP_URL");
        std::env::remove_var("AMPSTACK_MODE");
        assert_eq!(delivery_for("a@example.com"), Delivery::Outbox);
        std::env::set_var("AMPSTACK_MODE", "production");
        assert_eq!(delivery_for("a@example.com"), Delivery::Unavailable);
        assert_eq!(delivery_for("+15550100"), Delivery::Unavailable);
        std::env::set_var("AMPSTACK_SMTP_URL", "smtp://127.0.0.1:2525");
        std::env::set_var("AMPSTACK_SMTP_FROM", "App <app@example.com>");
        assert_eq!(delivery_for("a@example.com"), Delivery::Smtp { url: "smtp://127.0.0.1:2525".into(), from: "App <app@example.com>".into() });
        assert_eq!(delivery_for("+15550100"), Delivery::Unavailable);
        std::env::remove_var("AMPSTACK_MODE");
        assert_eq!(delivery_for("+15550100"), Delivery::Outbox);
        std::env::remove_var("AMPSTACK_SMTP_URL");
        std::env::remove_var("AMPSTACK_SMTP_FROM");
    }
}
