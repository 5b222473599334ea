//! `cargo xtask <command>`: the developer entry points.
//!
//! - `run`    builds the UI and opens the desktop app (`--demo`: a demo database).
//! - `test`   installs what is missing, checks formatting and lints, runs every test.
//! - `seed`   fills a data folder with deterministic demo data.
//! - `bench`  measures the services on a million demo leads against raw SQLite.
//! - `bundle` builds the release .deb.
//! - `icons`  remakes icons/ from icons/source.svg.

use leadlight_core::{Store, data_dir, demo};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run  [--data-dir DIR] [--demo]        build the UI and open the desktop app
  test [--long]                         install what is missing; fmt, clippy, UI checks, every test
                                        (--long: 20,000 seeds of the sync simulation instead of 1,000)
  seed --leads N [--seed S] [--data-dir DIR]
                                        fill an empty database with demo data
  bench [--leads N] [--reps N]          release build of the benchmark harness on N demo leads (default 1,000,000);
                                        a table on stdout, JSON in target/bench/latest.json
  bundle                                build the installer: .deb here, .msi on Windows, .dmg on macOS
  icons                                 remake icons/ from icons/source.svg

The data folder defaults to LEADLIGHT_DATA_DIR, else the platform's app-data folder.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bundle") => bundle(),
        Some("icons") => icons(),
        Some("seed") => seed(&args[1..]),
        Some("bench") => bench(&args[1..]),
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
    let demo = args.iter().any(|a| a == "--demo");
    let rest: Vec<String> = args.iter().filter(|a| *a != "--demo").cloned().collect();
    let flags = flags(&rest, &["--data-dir"])?;
    let dir = data_dir::resolve(flag(&flags, "--data-dir").map(PathBuf::from))
        .ok_or("no data folder: pass --data-dir or set LEADLIGHT_DATA_DIR")?;
    // The demo lives beside the real data, never in it.
    let dir = if demo {
        dir.with_file_name(format!(
            "{}-demo",
            dir.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("leadlight")
        ))
    } else {
        dir
    };
    ensure_packages(BUILD_PACKAGES)?;
    build_ui()?;
    if demo {
        let store = Store::open(data_dir::database_path(&dir)).map_err(|e| e.to_string())?;
        if leadlight_core::accounts::needs_first_account(&store).map_err(|e| e.to_string())? {
            eprintln!("==> filling the demo database at {}", dir.display());
            demo::generate(
                &store,
                demo::DemoSpec {
                    leads: 5_000,
                    seed: 42,
                },
                |_, _| {},
            )
            .map_err(|e| e.to_string())?;
        }
        eprintln!(
            "==> demo: sign in as {} (Admin) or {} (Agent), password {}",
            demo::DEMO_USERS[0].1,
            demo::DEMO_USERS[3].1,
            demo::DEMO_PASSWORD
        );
    }
    let dir = dir.to_string_lossy().into_owned();
    step(
        "app",
        "cargo",
        &["run", "--package", "leadlight", "--", "--data-dir", &dir],
    )
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
    step_in(&workspace_root(), &[], name, program, args)
}

/// Run a command in `dir` with extra environment variables; fail with its
/// name if it fails.
fn step_in(
    dir: &Path,
    env: &[(&str, &OsStr)],
    name: &str,
    program: &str,
    args: &[&str],
) -> Result<(), String> {
    eprintln!("==> {name}: {program} {}", args.join(" "));
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
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

/// The real app under WebDriver: Xvfb for a display, a private D-Bus session
/// for notifications (shared/DESKTOP-TESTING.md); the test starts dunst,
/// dbus-monitor and tauri-driver itself. Screenshots land in
/// target/e2e-artifacts.
fn desktop_end_to_end() -> Result<(), String> {
    ensure_tauri_driver()?;
    step(
        "desktop end-to-end",
        "xvfb-run",
        &[
            "-a",
            "-s",
            "-screen 0 1280x820x24",
            "dbus-run-session",
            "--",
            "cargo",
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--ignore-default-filter",
            "-E",
            "binary(e2e)",
        ],
    )
}

/// Web mode in a real browser: the team server on a free port and a fresh
/// data folder, its embedded UI driven in Debian's headless Chromium by
/// tests/web/web.mjs (playwright-core from npm; no browser is downloaded).
/// Screenshots land in target/web-artifacts.
fn web_end_to_end() -> Result<(), String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let server = target.join("debug/leadlight-server");
    let artifacts = target.join("web-artifacts");
    let web = workspace_root().join("tests/web");
    npm_in(
        &web,
        "web end-to-end packages",
        &["ci", "--no-audit", "--no-fund"],
    )?;
    step_in(
        &web,
        &[
            ("LEADLIGHT_SERVER_BIN", server.as_os_str()),
            ("LEADLIGHT_CHROMIUM", OsStr::new("/usr/bin/chromium")),
            ("LEADLIGHT_WEB_ARTIFACTS", artifacts.as_os_str()),
        ],
        "web end-to-end",
        "node",
        &["web.mjs"],
    )
}

