//! The commands the dashboard calls. Each is one line over a leadlight-core
//! service (shared/ARCHITECTURE.md): the core decides who may do what, and its
//! errors reach JavaScript as `{code, message, fields}`.

use crate::prefs::{DesktopPrefs, Prefs};
use crate::state::AppState;
use crate::syncer::Syncer;
use leadlight_core::accounts::{self, Credentials, Registration};
use leadlight_core::activity::{self, Activity, LogActivity};
use leadlight_core::analytics::{self, Dashboard, DashboardQuery};
use leadlight_core::customers::{self, Customer, CustomerQuery};
use leadlight_core::enquiries;
use leadlight_core::exports::{self, ExportSummary};
use leadlight_core::ids::ImportBatchId;
use leadlight_core::ids::NotificationId;
use leadlight_core::ids::SyncConflictId;
use leadlight_core::ids::{LeadId, ReminderId, TaskId, UserId};
use leadlight_core::imports::{self, Batch, ImportReport, Mapping, Preview, UndoReport};
use leadlight_core::leads::{self, Lead, LeadDetail, LeadPatch, LeadQuery, NewLead};
use leadlight_core::notes::{self, Note};
use leadlight_core::notifications::{self, Inbox};
use leadlight_core::reminders::{self, NewReminder, Reminder};
use leadlight_core::replica::{self, Conflict, Round, SyncStatus};
use leadlight_core::report;
use leadlight_core::tasks::{self, NewTask, Task, TaskQuery};
use leadlight_core::users::{self, NewUser, User, UserPatch};
use leadlight_core::{CoreError, Page, PageRequest};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use tauri::State;
use tauri::ipc::Channel;

type Result<T> = std::result::Result<T, CoreError>;

/// Run `body` off the UI thread with the signed-in actor.
macro_rules! as_actor {
    ($state:expr, |$store:ident, $actor:ident| $body:expr) => {{
        let app: AppState = $state.inner().clone();
        tauri::async_runtime::spawn_blocking(move || {
            let $actor = app.actor()?;
            let $store = &app.store;
            $body
        })
        .await
        .map_err(CoreError::internal)?
    }};
}

/// Run `body` off the UI thread, signed in or not.
macro_rules! public {
    ($state:expr, |$app:ident| $body:expr) => {{
        let $app: AppState = $state.inner().clone();
        tauri::async_runtime::spawn_blocking(move || $body)
            .await
            .map_err(CoreError::internal)?
    }};
}

