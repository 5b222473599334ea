//! `leadlight-server`: the team server. Flags and their environment variables
//! are documented by `leadlight-server --help`.

use clap::Parser;
use leadlight_core::{Store, StoreOptions, data_dir};
use leadlight_server::{MailSettings, RateConfig, Security, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Leadlight's team server: the REST API (docs at /api/docs) and the web UI
/// at /, over an embedded SQLite database.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address and port to listen on (port 0 picks a free one; the address
    /// in use is printed on start).
    #[arg(long, env = "LEADLIGHT_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,

    /// The data folder holding the database (default: a "server" folder in
    /// the platform's app data folder).
    #[arg(long, env = "LEADLIGHT_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// A file whose contents (at least 32 bytes) sign access tokens. Without
    /// it the database keeps a random secret of its own.
    #[arg(long, env = "LEADLIGHT_JWT_SECRET_FILE")]
    jwt_secret_file: Option<PathBuf>,

    /// An origin (scheme://host[:port]) whose pages may call the API; repeat
    /// or comma-separate for several. CORS is off without one.
    #[arg(long, env = "LEADLIGHT_CORS_ORIGIN", value_delimiter = ',')]
    cors_origin: Vec<String>,

    /// Sign-in, registration, refresh and enquiry attempts a client address
    /// may make at once ...
    #[arg(long, env = "LEADLIGHT_RATE_BURST", default_value_t = 10)]
    rate_burst: u32,

    /// ... and the seconds after which one more is allowed.
    #[arg(long, env = "LEADLIGHT_RATE_PERIOD_SECONDS", default_value_t = 6)]
    rate_period_seconds: u64,

    /// Days the sync journal is kept for desktops that are away; a desktop
    /// away longer resyncs in full when it comes back.
    #[arg(
        long,
        env = "LEADLIGHT_SYNC_RETENTION_DAYS",
        default_value_t = leadlight_core::sync::DEFAULT_RETENTION_DAYS
    )]
    sync_retention_days: u32,

    /// An SMTP server to email due reminders and new assignments through;
    /// email is off without one.
    #[arg(long, env = "LEADLIGHT_SMTP_HOST", help_heading = "Email")]
    smtp_host: Option<String>,

    /// Its port (default: 587 with starttls, 465 with tls, 25 with none).
    #[arg(long, env = "LEADLIGHT_SMTP_PORT", help_heading = "Email")]
    smtp_port: Option<u16>,

    /// How the connection is protected.
    #[arg(
        long,
        env = "LEADLIGHT_SMTP_SECURITY",
        value_enum,
        default_value = "starttls",
        help_heading = "Email"
    )]
    smtp_security: Security,

    /// The sender, e.g. "Leadlight <crm@example.com>" (required with --smtp-host).
    #[arg(long, env = "LEADLIGHT_SMTP_FROM", help_heading = "Email")]
    smtp_from: Option<String>,

    /// User name for SMTP authentication.
    #[arg(long, env = "LEADLIGHT_SMTP_USERNAME", help_heading = "Email")]
    smtp_username: Option<String>,

    /// A file holding the SMTP password (kept out of the command line).
    #[arg(long, env = "LEADLIGHT_SMTP_PASSWORD_FILE", help_heading = "Email")]
    smtp_password_file: Option<PathBuf>,
}

/// The email settings, if email is configured.
fn mail_settings(args: &Args) -> Result<Option<MailSettings>, String> {
    let Some(host) = args.smtp_host.clone().filter(|h| !h.trim().is_empty()) else {
        return Ok(None);
    };
    let from = args
        .smtp_from
        .as_deref()
        .ok_or("--smtp-from is required with --smtp-host")?
        .parse()
        .map_err(|e| format!("--smtp-from: {e}"))?;
    let password = match &args.smtp_password_file {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .map(|p| p.trim_end_matches(['\r', '\n']).to_owned())
                .map_err(|e| format!("cannot read --smtp-password-file {}: {e}", file.display()))?,
        ),
        None => None,
    };
    Ok(Some(MailSettings {
        host,
        port: args.smtp_port,
        security: args.smtp_security,
        from,
        username: args.smtp_username.clone(),
        password,
    }))
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("leadlight-server: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let mail = mail_settings(&args)?;
    let dir = args
        .data_dir
        .or_else(|| data_dir::resolve(None).map(|d| d.join("server")))
        .ok_or("no data folder; pass --data-dir DIR or set LEADLIGHT_DATA_DIR")?;
    let token_secret = match &args.jwt_secret_file {
        Some(file) => Some(
            std::fs::read(file)
                .map(|bytes| bytes.trim_ascii().to_vec())
                .map_err(|e| format!("cannot read --jwt-secret-file {}: {e}", file.display()))?,
        ),
        None => None,
    };
    let store = Store::open_with(
        data_dir::database_path(&dir),
        StoreOptions {
            token_secret,
            ..StoreOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    // A team server arbitrates sync: its changes keep field clocks from now.
    leadlight_core::sync::arbitrate(&store).map_err(|e| e.to_string())?;
    let cors_origins = args
        .cors_origin
        .iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| {
            o.trim()
                .parse()
                .map_err(|_| format!("--cors-origin {o:?} is not a valid origin"))
        })
        .collect::<Result<_, _>>()?;
    let settings = Settings {
        cors_origins,
        rate: RateConfig {
            burst: args.rate_burst.max(1),
            every: Duration::from_secs(args.rate_period_seconds.max(1)),
        },
    };
    // The blocking pool runs the core, which needs one of the store's pooled
    // SQLite connections per call: threads past that only queue on the
    // pool's lock (under 32 concurrent reads, a third of the CPU went to
    // threads waking and sleeping). Extra calls wait in tokio's queue instead.
    // Nor more than two per core, four at least (a long export or import
    // holds one): on 2 cores, 4 threads instead of 8 took GET /api/leads/{id}
    // from 22-23k to 25-29k req/s and 50 varied searches' p99 from 24-30 to
    // 18-21 ms under wrk (runs taken by turns).
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads((2 * cores).clamp(4, leadlight_core::Store::CONNECTIONS))
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        if let Some(mail) = mail {
            leadlight_server::start_mailer(store.clone(), mail)?;
        }
        leadlight_server::start_purger(store.clone(), args.sync_retention_days);
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        // The first line on stdout, for scripts and tests that bind port 0.
        #[allow(clippy::print_stdout)]
        {
            println!("listening on http://{address}");
        }
        tracing::info!(data = %dir.display(), "Leadlight server on http://{address} (docs at /api/docs)");
        leadlight_server::serve(listener, leadlight_server::app(store, &settings), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
    })
}