/// The schemathesis version the API is fuzzed with (from PyPI).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Fuzz the server's API from its OpenAPI document (tests/schemathesis):
/// no 5xx, every response as documented. Needs the server binary of the build step.
fn api_fuzz() -> Result<(), String> {
    let target = target_dir();
    let venv = target.join("schemathesis-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        step(
            "schemathesis environment",
            "python3",
            &["-m", "venv", &venv.to_string_lossy()],
        )?;
    }
    let st = venv.join("bin/st");
    if !st.exists() {
        step(
            "schemathesis",
            &python.to_string_lossy(),
            &["-m", "pip", "install", "--quiet", SCHEMATHESIS],
        )?;
    }
    let script = workspace_root().join("tests/schemathesis/run.py");
    step(
        "API fuzzing",
        &python.to_string_lossy(),
        &[
            &script.to_string_lossy(),
            &target.join("debug/leadlight-server").to_string_lossy(),
            &st.to_string_lossy(),
            "15",
        ],
    )
}

/// The benchmark harness on 20,000 leads, so it cannot rot (its figures are
/// not judged here; `cargo xtask bench` is the real run).
fn bench_smoke() -> Result<(), String> {
    let out = target_dir().join("bench-smoke");
    let bench = target_dir().join("debug/leadlight-bench");
    step(
        "benchmark smoke run",
        &bench.to_string_lossy(),
        &[
            "--leads",
            "20000",
            "--reps",
            "10",
            "--out",
            &out.to_string_lossy(),
        ],
    )
}

/// `cargo xtask bench`: the harness in release mode, with the release server
/// under `wrk` (Debian's).
fn bench(args: &[String]) -> Result<(), String> {
    ensure_packages(&["wrk"])?;
    // The server embeds ui/dist: on a fresh clone it does not exist yet.
    build_ui()?;
    step(
        "release server",
        "cargo",
        &[
            "build",
            "--release",
            "--locked",
            "--package",
            "leadlight-server",
        ],
    )?;
    let server = target_dir().join("release/leadlight-server");
    let server = server.to_string_lossy();
    let mut full: Vec<&str> = vec![
        "run",
        "--release",
        "--locked",
        "--package",
        "leadlight-bench",
        "--",
        "--server",
        &server,
    ];
    full.extend(args.iter().map(String::as_str));
    step("benchmark", "cargo", &full)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// tauri-driver comes from crates.io, built once into ~/.cargo/bin.
fn ensure_tauri_driver() -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if home.is_some_and(|h| h.join("bin/tauri-driver").exists()) {
        return Ok(());
    }
    step(
        "tauri-driver",
        "cargo",
        &["install", "tauri-driver", "--version", "^2", "--locked"],
    )
}

fn has_nextest() -> bool {
    Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Debian packages that building the desktop app needs (Tauri 2 on webkit2gtk 4.1).
const BUILD_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libssl-dev",
    "pkg-config",
    "build-essential",
    "file",
    "libxdo-dev",
];

/// Debian packages the tests use: a headless display and WebDriver for the
/// app, a private D-Bus and a notification server, screenshots, pdftotext,
/// and Chromium for the web mode's browser test.
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "dbus-bin",
    "dbus-daemon",
    "dunst",
    "xdotool",
    "imagemagick",
    "poppler-utils",
    // The API fuzzer's virtual environment.
    "python3-venv",
    // close_window.py: the e2e presses the window's close button with it.
    "python3-xlib",
    // tests/web drives it headless through playwright-core.
    "chromium",
];

fn ui_dir() -> PathBuf {
    workspace_root().join("ui")
}

