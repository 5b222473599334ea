//! Email of due reminders and new assignments (optional: on only when an SMTP
//! server is configured). A background task asks the core's outbox what is
//! waiting, sends each item to its own user and marks it sent; a failed send
//! is tried again on the next round.

use leadlight_core::{Store, Timestamp, outbox};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// How often the outbox is looked at.
const TICK: Duration = Duration::from_secs(2);
/// How far back a freshly started mailer catches up (what fell due while the
/// server was down); older items are not mailed.
const CATCH_UP_MS: i64 = 24 * 60 * 60 * 1000;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Security {
    /// Plain SMTP (a relay on the same machine or a test sink).
    None,
    /// Upgrade with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and as whom email is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: Option<u16>,
    pub security: Security,
    pub from: Mailbox,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl MailSettings {
    fn transport(&self) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
        let mut builder = match self.security {
            Security::None => SmtpTransport::builder_dangerous(&self.host),
            Security::Starttls => SmtpTransport::starttls_relay(&self.host)?,
            Security::Tls => SmtpTransport::relay(&self.host)?,
        };
        if let Some(port) = self.port {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.timeout(Some(Duration::from_secs(20))).build())
    }
}

/// Start the mailer on `store`.
pub fn spawn(store: Store, settings: MailSettings) -> Result<(), String> {
    let transport = settings
        .transport()
        .map_err(|e| format!("SMTP settings: {e}"))?;
    let since = Timestamp::from_millis(store.now().millis() - CATCH_UP_MS);
    tracing::info!(host = %settings.host, "email of reminders and assignments is on");
    tokio::spawn(async move {
        loop {
            let (store, transport, from) =
                (store.clone(), transport.clone(), settings.from.clone());
            let round =
                tokio::task::spawn_blocking(move || send_waiting(&store, &transport, &from, since));
            if let Ok(Err(error)) = round.await {
                tracing::warn!(%error, "the mailer's round failed");
            }
            tokio::time::sleep(TICK).await;
        }
    });
    Ok(())
}

fn send_waiting(
    store: &Store,
    transport: &SmtpTransport,
    from: &Mailbox,
    since: Timestamp,
) -> leadlight_core::CoreResult<()> {
    for item in outbox::pending(store, since, 50)? {
        let message = match compose(from, &item) {
            Ok(message) => message,
            Err(error) => {
                // An address SMTP cannot take will not improve: skip it for good.
                tracing::warn!(%error, subject = %item.subject_key, "cannot address this email");
                outbox::mark_sent(store, &item.subject_key)?;
                continue;
            }
        };
        match transport.send(&message) {
            Ok(_) => outbox::mark_sent(store, &item.subject_key)?,
            Err(error) => {
                tracing::warn!(%error, "SMTP refused an email; trying again shortly");
                return Ok(());
            }
        }
    }
    Ok(())
}

fn compose(from: &Mailbox, item: &outbox::Outgoing) -> Result<Message, String> {
    let to = Mailbox::new(
        Some(item.to_name.clone()),
        item.to_email.parse().map_err(|e| format!("{e}"))?,
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(item.subject.clone())
        .body(item.body.clone())
        .map_err(|e| e.to_string())
}