/// How far a long export or import has got, for the UI's progress bar.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// The core's progress callback, forwarded to the UI whenever the whole
/// percentage moves (a million rows would otherwise be a million messages).
fn progress_to(channel: Channel<Progress>) -> impl FnMut(u64, u64) {
    let mut shown = None;
    move |done, total| {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        if shown != Some(percent) {
            shown = Some(percent);
            let _ = channel.send(Progress { done, total });
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AppStatus {
    pub needs_first_account: bool,
    pub user: Option<User>,
}

#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus> {
    public!(state, |app| Ok(AppStatus {
        needs_first_account: accounts::needs_first_account(&app.store)?,
        user: match app.is_signed_in() {
            true => app
                .actor()
                .and_then(|a| users::get(&app.store, &a, a.user_id))
                .ok(),
            false => None,
        },
    }))
}

#[tauri::command]
pub async fn register(state: State<'_, AppState>, input: Registration) -> Result<User> {
    public!(state, |app| accounts::register(&app.store, input))
}

#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, input: Credentials) -> Result<User> {
    public!(state, |app| app.sign_in(input))
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<()> {
    public!(state, |app| app.sign_out())
}

#[tauri::command]
pub async fn set_time_zone(state: State<'_, AppState>, time_zone: String) -> Result<User> {
    as_actor!(state, |s, a| users::set_time_zone(s, &a, &time_zone))
}

#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>, query: DashboardQuery) -> Result<Dashboard> {
    as_actor!(state, |s, a| analytics::dashboard(s, &a, query))
}

#[tauri::command]
pub async fn leads_list(state: State<'_, AppState>, query: LeadQuery) -> Result<Page<Lead>> {
    as_actor!(state, |s, a| leads::list(s, &a, query))
}

#[tauri::command]
pub async fn lead_create(state: State<'_, AppState>, input: NewLead) -> Result<Lead> {
    as_actor!(state, |s, a| leads::create(s, &a, input))
}

#[tauri::command]
pub async fn lead_open(state: State<'_, AppState>, id: LeadId) -> Result<LeadDetail> {
    as_actor!(state, |s, a| leads::open(s, &a, id))
}

#[tauri::command]
pub async fn lead_update(state: State<'_, AppState>, id: LeadId, patch: LeadPatch) -> Result<Lead> {
    as_actor!(state, |s, a| leads::update(s, &a, id, patch))
}

#[tauri::command]
pub async fn lead_status(state: State<'_, AppState>, id: LeadId, status: String) -> Result<Lead> {
    as_actor!(state, |s, a| leads::change_status(s, &a, id, &status))
}

#[tauri::command]
pub async fn lead_add_tags(
    state: State<'_, AppState>,
    id: LeadId,
    tags: Vec<String>,
) -> Result<Lead> {
    as_actor!(state, |s, a| leads::add_tags(s, &a, id, tags))
}

#[tauri::command]
pub async fn lead_remove_tag(state: State<'_, AppState>, id: LeadId, tag: String) -> Result<Lead> {
    as_actor!(state, |s, a| leads::remove_tag(s, &a, id, &tag))
}

#[tauri::command]
pub async fn lead_convert(state: State<'_, AppState>, id: LeadId) -> Result<Customer> {
    as_actor!(state, |s, a| leads::convert(s, &a, id))
}

#[tauri::command]
pub async fn lead_delete(state: State<'_, AppState>, id: LeadId) -> Result<()> {
    as_actor!(state, |s, a| leads::delete(s, &a, id))
}

#[tauri::command]
pub async fn lead_assign(
    state: State<'_, AppState>,
    id: LeadId,
    owner: Option<UserId>,
) -> Result<Lead> {
    as_actor!(state, |s, a| leads::assign(s, &a, id, owner))
}

#[tauri::command]
pub async fn note_add(state: State<'_, AppState>, lead_id: LeadId, body: String) -> Result<Note> {
    as_actor!(state, |s, a| notes::add(s, &a, lead_id, &body))
}

#[tauri::command]
pub async fn activity_log(
    state: State<'_, AppState>,
    lead_id: LeadId,
    input: LogActivity,
) -> Result<Activity> {
    as_actor!(state, |s, a| activity::log(s, &a, lead_id, input))
}

#[tauri::command]
pub async fn reminder_create(state: State<'_, AppState>, input: NewReminder) -> Result<Reminder> {
    as_actor!(state, |s, a| reminders::create(s, &a, input))
}

#[tauri::command]
pub async fn reminders_today(state: State<'_, AppState>) -> Result<Vec<Reminder>> {
    as_actor!(state, |s, a| reminders::today(s, &a))
}

#[tauri::command]
pub async fn reminders_overdue(state: State<'_, AppState>) -> Result<Vec<Reminder>> {
    as_actor!(state, |s, a| reminders::overdue(s, &a))
}

#[tauri::command]
pub async fn reminders_upcoming(state: State<'_, AppState>) -> Result<Vec<Reminder>> {
    as_actor!(state, |s, a| reminders::upcoming(
        s,
        &a,
        PageRequest::new(1, 100)
    )
    .map(|page| page.items))
}

#[tauri::command]
pub async fn reminder_complete(state: State<'_, AppState>, id: ReminderId) -> Result<Reminder> {
    as_actor!(state, |s, a| reminders::complete(s, &a, id))
}

#[tauri::command]
pub async fn reminder_snooze(
    state: State<'_, AppState>,
    id: ReminderId,
    until: String,
) -> Result<Reminder> {
    as_actor!(state, |s, a| reminders::snooze(s, &a, id, &until))
}

#[tauri::command]
pub async fn tasks_list(state: State<'_, AppState>, query: TaskQuery) -> Result<Page<Task>> {
    as_actor!(state, |s, a| tasks::list(s, &a, query))
}

#[tauri::command]
pub async fn task_create(state: State<'_, AppState>, input: NewTask) -> Result<Task> {
    as_actor!(state, |s, a| tasks::create(s, &a, input))
}

#[tauri::command]
pub async fn task_complete(state: State<'_, AppState>, id: TaskId) -> Result<Task> {
    as_actor!(state, |s, a| tasks::complete(s, &a, id))
}

#[tauri::command]
pub async fn customers_list(
    state: State<'_, AppState>,
    query: CustomerQuery,
) -> Result<Page<Customer>> {
    as_actor!(state, |s, a| customers::list(s, &a, query))
}

#[tauri::command]
pub async fn users_list(state: State<'_, AppState>) -> Result<Vec<User>> {
    as_actor!(state, |s, a| users::list(s, &a))
}

#[tauri::command]
pub async fn enquiries_unclaimed(
    state: State<'_, AppState>,
    page: PageRequest,
) -> Result<Page<Lead>> {
    as_actor!(state, |s, a| enquiries::unclaimed(s, &a, page))
}

#[tauri::command]
pub async fn enquiry_claim(state: State<'_, AppState>, id: LeadId) -> Result<Lead> {
    as_actor!(state, |s, a| enquiries::claim(s, &a, id))
}

#[tauri::command]
pub async fn export_leads_csv(
    state: State<'_, AppState>,
    query: LeadQuery,
    path: PathBuf,
    on_progress: Channel<Progress>,
) -> Result<ExportSummary> {
    as_actor!(state, |s, a| {
        let file = std::fs::File::create(&path).map_err(CoreError::internal)?;
        let out = std::io::BufWriter::new(file);
        exports::leads_csv(s, &a, &query, out, &mut progress_to(on_progress))
    })
}

#[tauri::command]
pub async fn export_leads_xlsx(
    state: State<'_, AppState>,
    query: LeadQuery,
    path: PathBuf,
    on_progress: Channel<Progress>,
) -> Result<ExportSummary> {
    as_actor!(state, |s, a| {
        exports::leads_xlsx(s, &a, &query, &path, &mut progress_to(on_progress))
    })
}

#[tauri::command]
pub async fn notifications_inbox(state: State<'_, AppState>, page: PageRequest) -> Result<Inbox> {
    as_actor!(state, |s, a| notifications::inbox(s, &a, page))
}

#[tauri::command]
pub async fn notifications_unread(state: State<'_, AppState>) -> Result<i64> {
    as_actor!(state, |s, a| notifications::unread_count(s, &a))
}

#[tauri::command]
pub async fn notification_read(state: State<'_, AppState>, id: NotificationId) -> Result<()> {
    as_actor!(state, |s, a| notifications::mark_read(s, &a, id))
}

#[tauri::command]
pub async fn notifications_read_all(state: State<'_, AppState>) -> Result<usize> {
    as_actor!(state, |s, a| notifications::mark_all_read(s, &a))
}

/// Read a file the user picked in the open dialog.
fn read_picked(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| CoreError::invalid("file", format!("cannot read {}: {e}", path.display())))
}