/// Run npm in ui/.
fn npm(name: &str, args: &[&str]) -> Result<(), String> {
    npm_in(&ui_dir(), name, args)
}

/// Run npm in `dir`.
fn npm_in(dir: &Path, name: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {name}: npm {}", args.join(" "));
    let started = Instant::now();
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("{name}: cannot start npm: {e}"))?;
    eprintln!("==> {name}: {:.0}s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

/// Install the UI's packages (as the lock file pins them) and build it into
/// ui/dist, which the desktop crate embeds. `npm install`, not `npm ci`: with
/// this machine's npm settings the lock omits the Tauri CLI's optional
/// per-platform packages, which `npm ci` then refuses.
fn build_ui() -> Result<(), String> {
    if !ui_dir().join("node_modules/.package-lock.json").exists() {
        npm("ui packages", &["install", "--no-audit", "--no-fund"])?;
    }
    npm("ui build", &["run", "build"])
}

fn bundle() -> Result<(), String> {
    ensure_packages(BUILD_PACKAGES)?;
    build_ui()?;
    // The Tauri CLI comes inside its npm package: nothing is downloaded.
    // The installer this OS makes: .deb here, .msi (WiX) on Windows, .dmg on
    // macOS. AppImage is not offered: its bundler downloads AppRun.
    let kind = if cfg!(target_os = "windows") {
        "msi"
    } else if cfg!(target_os = "macos") {
        "dmg"
    } else {
        "deb"
    };
    eprintln!("==> bundle: tauri build --bundles {kind}");
    let status = Command::new(ui_dir().join("node_modules/.bin/tauri"))
        .args(["build", "--bundles", kind])
        .current_dir(workspace_root().join("src-tauri"))
        .status()
        .map_err(|e| format!("bundle: cannot start the tauri CLI: {e}"))?;
    if !status.success() {
        return Err(format!("bundle failed ({status})"));
    }
    say(&format!("built target/release/bundle/{kind}/"));
    Ok(())
}

/// Remake every icon size from icons/source.svg (rsvg-convert, then the Tauri
/// CLI's icon command); the desktop bundles need only the sizes kept here.
fn icons() -> Result<(), String> {
    ensure_packages(&["librsvg2-bin"])?;
    let root = workspace_root();
    step(
        "icons",
        "rsvg-convert",
        &[
            "-w",
            "1024",
            "-h",
            "1024",
            "icons/source.svg",
            "-o",
            "icons/source.png",
        ],
    )?;
    let tauri = ui_dir().join("node_modules/.bin/tauri");
    let status = Command::new(&tauri)
        .args(["icon", "icons/source.png", "-o", "icons"])
        .current_dir(&root)
        .status()
        .map_err(|e| format!("icons: cannot start the tauri CLI: {e}"))?;
    if !status.success() {
        return Err(format!("icons failed ({status})"));
    }
    for mobile in ["android", "ios"] {
        let _ = std::fs::remove_dir_all(root.join("icons").join(mobile));
    }
    Ok(())
}

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

fn test(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    // `--long`: the nightly-style run, with many more seeds of the sync
    // simulation (1,000 otherwise).
    let long = match args {
        [] => false,
        [flag] if flag == "--long" => true,
        other => return Err(format!("xtask test takes only --long, not {other:?}")),
    };
    let sync_seeds = OsStr::new(if long { "20000" } else { "1000" });
    ensure_packages(BUILD_PACKAGES)?;
    ensure_packages(TEST_PACKAGES)?;
    npm("ui packages", &["install", "--no-audit", "--no-fund"])?;
    npm("ui build", &["run", "build"])?;
    npm("ui type check", &["run", "check"])?;
    npm("ui tests", &["test"])?;
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
    // Everything at once, with the one feature set every later step shares
    // (building the app or the server alone would resolve features apart
    // and compile much of the tree a second time).
    step(
        "build",
        "cargo",
        &["build", "--workspace", "--all-targets", "--locked"],
    )?;
    desktop_end_to_end()?;
    web_end_to_end()?;
    api_fuzz()?;
    bench_smoke()?;
    let seeds = [("LEADLIGHT_SYNC_SEEDS", sync_seeds)];
    if has_nextest() {
        step_in(
            &workspace_root(),
            &seeds,
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
        step_in(
            &workspace_root(),
            &seeds,
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
