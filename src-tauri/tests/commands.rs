//! Commands over Tauri's mock runtime: JavaScript gets the core's JSON (and
//! its error shape, `{code, message, fields}`) through the real IPC layer.

// A panic is how a scenario reports failure, helpers included.
#![allow(clippy::unwrap_used)]

use leadlight_app::state::AppState;
use leadlight_app::with_commands;
use leadlight_core::Store;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn app() -> (
    tempfile::TempDir,
    tauri::App<tauri::test::MockRuntime>,
    WebviewWindow<tauri::test::MockRuntime>,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("leadlight.sqlite3")).unwrap();
    let app = with_commands(mock_builder())
        .manage(AppState::new(store))
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (dir, app, window)
}

fn invoke(
    window: &WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux and macOS (http://tauri.localhost on Windows).
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn first_run_sign_in_and_a_lead_through_the_ipc_layer() {
    let (_dir, _app, window) = app();
    let status = invoke(&window, "app_status", json!({})).unwrap();
    assert_eq!(status["needs_first_account"], true);
    assert_eq!(status["user"], Value::Null);

    // Not signed in: the core's unauthenticated error.
    let refused = invoke(&window, "leads_list", json!({ "query": {} })).unwrap_err();
    assert_eq!(refused["code"], "unauthenticated");

    let admin =
        json!({ "name": "Ada", "email": "ada@example.com", "password": "correct horse battery" });
    let user = invoke(&window, "register", json!({ "input": admin })).unwrap();
    assert_eq!(user["role"], "admin");
    let signed_in = invoke(
        &window,
        "sign_in",
        json!({ "input": { "email": "ada@example.com", "password": "correct horse battery" } }),
    )
    .unwrap();
    assert_eq!(signed_in["name"], "Ada");
    assert!(
        signed_in.get("password_hash").is_none(),
        "no secrets reach the web view"
    );

    let lead = invoke(
        &window,
        "lead_create",
        json!({ "input": { "name": "Grace Hopper", "phone": "+1 (555) 010-2030" } }),
    )
    .unwrap();
    let found = invoke(
        &window,
        "leads_list",
        json!({ "query": { "q": "5550102030" } }),
    )
    .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], lead["id"]);
    let noted = invoke(
        &window,
        "note_add",
        json!({ "leadId": lead["id"], "body": "Called" }),
    )
    .unwrap();
    assert_eq!(noted["body"], "Called");
}

#[test]
fn bad_input_comes_back_as_the_cores_error_shape() {
    let (_dir, _app, window) = app();
    let admin =
        json!({ "name": "Ada", "email": "ada@example.com", "password": "correct horse battery" });
    invoke(&window, "register", json!({ "input": admin })).unwrap();
    invoke(
        &window,
        "sign_in",
        json!({ "input": { "email": "ada@example.com", "password": "correct horse battery" } }),
    )
    .unwrap();

    let error = invoke(
        &window,
        "lead_create",
        json!({ "input": { "name": " ", "email": "not-an-email", "source": "billboard" } }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "validation");
    let fields: Vec<&str> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "email", "source"]);
    assert!(error["message"].as_str().unwrap().contains("email"));

    let missing = invoke(
        &window,
        "lead_open",
        json!({ "id": "01a20c7e-afff-710d-8267-000000000000" }),
    )
    .unwrap_err();
    assert_eq!(
        missing,
        json!({ "code": "not_found", "message": "lead not found", "fields": [] })
    );

    let wrong = invoke(
        &window,
        "sign_in",
        json!({ "input": { "email": "ada@example.com", "password": "nope nope nope" } }),
    )
    .unwrap_err();
    assert_eq!(wrong["code"], "unauthenticated");
}

#[test]
fn the_app_opens_signed_in_until_the_user_signs_out() {
    use leadlight_core::accounts::{Credentials, Registration};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("leadlight.sqlite3")).unwrap();
    let file = dir.path().join("session");
    leadlight_core::accounts::register(
        &store,
        Registration {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        },
    )
    .unwrap();
    let first = AppState::remembering(store.clone(), file.clone());
    assert!(!first.is_signed_in());
    first
        .sign_in(Credentials {
            email: "ada@example.com".into(),
            password: "correct horse battery".into(),
        })
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    drop(first);

    // The next start: signed in, with a rotated token on disk.
    let before = std::fs::read_to_string(&file).unwrap();
    let second = AppState::remembering(store.clone(), file.clone());
    assert!(second.is_signed_in());
    assert_eq!(second.actor().unwrap().role, leadlight_core::Role::Admin);
    assert_ne!(std::fs::read_to_string(&file).unwrap(), before);

    second.sign_out().unwrap();
    assert!(!file.exists());
    let third = AppState::remembering(store, file);
    assert!(!third.is_signed_in());
}
