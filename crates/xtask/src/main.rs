//! `cargo xtask <command>`: the developer entry points.
//!
//! - `run`  opens Leadlight on the default (or given) data folder.
//! - `test` checks formatting and lints, then runs every test.
//! - `seed` fills a data folder with deterministic demo data.

use leadlight_core::{Store, data_dir, demo};
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run  [--data-dir DIR]                 open Leadlight on its database
  test                                  fmt check, clippy -D warnings, every test
  seed --leads N [--seed S] [--data-dir DIR]
                                        fill an empty database with demo data

The data folder defaults to LEADLIGHT_DATA_DIR, else the platform's app-data folder.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("seed") => seed(&args[1..]),
        Some("-h" | "--help" | "help") => {
            say(USAGE);
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::print_stdout)]
fn say(text: &str) {
    println!("{text}");
}

/// `--name value` from the arguments, rejecting anything unknown.
fn flags(args: &[String], known: &[&str]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown argument '{flag}'\n\n{USAGE}"));
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        out.push((flag.clone(), value.clone()));
    }
    Ok(out)
}

fn flag<'a>(flags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    flags
        .iter()
        .find(|(f, _)| f == name)
        .map(|(_, v)| v.as_str())
}

fn open_store(dir: Option<&str>) -> Result<Store, String> {
    let dir = data_dir::resolve(dir.map(PathBuf::from))
        .ok_or("no data folder: pass --data-dir or set LEADLIGHT_DATA_DIR")?;
    Store::open(data_dir::database_path(&dir)).map_err(|e| e.to_string())
}

fn run(args: &[String]) -> Result<(), String> {
    let flags = flags(args, &["--data-dir"])?;
    let store = open_store(flag(&flags, "--data-dir"))?;
    let counts = leadlight_core::stats::counts(&store).map_err(|e| e.to_string())?;
    say(&format!(
        "Leadlight database ready at {}\n  {} users, {} leads, {} customers, {} pending reminders\n\n\
         The desktop window is not built yet: it arrives with the desktop issue (#5).\n\
         Until then this command opens (and creates or migrates) the database the app will use,\n\
         and `cargo xtask seed --leads 2000` fills an empty one with demo data.",
        store.path().display(),
        counts.users,
        counts.leads,
        counts.customers,
        counts.pending_reminders,
    ));
    Ok(())
}

fn seed(args: &[String]) -> Result<(), String> {
    let flags = flags(args, &["--leads", "--seed", "--data-dir"])?;
    let leads: u64 = flag(&flags, "--leads")
        .ok_or("seed needs --leads N")?
        .replace('_', "")
        .parse()
        .map_err(|_| "--leads takes a whole number")?;
    let seed: u64 = flag(&flags, "--seed")
        .unwrap_or("42")
        .parse()
        .map_err(|_| "--seed takes a whole number")?;
    let store = open_store(flag(&flags, "--data-dir"))?;
    let started = Instant::now();
    let mut last_report = Instant::now();
    let summary = demo::generate(&store, demo::DemoSpec { leads, seed }, |done, total| {
        if last_report.elapsed().as_secs() >= 2 || done == total {
            last_report = Instant::now();
            eprintln!("  {done}/{total} leads");
        }
    })
    .map_err(|e| e.to_string())?;
    say(&format!(
        "seeded {} in {:.1}s: {} users, {} leads, {} activities, {} notes, {} reminders, {} customers\n\
         sign in as {} (Admin), {} (Manager) or {} (Agent) with the password {}",
        store.path().display(),
        started.elapsed().as_secs_f64(),
        summary.users,
        summary.leads,
        summary.activities,
        summary.notes,
        summary.reminders,
        summary.customers,
        demo::DEMO_USERS[0].1,
        demo::DEMO_USERS[1].1,
        demo::DEMO_USERS[3].1,
        demo::DEMO_PASSWORD,
    ));
    Ok(())
}

/// Run a command from the workspace root; fail with its name if it fails.
fn step(name: &str, program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {name}: {program} {}", args.join(" "));
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("{name}: cannot start {program}: {e}"))?;
    eprintln!("==> {name}: {:.0}s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

fn has_nextest() -> bool {
    Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Debian packages the tests use: poppler-utils reads the PDF report back.
const TEST_PACKAGES: &[&str] = &["poppler-utils"];

/// Install the Debian packages that are missing (CI and fresh machines).
fn ensure_packages(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg")
                .args(["-s", p])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let (program, prefix): (&str, &[&str]) = if root {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    let mut update: Vec<&str> = prefix.to_vec();
    update.extend(["update", "-qq"]);
    step("install packages", program, &update)?;
    let mut install: Vec<&str> = prefix.to_vec();
    install.extend(["install", "-y", "-qq", "--no-install-recommends"]);
    install.extend(&missing);
    step("install packages", program, &install)
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    ensure_packages(TEST_PACKAGES)?;
    step("format", "cargo", &["fmt", "--all", "--", "--check"])?;
    step(
        "lint",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    if has_nextest() {
        step(
            "tests",
            "cargo",
            &[
                "nextest",
                "run",
                "--workspace",
                "--locked",
                "--no-fail-fast",
            ],
        )?;
    } else {
        step(
            "tests",
            "cargo",
            &["test", "--workspace", "--locked", "--no-fail-fast"],
        )?;
    }
    eprintln!(
        "==> all checks passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
