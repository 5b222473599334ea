// The one module that talks to Leadlight. The desktop app uses Tauri's
// `invoke`; in a browser main.ts plugs in the HTTP transport (http.ts) with
// `useWeb`, and the few things a browser does differently (files, live events,
// a session that can end) are reached through here too.

import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type {
  Activity, AppStatus, Customer, ImportBatch, ImportPreview, ImportReport, Inbox, Dashboard, FieldError, Lead, LeadDetail, LeadQuery,
  NewLead, Note, Page, Reminder, Task, User, DesktopPrefs, AppNotification, SyncConflict, SyncProgress, SyncRound, SyncStatus,
} from "./types";

/** The core's error, as every command rejects with it. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }

  /** The message for one form field, if the core named it. */
  field(name: string): string | undefined {
    return this.fields.find((f) => f.field === name)?.message;
  }

  static from(raw: unknown): ApiError {
    if (raw instanceof ApiError) return raw;
    if (raw && typeof raw === "object" && "code" in raw && "message" in raw) {
      const r = raw as { code: string; message: string; fields?: FieldError[] };
      return new ApiError(r.code, r.message, r.fields ?? []);
    }
    return new ApiError("internal", typeof raw === "string" ? raw : "Something went wrong.");
  }
}

export type Transport = (command: string, args: Record<string, unknown>) => Promise<unknown>;

/** Progress of a long export or import. */
export type Progress = { done: number; total: number };
export type OnProgress = (progress: Progress) => void;

// A function argument (a progress callback) travels as a Tauri channel.
export const tauriTransport: Transport = (command, args) => {
  const wired: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (typeof value === "function") {
      const channel = new Channel<unknown>();
      channel.onmessage = value as (message: unknown) => void;
      wired[key] = channel;
    } else wired[key] = value;
  }
  return invoke(command, wired);
};

const noProgress: OnProgress = () => {};

/** Call `open` with a page (a "#/..." route) whenever the desktop shell asks
 * for one, such as when a reminder's notification is clicked. */
export function onOpenPage(open: (page: string) => void): void {
  if (transport === tauriTransport && "__TAURI_INTERNALS__" in window) {
    void listen<string>("open-page", (event) => open(event.payload));
  }
}

/** Call `changed` whenever the desktop's sync loop ends a round. */
/** How far a round under way has got (desktop only). */
export function onSyncProgress(changed: (progress: SyncProgress) => void): () => void {
  if (transport === tauriTransport && "__TAURI_INTERNALS__" in window) {
    const stop = listen<SyncProgress>("sync-progress", (event) => changed(event.payload));
    return () => void stop.then((unlisten) => unlisten());
  }
  return () => {};
}

export function onSyncStatus(changed: (status: SyncStatus | null) => void): () => void {
  if (transport === tauriTransport && "__TAURI_INTERNALS__" in window) {
    const stop = listen<SyncStatus | null>("sync-status", (event) => changed(event.payload));
    return () => void stop.then((unlisten) => unlisten());
  }
  return () => {};
}

let transport: Transport = tauriTransport;

/** Swap the transport (tests). */
export function useTransport(next: Transport): void {
  transport = next;
}

/** Where the UI runs: the desktop shell has native dialogs and a tray; a
 * browser downloads and uploads files instead. Set once, before mounting. */
export type Platform = "desktop" | "web";
export let platform: Platform = "desktop";

/** A push from the server: a new notification, or a reminder falling due. */
export type LiveEvent =
  | { event: "notification"; data: AppNotification }
  | { event: "reminder"; data: Reminder };
/** Follow live events until the returned function is called. */
export type Live = (onEvent: (event: LiveEvent) => void) => () => void;

// The desktop's notifier pops reminders up natively; the bell polls there.
let live: Live = () => () => {};

/** Run in a browser against the team server. */
export function useWeb(web: { transport: Transport; live: Live }): void {
  platform = "web";
  transport = web.transport;
  live = web.live;
}

/** Follow the server's pushes while signed in (web mode; a no-op in the desktop). */
export function followLive(onEvent: (event: LiveEvent) => void): () => void {
  return live(onEvent);
}

const endedListeners = new Set<() => void>();

/** Call `listener` when the session ends behind the UI's back (web mode: the
 * server refused to refresh it), so the app can ask to sign in again. */
export function onSessionEnded(listener: () => void): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

/** Tell the app its session has ended (the web transport calls this). */
export function sessionEnded(): void {
  for (const listener of endedListeners) listener();
}

/** A file to import: a path picked in the desktop, a picked File in a browser. */
export type FileSource = string | File;

export const fileName = (source: FileSource): string => (typeof source === "string" ? source : source.name);

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return (await transport(command, args)) as T;
  } catch (raw) {
    throw ApiError.from(raw);
  }
}

