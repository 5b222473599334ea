//! The real app binary under WebDriver (tauri-driver + WebKitWebDriver), as a
//! new user would use it. Run by `cargo xtask test` inside `xvfb-run` and
//! `dbus-run-session` (see shared/DESKTOP-TESTING.md); the test starts its own
//! notification server and watches the session bus for notifications.
//! Screenshots of every screen go to target/e2e-artifacts/.

// A panic is how a scenario reports failure, helpers included.
#![allow(clippy::unwrap_used)]

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Kill(Vec<Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    target.join("debug/leadlight")
}

fn artifacts() -> PathBuf {
    let dir = workspace().join("target/e2e-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool(name: &str) -> PathBuf {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"))
        .join("bin")
        .join(name);
    if cargo_bin.exists() {
        cargo_bin
    } else {
        PathBuf::from(name)
    }
}

async fn wait_for(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

async fn wait_for_text(client: &Client, css: &str, text: &str) -> Element {
    let started = Instant::now();
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.text().await.unwrap_or_default().contains(text)
        {
            return element;
        }
        if started.elapsed() > Duration::from_secs(20) {
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(artifacts().join("failure.png"), png);
            }
            panic!("{css} never showed {text:?} (see target/e2e-artifacts/failure.png)");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn click_text(client: &Client, tag: &str, text: &str) {
    let xpath = format!("//{tag}[contains(normalize-space(.), '{text}')]");
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no {tag} with {text:?}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn fill(client: &Client, css: &str, value: &str) {
    let input = wait_for(client, css).await;
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

async fn shot(client: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(400)).await;
    let png = client.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

/// Set an input's value the way typing would (for inputs WebDriver cannot
/// type into, such as datetime-local).
async fn set_value(client: &Client, css: &str, value: &str) {
    client
        .execute(
            "const el = document.querySelector(arguments[0]);
             Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, arguments[1]);
             el.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

/// Wait for a native dialog titled `title`, focus it, then press `keys`
/// (xdotool arguments, one command each).
async fn answer_dialog(title: &str, keys: &[Vec<&str>]) {
    let started = Instant::now();
    let window = loop {
        let out = Command::new("xdotool")
            .args(["search", "--name", title])
            .output()
            .unwrap();
        if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
            break id.to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no dialog titled {title:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    Command::new("xdotool")
        .args(["windowfocus", "--sync", &window])
        .status()
        .unwrap();
    for (i, args) in keys.iter().enumerate() {
        if i + 1 == keys.len() {
            // What the dialog showed before its last key, for a failure's story.
            let shot = artifacts().join(format!("dialog-{}.png", title.replace(' ', "-")));
            let _ = Command::new("import")
                .args(["-window", "root"])
                .arg(&shot)
                .status();
        }
        Command::new("xdotool").args(args).status().unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
}

/// The app's visible main window, if it is shown.
fn visible_window() -> Option<String> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Leadlight$"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(str::to_owned)
}

/// Press the window's close button (see close_window.py).
fn close_window(id: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/close_window.py");
    // Debian's Python, which has python3-xlib (not a pyenv one on PATH).
    let status = Command::new("/usr/bin/python3")
        .arg(script)
        .arg(id)
        .status()
        .unwrap();
    assert!(status.success(), "close_window.py failed");
}

/// Wait until the notification log holds every one of `texts`.
async fn wait_for_notification(log: &Path, texts: &[&str]) {
    let started = Instant::now();
    loop {
        let seen = std::fs::read_to_string(log).unwrap_or_default();
        if texts.iter().all(|text| seen.contains(text)) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "no notification with {texts:?} on the bus:\n{seen}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Click the newest notification on screen, as the user would (dunst then
/// reports its default action to the app).
async fn click_notification() {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = Command::new("dunstctl")
        .args(["action", "0"])
        .status()
        .unwrap();
    assert!(status.success(), "dunstctl action failed");
}

/// Show `hash` in the app and wait for its heading.
/// The real team server on a free port with its data in `data`, and its URL.
/// Leads the team server holds before the desktop's first sync.
const TEAM_LEADS: usize = 3_000;

fn team_server(data: &Path) -> (Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(app_binary().with_file_name("leadlight-server"))
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("target/debug/leadlight-server (cargo build --workspace)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, url)
}

async fn visit(client: &Client, hash: &str, heading: &str) {
    client
        .execute("location.hash = arguments[0]", vec![json!(hash)])
        .await
        .unwrap();
    wait_for_text(client, "h1", heading).await;
}

fn local_datetime_in(seconds: i64) -> String {
    let out = Command::new("date")
        .args(["-d", &format!("+{seconds} seconds"), "+%Y-%m-%dT%H:%M:%S"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_user_works_through_the_app() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run under xvfb-run (cargo xtask test does)"
    );
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "run under dbus-run-session"
    );
    let data = tempfile::tempdir().unwrap();
    let notifications = data.path().join("notifications.log");
    let mut children = Kill(Vec::new());
    children.0.push(
        Command::new("dunst")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst"),
    );
    children.0.push(
        Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(std::fs::File::create(&notifications).unwrap())
            .spawn()
            .expect("dbus-monitor"),
    );
    children.0.push(
        Command::new(tool("tauri-driver"))
            .args(["--port", "4444"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver)"),
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let mut caps = serde_json::Map::new();
    caps.insert(
        "tauri:options".into(),
        json!({ "application": app_binary(), "args": ["--data-dir", data.path()] }),
    );
    caps.insert("browserName".into(), Value::from("wry"));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect("http://127.0.0.1:4444")
        .await
        .expect("a WebDriver session with the app");

    // First run: create the Admin account.
    wait_for_text(&client, "h1", "Welcome").await;
    shot(&client, "01-first-run").await;
    fill(&client, "input[name=name]", "Ada Admin").await;
    fill(&client, "input[name=email]", "ada@example.com").await;
    fill(&client, "input[name=password]", "short").await;
    click_text(&client, "button", "Create account").await;
    wait_for_text(&client, ".error", "at least 8 characters").await;
    fill(&client, "input[name=password]", "correct horse battery").await;
    click_text(&client, "button", "Create account").await;
    wait_for_text(&client, "h1", "Dashboard").await;
    shot(&client, "02-dashboard-empty").await;

    // A new lead, with the core's inline validation on the way.
    click_text(&client, "button", "New lead").await;
    fill(&client, "form input[name=email]", "not an email").await;
    click_text(&client, "button", "Create lead").await;
    wait_for_text(&client, "form .error", "is required").await;
    fill(&client, "form input[name=name]", "Grace Hopper").await;
    fill(&client, "form input[name=email]", "grace@navy.example.com").await;
    fill(&client, "form input[name=phone]", "+1 (555) 010-2030").await;
    fill(&client, "form input[name=company]", "US Navy").await;
    shot(&client, "03-new-lead").await;
    click_text(&client, "button", "Create lead").await;
    wait_for_text(&client, "h1", "Grace Hopper").await;

    // A note shows in the timeline.
    fill(
        &client,
        "textarea[aria-label=Note]",
        "Wants a demo next week",
    )
    .await;
    click_text(&client, "button", "Add note").await;
    wait_for_text(&client, "[data-section=timeline]", "Added a note").await;

    // A reminder due in a few seconds pops up as an OS notification.
    set_value(
        &client,
        "input[aria-label='Remind me at']",
        &local_datetime_in(4),
    )
    .await;
    fill(
        &client,
        "input[aria-label='Reminder message']",
        "Call Grace about the demo",
    )
    .await;
    click_text(&client, "button", "Add reminder").await;
    wait_for_text(&client, ".side", "Call Grace about the demo").await;
    shot(&client, "04-lead-detail").await;
    let grace = client
        .execute("return location.hash", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    wait_for_notification(
        &notifications,
        &["Follow up: Grace Hopper", "Call Grace about the demo"],
    )
    .await;

    // Clicking the notification opens Grace's page from anywhere.
    click_text(&client, "a", "Customers").await;
    wait_for_text(&client, "h1", "Customers").await;
    click_notification().await;
    wait_for_text(&client, "h1", "Grace Hopper").await;

    // The notification centre has it too, unread.
    wait_for(&client, "[data-unread]").await;
    client
        .find(Locator::Css("button[aria-expanded]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(
        &client,
        "[role=dialog][aria-label=Notifications]",
        "Follow up: Grace Hopper",
    )
    .await;
    shot(&client, "05a-notifications").await;
    click_text(&client, "button", "Mark all read").await;
    client
        .execute("document.activeElement.blur()", vec![])
        .await
        .unwrap();
    client
        .find(Locator::Css("button[aria-expanded]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The kanban: move Grace from New to Contacted.
    click_text(&client, "a", "Pipeline").await;
    wait_for(&client, "[data-column=new] [data-card='Grace Hopper']").await;
    client
        .execute(
            "const card = document.querySelector(\"[data-column=new] [data-card='Grace Hopper']\");
             const column = document.querySelector('[data-column=contacted]');
             card.dispatchEvent(new DragEvent('dragstart', { bubbles: true }));
             column.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true }));
             column.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true }));",
            vec![],
        )
        .await
        .unwrap();
    wait_for(
        &client,
        "[data-column=contacted] [data-card='Grace Hopper']",
    )
    .await;
    shot(&client, "05-pipeline").await;

    // Found by the phone's digits, whatever the formatting.
    click_text(&client, "a", "Leads").await;
    fill(&client, "input[aria-label='Search leads']", "5550102030").await;
    wait_for(&client, "tr[data-lead='Grace Hopper']").await;
    shot(&client, "06-leads").await;

    // Export to CSV through the real save dialog.
    let export = data.path().join("exported-leads.csv");
    click_text(&client, "button", "Export CSV").await;
    answer_dialog(
        "Export leads",
        &[
            vec!["key", "--clearmodifiers", "ctrl+a"],
            vec!["type", "--delay", "20", export.to_str().unwrap()],
            vec!["key", "Return"],
        ],
    )
    .await;
    wait_for_text(&client, "[role=status]", "Exported 1 lead to").await;
    let csv = std::fs::read_to_string(&export).unwrap();
    assert!(
        csv.contains("Grace Hopper") && csv.contains("US Navy") && csv.contains("contacted"),
        "{csv}"
    );

    // The dashboard shows the reminder in its widget, in both themes.
    click_text(&client, "a", "Dashboard").await;
    wait_for_text(&client, "[data-widget=reminders]", "Grace Hopper").await;
    wait_for_text(&client, "[data-card=total]", "1").await;
    shot(&client, "07-dashboard-light").await;
    click_text(&client, "a", "Settings").await;
    click_text(&client, "label", "Dark").await;
    click_text(&client, "a", "Dashboard").await;
    wait_for_text(&client, "[data-widget=reminders]", "Grace Hopper").await;
    shot(&client, "08-dashboard-dark").await;
    click_text(&client, "a", "Leads").await;
    shot(&client, "09-leads-dark").await;

    // Import a CSV through the real open dialog: two new, one already known.
    let csv_in = data.path().join("contacts.csv");
    std::fs::write(
        &csv_in,
        "Name,E-mail,Phone number\nKatherine Johnson,kj@nasa.example.gov,+1 757 555 0100\n\
         Dorothy Vaughan,dv@nasa.example.gov,\nGrace Again,GRACE@navy.example.com,\n",
    )
    .unwrap();
    click_text(&client, "a", "Import").await;
    click_text(&client, "button", "Choose a CSV file").await;
    // Ctrl+L opens the location bar first (typing "/" opens it too, but eats
    // the next key while it appears); GTK completes file names inline,
    // selected, so Delete drops the completion.
    answer_dialog(
        "Choose a CSV file to import",
        &[
            vec!["key", "--clearmodifiers", "ctrl+l"],
            vec!["type", "--delay", "20", csv_in.to_str().unwrap()],
            vec!["key", "Delete"],
            vec!["key", "Return"],
        ],
    )
    .await;
    wait_for_text(&client, "h2", "Which column fills which field?").await;
    shot(&client, "10-import-mapping").await;
    click_text(&client, "button", "Import 3 rows").await;
    wait_for_text(
        &client,
        "[data-section=import-report]",
        "2 created · 1 skipped as duplicates · 0 rejected",
    )
    .await;
    shot(&client, "11-import-report").await;

    // Back to the pool and claimed again.
    click_text(&client, "a", "Leads").await;
    wait_for(&client, "tr[data-lead='Grace Hopper']").await;
    // A row opens its lead on click (WebDriver will not click a <tr> itself).
    client
        .execute(
            "document.querySelector(\"tr[data-lead='Grace Hopper']\").click()",
            vec![],
        )
        .await
        .unwrap();
    wait_for_text(&client, "h1", "Grace Hopper").await;
    client
        .execute(
            "const s = document.querySelector(\"select[aria-label='Assign to']\");
             s.value = ''; s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    wait_for_text(&client, "dl", "Unclaimed").await;
    click_text(&client, "a", "Unclaimed").await;
    wait_for(&client, "[data-unclaimed='Grace Hopper']").await;
    shot(&client, "13-unclaimed").await;
    click_text(&client, "button", "Claim").await;
    wait_for_text(&client, "dl", "Ada Admin").await;

    // The Admin makes an account for a colleague.
    click_text(&client, "a", "Users").await;
    wait_for_text(&client, "table", "Ada Admin (you)").await;
    fill(
        &client,
        ".add input:not([type=password]):not([type=email])",
        "Alan Agent",
    )
    .await;
    fill(&client, ".add input[type=email]", "alan@example.com").await;
    fill(
        &client,
        ".add input[type=password]",
        "another long password",
    )
    .await;
    click_text(&client, "button", "Create account").await;
    wait_for_text(&client, "table", "alan@example.com").await;
    shot(&client, "12-users").await;
    client
        .find(Locator::XPath(
            "//tr[contains(., 'Alan Agent')]//button[contains(., 'Set password')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(
        &client,
        "input[aria-label='New password']",
        "a fresh long password",
    )
    .await;
    click_text(&client, "button", "Save password").await;
    wait_for_text(
        &client,
        "[role=status]",
        "Alan Agent's password was changed",
    )
    .await;

    // Every screen in both themes, at the default size and at 1024 px wide.
    let screens = [
        ("#/", "Dashboard"),
        ("#/leads", "Leads"),
        (grace.as_str(), "Grace Hopper"),
        ("#/pipeline", "Pipeline"),
        ("#/unclaimed", "Unclaimed"),
        ("#/reminders", "Reminders"),
        ("#/tasks", "Tasks"),
        ("#/customers", "Customers"),
        ("#/import", "Import leads"),
        ("#/reports", "Reports"),
        ("#/users", "Users"),
        ("#/settings", "Settings"),
    ];
    for (theme, label) in [("light", "Light"), ("dark", "Dark")] {
        visit(&client, "#/settings", "Settings").await;
        click_text(&client, "label", label).await;
        for width in [1280, 1024] {
            client.set_window_size(width, 820).await.unwrap();
            for (i, (hash, heading)) in screens.iter().enumerate() {
                visit(&client, hash, heading).await;
                shot(&client, &format!("tour-{theme}-{width}-{i:02}")).await;
            }
        }
        client
            .execute(
                "document.body.dispatchEvent(new KeyboardEvent('keydown', { key: '?', bubbles: true }))",
                vec![],
            )
            .await
            .unwrap();
        wait_for_text(&client, "[role=dialog]", "Keyboard shortcuts").await;
        shot(&client, &format!("tour-{theme}-help")).await;
        client
            .execute(
                "document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))",
                vec![],
            )
            .await
            .unwrap();
    }
    client.set_window_size(1280, 820).await.unwrap();

    // Closing the window keeps Leadlight in the tray: reminders still pop up,
    // four at once as one notification, and clicking it brings the window
    // back on the Reminders page.
    let window = visible_window().expect("the main window is visible");
    close_window(&window);
    let started = Instant::now();
    while visible_window().is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the window stayed open"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let lead_id = grace.trim_start_matches("#/leads/");
    // All four fall due at the same moment, so one pass of the notifier
    // finds them together however long creating them takes (each falling due
    // 3 s after its own creation let a pass split them, now and then).
    let due_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + 4_000;
    for n in 1..=4 {
        let made = client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 window.__TAURI_INTERNALS__.invoke('reminder_create', { input: {
                     lead_id: arguments[0], message: arguments[1],
                     due_at: new Date(arguments[2]).toISOString() } })
                   .then(() => done('ok'), (e) => done(JSON.stringify(e)));",
                vec![
                    json!(lead_id),
                    json!(format!("Batch reminder {n}")),
                    json!(due_ms),
                ],
            )
            .await
            .unwrap();
        assert_eq!(made, json!("ok"));
    }
    wait_for_notification(&notifications, &["4 reminders are due"]).await;
    assert!(
        visible_window().is_none(),
        "a notification must not open the window by itself"
    );
    click_notification().await;
    let started = Instant::now();
    while visible_window().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the window did not come back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for_text(&client, "h1", "Reminders").await;
    wait_for_text(&client, "main", "Batch reminder 4").await;
    shot(&client, "14-reminders-after-click").await;

    // A team server (the real binary, its own data folder) where Ada has an
    // account under the same email and a colleague made a lead: signing in
    // from Settings brings this desktop's leads up and the server's down.
    let server_data = tempfile::tempdir().unwrap();
    let (server, url) = team_server(server_data.path());
    children.0.push(server);
    let http = reqwest::Client::new();
    let answer = |response: reqwest::Response| async move {
        assert!(response.status().is_success(), "{}", response.status());
        response.json::<Value>().await.unwrap()
    };
    answer(
        http.post(format!("{url}/api/auth/register"))
            .json(&json!({ "name": "Ada Admin", "email": "ada@example.com",
                           "password": "the team's password" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let signed_in = answer(
        http.post(format!("{url}/api/auth/login"))
            .json(&json!({ "email": "ada@example.com", "password": "the team's password" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    answer(
        http.post(format!("{url}/api/leads"))
            .bearer_auth(&token)
            .json(&json!({ "name": "Made By The Team", "company": "Head Office" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // The team has been at it a while: 3,000 more leads on the server
    // (written to its database as its own users' work), so the first sync
    // takes long enough to watch its progress.
    let ada_on_server = leadlight_core::Actor::new(
        serde_json::from_value(signed_in["user"]["id"].clone()).unwrap(),
        leadlight_core::Role::Admin,
    );
    let server_store =
        leadlight_core::Store::open(leadlight_core::data_dir::database_path(server_data.path()))
            .unwrap();
    for n in 0..TEAM_LEADS {
        leadlight_core::leads::create(
            &server_store,
            &ada_on_server,
            leadlight_core::leads::NewLead {
                name: format!("Earlier Work {n}"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    drop(server_store);
    visit(&client, "#/settings", "Settings").await;
    wait_for_text(&client, "main", "Team server").await;
    fill(&client, "input[name=server_url]", &url).await;
    fill(&client, "input[name=email]", "ada@example.com").await;
    fill(&client, "input[name=password]", "wrong password").await;
    click_text(&client, "button", "Sign in and sync").await;
    wait_for_text(&client, "main .error", "refused the sign-in").await;
    fill(&client, "input[name=password]", "the team's password").await;
    // Everything the sidebar's sync line says, as it changes (a round can
    // be quicker than a look now and then).
    client
        .execute(
            "window.__syncSaid = [];
             new MutationObserver(() => {
                 const line = document.querySelector('aside .sync');
                 if (line) window.__syncSaid.push(line.textContent);
             }).observe(document.querySelector('aside'),
                        { subtree: true, childList: true, characterData: true });",
            vec![],
        )
        .await
        .unwrap();
    click_text(&client, "button", "Sign in and sync").await;
    // The first sync tells how far it has got, in the sidebar and here.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let line = client.find(Locator::Css("aside .sync")).await;
        if let Ok(line) = line
            && line.text().await.unwrap_or_default().contains("Receiving")
        {
            shot(&client, "15a-first-sync-progress").await;
            break;
        }
        if client
            .find(Locator::XPath("//aside[contains(., 'Synced')]"))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_for_text(&client, "aside", "Synced").await;
    let said: Vec<String> = serde_json::from_value(
        client
            .execute("return window.__syncSaid;", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    let said = said
        .iter()
        .find(|s| s.contains("Receiving"))
        .cloned()
        .unwrap_or_else(|| panic!("the sidebar never said how far the first sync got: {said:?}"));
    let total: usize = said
        .split("Receiving ")
        .nth(1)
        .and_then(|rest| rest.split(" of ").nth(1))
        .and_then(|rest| rest.split(" leads").next())
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no 'Receiving N of M leads' in {said:?}"));
    assert!(
        total > TEAM_LEADS,
        "the whole team's leads (the earlier work, the colleague's, Ada's): {said}"
    );
    wait_for_text(&client, "main", "Synced").await;
    wait_for_text(&client, "aside", "Synced").await;
    shot(&client, "15-team-server-synced").await;
    visit(&client, "#/leads", "Leads").await;
    fill(&client, "input[type=search]", "team").await;
    wait_for_text(&client, "main", "Made By The Team").await;
    shot(&client, "16-leads-after-sync").await;
    let found = answer(
        http.get(format!("{url}/api/leads?q=hopper"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(found["total"], 1, "Grace went up to the server: {found}");

    // A conflict to review: signed out of the server, Ada renames Grace on
    // the desktop; a colleague renames her on the server later; signing in
    // again keeps the later name and lists hers as settled otherwise.
    visit(&client, "#/settings", "Settings").await;
    click_text(&client, "button", "Stop syncing").await;
    wait_for_text(&client, "main", "no longer syncs").await;
    let renamed = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('lead_update', {
                 id: arguments[0], patch: { name: 'Grace (desktop)' } })
               .then(() => done('ok'), (e) => done(JSON.stringify(e)));",
            vec![json!(lead_id)],
        )
        .await
        .unwrap();
    assert_eq!(renamed, json!("ok"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    answer(
        http.put(format!("{url}/api/leads/{lead_id}"))
            .bearer_auth(&token)
            .json(&json!({ "name": "Grace (server, later)" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    fill(&client, "input[name=server_url]", &url).await;
    fill(&client, "input[name=email]", "ada@example.com").await;
    fill(&client, "input[name=password]", "the team's password").await;
    click_text(&client, "button", "Sign in and sync").await;
    wait_for_text(&client, "main", "Settled otherwise on the server").await;
    wait_for_text(&client, "main", "Grace (server, later)").await;
    wait_for_text(&client, "aside", "1 to review").await;
    shot(&client, "17-sync-conflict").await;
    click_text(&client, "button", "Got it").await;
    let started = Instant::now();
    while client
        .find(Locator::XPath(
            "//*[contains(., 'Settled otherwise on the server')]",
        ))
        .await
        .is_ok()
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the conflict stayed listed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // With the tray turned off in Settings, closing the window quits.
    visit(&client, "#/settings", "Settings").await;
    wait_for(&client, "input[name=close_to_tray]:checked").await;
    client
        .find(Locator::Css("input[name=close_to_tray]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "main", "Closing the window quits Leadlight").await;
    let prefs = std::fs::read_to_string(data.path().join("desktop.json")).unwrap();
    assert!(prefs.contains("\"close_to_tray\": false"), "{prefs}");
    let app_running = || {
        Command::new("pgrep")
            .args(["-f", "--", &format!("--data-dir {}", data.path().display())])
            .stdout(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    assert!(app_running(), "pgrep cannot see the app");
    close_window(&visible_window().expect("the main window is visible"));
    let started = Instant::now();
    while app_running() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the app kept running"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The session's app is gone; ending the session may report that.
    let _ = client.close().await;
}