#[tauri::command]
pub async fn import_preview(state: State<'_, AppState>, path: PathBuf) -> Result<Preview> {
    as_actor!(state, |_s, _a| imports::preview(&read_picked(&path)?))
}

#[tauri::command]
pub async fn import_run(
    state: State<'_, AppState>,
    path: PathBuf,
    mapping: Mapping,
    on_progress: Channel<Progress>,
) -> Result<ImportReport> {
    as_actor!(state, |s, a| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = read_picked(&path)?;
        imports::import(
            s,
            &a,
            &bytes,
            &name,
            &mapping,
            &mut progress_to(on_progress),
        )
    })
}

#[tauri::command]
pub async fn import_undo(state: State<'_, AppState>, batch: ImportBatchId) -> Result<UndoReport> {
    as_actor!(state, |s, a| imports::undo(s, &a, batch))
}

#[tauri::command]
pub async fn imports_list(state: State<'_, AppState>) -> Result<Vec<Batch>> {
    as_actor!(state, |s, a| imports::batches(s, &a))
}

#[tauri::command]
pub async fn export_analytics_xlsx(
    state: State<'_, AppState>,
    query: DashboardQuery,
    path: PathBuf,
) -> Result<ExportSummary> {
    as_actor!(state, |s, a| exports::analytics_xlsx(s, &a, query, &path))
}