export const api = {
  status: () => call<AppStatus>("app_status"),
  register: (name: string, email: string, password: string) =>
    call<User>("register", { input: { name, email, password } }),
  signIn: (email: string, password: string) => call<User>("sign_in", { input: { email, password } }),
  signOut: () => call<void>("sign_out"),
  setTimeZone: (timeZone: string) => call<User>("set_time_zone", { timeZone }),

  dashboard: (bucket: string) => call<Dashboard>("dashboard", { query: { bucket } }),

  leads: (query: LeadQuery) => call<Page<Lead>>("leads_list", { query }),
  createLead: (input: NewLead) => call<Lead>("lead_create", { input }),
  openLead: (id: string) => call<LeadDetail>("lead_open", { id }),
  updateLead: (id: string, patch: Record<string, string | null>) => call<Lead>("lead_update", { id, patch }),
  setStatus: (id: string, status: string) => call<Lead>("lead_status", { id, status }),
  addTags: (id: string, tags: string[]) => call<Lead>("lead_add_tags", { id, tags }),
  removeTag: (id: string, tag: string) => call<Lead>("lead_remove_tag", { id, tag }),
  convert: (id: string) => call<Customer>("lead_convert", { id }),
  deleteLead: (id: string) => call<void>("lead_delete", { id }),
  assign: (id: string, owner: string | null) => call<Lead>("lead_assign", { id, owner }),
  unclaimed: (page = 1) => call<Page<Lead>>("enquiries_unclaimed", { page: { page, limit: 50 } }),
  claim: (id: string) => call<Lead>("enquiry_claim", { id }),

  addNote: (leadId: string, body: string) => call<Note>("note_add", { leadId, body }),
  logActivity: (leadId: string, kind: string, summary: string) =>
    call<Activity>("activity_log", { leadId, input: { kind, summary } }),

  createReminder: (leadId: string, dueAt: string, message: string) =>
    call<Reminder>("reminder_create", { input: { lead_id: leadId, due_at: dueAt, message } }),
  remindersToday: () => call<Reminder[]>("reminders_today"),
  remindersOverdue: () => call<Reminder[]>("reminders_overdue"),
  remindersUpcoming: () => call<Reminder[]>("reminders_upcoming"),
  completeReminder: (id: string) => call<Reminder>("reminder_complete", { id }),
  snoozeReminder: (id: string, until: string) => call<Reminder>("reminder_snooze", { id, until }),

  tasks: (status?: string) => call<Page<Task>>("tasks_list", { query: { status } }),
  createTask: (title: string, dueAt?: string) => call<Task>("task_create", { input: { title, due_at: dueAt } }),
  completeTask: (id: string) => call<Task>("task_complete", { id }),

  customers: (page = 1) => call<Page<Customer>>("customers_list", { query: { page } }),
  users: () => call<User[]>("users_list"),
  createUser: (name: string, email: string, role: string, password: string) =>
    call<User>("user_create", { input: { name, email, role, password } }),
  setRole: (id: string, role: string) => call<User>("user_update", { id, patch: { role } }),
  deactivateUser: (id: string) => call<User>("user_deactivate", { id }),
  reactivateUser: (id: string) => call<User>("user_reactivate", { id }),
  setPassword: (id: string, password: string) => call<void>("user_set_password", { id, password }),

  inbox: (page = 1) => call<Inbox>("notifications_inbox", { page: { page, limit: 30 } }),
  unread: () => call<number>("notifications_unread"),
  markRead: (id: string) => call<void>("notification_read", { id }),
  markAllRead: () => call<number>("notifications_read_all"),

  importPreview: (file: FileSource) => call<ImportPreview>("import_preview", { path: file }),
  importRun: (file: FileSource, mapping: Record<string, string>, onProgress = noProgress) =>
    call<ImportReport>("import_run", { path: file, mapping, onProgress }),
  importUndo: (batch: string) => call<{ removed: number }>("import_undo", { batch }),
  imports: () => call<ImportBatch[]>("imports_list"),
  // An export's `path` is where it goes: a file path in the desktop, the
  // download's file name in a browser (see files.ts).
  exportAnalyticsXlsx: (path: string) => call<{ rows: number }>("export_analytics_xlsx", { query: {}, path }),
  exportAnalyticsCsv: (path: string) => call<{ rows: number }>("export_analytics_csv", { query: {}, path }),
  reportPdf: (month: string, path: string) => call<void>("report_pdf", { month, path }),

  exportLeadsCsv: (query: LeadQuery, path: string, onProgress = noProgress) =>
    call<{ rows: number }>("export_leads_csv", { query, path, onProgress }),
  exportLeadsXlsx: (query: LeadQuery, path: string, onProgress = noProgress) =>
    call<{ rows: number }>("export_leads_xlsx", { query, path, onProgress }),

  // The desktop's sync with a team server (the web mode is the server).
  syncStatus: () => call<SyncStatus | null>("sync_status"),
  syncConnect: (serverUrl: string, email: string, password: string) =>
    call<SyncStatus>("sync_connect", { serverUrl, email, password }),
  syncNow: () => call<SyncRound>("sync_now"),
  syncDisconnect: () => call<void>("sync_disconnect"),
  syncConflicts: (includeReviewed = false) => call<SyncConflict[]>("sync_conflicts", { includeReviewed }),
  syncReview: (id: string) => call<void>("sync_review", { id }),

  desktopPrefs: () => call<DesktopPrefs>("desktop_prefs"),
  setDesktopPrefs: (input: DesktopPrefs) => call<DesktopPrefs>("desktop_prefs_set", { input }),
};
