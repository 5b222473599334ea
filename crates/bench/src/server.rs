//! The team server under load: the release `leadlight-server` on a copy of
//! the benchmark database, hammered by `wrk` (Debian's) on 127.0.0.1. Skipped,
//! saying why, when either is missing.

use crate::report::{Figure, Line};
use leadlight_core::accounts::{self, Credentials};
use leadlight_core::{Store, demo};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// Requests per second and latency percentiles from `wrk --latency` output.
struct Load {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn millis(text: &str) -> Option<f64> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| c.is_ascii_alphabetic())?);
    let value: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        _ => return None,
    })
}

fn parse(output: &str) -> Option<Load> {
    let field = |prefix: &str| {
        output
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned)
    };
    Some(Load {
        per_second: field("Requests/sec:")?.parse().ok()?,
        p50_ms: millis(&field("50%")?)?,
        p99_ms: millis(&field("99%")?)?,
    })
}

/// Measure `GET /api/leads/{id}`, one search and a mix of searches with
/// `wrk`, appending lines.
pub fn measure(
    server: &Path,
    db: &Path,
    scratch: &Path,
    lead: &str,
    terms: &[String],
    lines: &mut Vec<Line>,
) -> Result<(), String> {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("server under load: skipped (no wrk; apt-get install wrk)");
        return Ok(());
    }
    let dir = scratch.join("server");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::copy(db, dir.join("leadlight.sqlite3")).map_err(|e| e.to_string())?;
    // The server signs tokens with the database's own secret, so the core can
    // sign the demo Admin in directly.
    let token = {
        let store = Store::open(dir.join("leadlight.sqlite3")).map_err(|e| e.to_string())?;
        accounts::login(
            &store,
            Credentials {
                email: demo::DEMO_USERS[0].1.into(),
                password: demo::DEMO_PASSWORD.into(),
            },
        )
        .map_err(|e| e.to_string())?
        .access_token
    };
    let mut child = Command::new(server)
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", server.display()))?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?)
        .read_line(&mut first)
        .map_err(|e| e.to_string())?;
    let base = first.trim().trim_start_matches("listening on ").to_owned();
    let searches: Vec<String> = terms
        .iter()
        .map(|t| format!("/api/leads?q={}", url_encoded(t)))
        .collect();
    // Each request the next search of the mix, round and round.
    let mix = dir.join("searches.lua");
    let listed: Vec<String> = searches.iter().map(|p| format!("\"{p}\"")).collect();
    std::fs::write(
        &mix,
        format!(
            "local paths = {{ {} }}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n",
            listed.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut run = |name: &str,
                   path: &str,
                   script: Option<&Path>,
                   target: &str,
                   at_least: f64|
     -> Result<(), String> {
        // Two seconds untimed first, as every other line has its warm-up
        // pass: what a first search costs is the in-process lines' figure.
        let mut out = None;
        for seconds in ["-d2s", "-d10s"] {
            let mut wrk = Command::new("wrk");
            wrk.args(["-t2", "-c32", seconds, "--latency", "-H"])
                .arg(format!("Authorization: Bearer {token}"));
            if let Some(script) = script {
                wrk.arg("-s").arg(script);
            }
            out = Some(
                wrk.arg(format!("{base}{path}"))
                    .output()
                    .map_err(|e| e.to_string())?,
            );
        }
        let out = out.ok_or("wrk did not run")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if text.contains("Non-2xx") {
            return Err(format!("{path} answered errors under load:\n{text}"));
        }
        let load = parse(&text).ok_or_else(|| format!("cannot read wrk's output:\n{text}"))?;
        lines.push(Line {
            operation: name.into(),
            ours: Figure::Rate {
                per_second: load.per_second,
            },
            raw: None,
            ratio: None,
            target: format!(
                "{target} (p50 {:.2} ms, p99 {:.2} ms)",
                load.p50_ms, load.p99_ms
            ),
            met: Some(load.per_second >= at_least && load.p99_ms < 20.0),
            peak_rss_mb: None,
        });
        Ok(())
    };
    let result = run(
        "server: GET /api/leads/{id} under wrk (32 connections)",
        &format!("/api/leads/{lead}"),
        None,
        ">= 10,000/s, p99 < 20 ms",
        10_000.0,
    )
    .and_then(|()| {
        run(
            &format!("server: search GET /api/leads?q={} under wrk", terms[0]),
            &searches[0],
            None,
            "p99 < 20 ms",
            0.0,
        )
    })
    .and_then(|()| {
        run(
            &format!(
                "server: {} varied searches in turn under wrk",
                searches.len()
            ),
            "/",
            Some(&mix),
            "p99 < 20 ms",
            0.0,
        )
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// `text` as a URL query value: unreserved bytes as they are, the rest
/// percent-encoded (surnames such as "Müller").
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