#[tauri::command]
pub async fn export_analytics_csv(
    state: State<'_, AppState>,
    query: DashboardQuery,
    path: PathBuf,
) -> Result<ExportSummary> {
    as_actor!(state, |s, a| {
        let file = std::fs::File::create(&path).map_err(CoreError::internal)?;
        exports::analytics_csv(s, &a, query, std::io::BufWriter::new(file))
    })
}

#[tauri::command]
pub async fn report_pdf(
    state: State<'_, AppState>,
    month: Option<String>,
    path: PathBuf,
) -> Result<()> {
    as_actor!(state, |s, a| {
        let bytes = report::monthly_pdf(s, &a, month.as_deref())?;
        std::fs::write(&path, bytes).map_err(CoreError::internal)
    })
}

#[tauri::command]
pub async fn user_create(state: State<'_, AppState>, input: NewUser) -> Result<User> {
    as_actor!(state, |s, a| users::create(s, &a, input))
}

#[tauri::command]
pub async fn user_update(state: State<'_, AppState>, id: UserId, patch: UserPatch) -> Result<User> {
    as_actor!(state, |s, a| users::update(s, &a, id, patch))
}

#[tauri::command]
pub async fn user_deactivate(state: State<'_, AppState>, id: UserId) -> Result<User> {
    as_actor!(state, |s, a| users::deactivate(s, &a, id))
}

#[tauri::command]
pub async fn user_reactivate(state: State<'_, AppState>, id: UserId) -> Result<User> {
    as_actor!(state, |s, a| users::reactivate(s, &a, id))
}

#[tauri::command]
pub async fn user_set_password(
    state: State<'_, AppState>,
    id: UserId,
    password: String,
) -> Result<()> {
    as_actor!(state, |s, a| users::set_password(s, &a, id, &password))
}

#[tauri::command]
pub fn desktop_prefs(prefs: State<'_, Prefs>) -> DesktopPrefs {
    prefs.get()
}

#[tauri::command]
pub fn desktop_prefs_set(prefs: State<'_, Prefs>, input: DesktopPrefs) -> Result<DesktopPrefs> {
    prefs.set(input)
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<Option<SyncStatus>> {
    as_actor!(state, |s, _a| replica::status(s))
}

#[tauri::command]
pub async fn sync_connect(
    state: State<'_, AppState>,
    syncer: State<'_, Arc<Syncer>>,
    server_url: String,
    email: String,
    password: String,
) -> Result<SyncStatus> {
    let syncer = syncer.inner().clone();
    as_actor!(state, |s, _a| leadlight_sync_client::connect(
        s,
        &server_url,
        &email,
        &password
    )
    .map_err(CoreError::from)
    .inspect(|_| syncer.nudge()))
}

#[tauri::command]
pub async fn sync_now<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
    syncer: State<'_, Arc<Syncer>>,
) -> Result<Round> {
    let syncer = syncer.inner().clone();
    as_actor!(state, |s, _a| syncer
        .sync_now(&app, s)
        .map_err(CoreError::from))
}

#[tauri::command]
pub async fn sync_disconnect(state: State<'_, AppState>) -> Result<()> {
    as_actor!(state, |s, _a| replica::disconnect(s))
}

#[tauri::command]
pub async fn sync_conflicts(
    state: State<'_, AppState>,
    include_reviewed: bool,
) -> Result<Vec<Conflict>> {
    as_actor!(state, |s, a| replica::conflicts(s, &a, include_reviewed))
}

#[tauri::command]
pub async fn sync_review(state: State<'_, AppState>, id: SyncConflictId) -> Result<()> {
    as_actor!(state, |s, a| replica::review(s, &a, id))
}
