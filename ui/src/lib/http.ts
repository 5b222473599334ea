// Web mode's transport: each command api.ts sends becomes a request to the
// team server's REST API under /api. The server serves this UI too, so URLs
// are relative and same-origin. This module also keeps the session's tokens
// and follows the server's live event stream.

import type { FieldError, User } from "./types";
import type { Live, LiveEvent, Progress, Transport } from "./api";

/** What the server's login and refresh answer. Timestamps are ms since epoch. */
export interface SignedIn {
  access_token: string;
  access_expires_at: number;
  refresh_token: string;
  refresh_expires_at: number;
  user: User;
}

/** The core's error shape, which api.ts turns into an ApiError. */
interface WireError {
  code: string;
  message: string;
  fields?: FieldError[];
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface Route {
  method: Method;
  path: string;
  /** Sent as query parameters (see `queryString`). */
  query?: unknown;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart/form-data. */
  form?: Record<string, Blob | string>;
  /** No session needed and a 401 is an answer, not an expired token. */
  public?: boolean;
}

type Args = Record<string, unknown>;

export interface HttpOptions {
  fetch?: typeof fetch;
  /** Where the refresh token survives a reload. */
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  /** Hand a downloaded file to the user. */
  saveFile?: (file: Blob, name: string) => void;
  /** The session ended and cannot be refreshed: show the sign-in screen. */
  onSignedOut?: () => void;
  /** Wait before reconnecting the event stream (tests shorten it). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const REFRESH_KEY = "leadlight.refresh_token";

const unreachable: WireError = {
  code: "internal",
  message: "Cannot reach the Leadlight server. Check your connection and try again.",
};
const sessionOver: WireError = { code: "unauthenticated", message: "Your session has ended. Please sign in again." };
const desktopOnly: WireError = { code: "not_found", message: "This setting exists only in the desktop app." };

/** Build a path, URL-encoding every interpolated value (ids, tags). */
function path(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, text, i) => out + encodeURIComponent(String(values[i - 1])) + text);
}

/** Query parameters from an object: arrays repeat their key; absent and empty
 * values are left out so the server applies its defaults. */
export function queryString(query: unknown): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries((query ?? {}) as Args)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one === undefined || one === null || one === "" || typeof one === "function") continue;
      params.append(key, String(one));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

const get = (at: string, query?: unknown): Route => ({ method: "GET", path: at, query });
const post = (at: string, body?: unknown): Route => ({ method: "POST", path: at, body });
const put = (at: string, body?: unknown): Route => ({ method: "PUT", path: at, body });
const del = (at: string): Route => ({ method: "DELETE", path: at });

// The commands that are one request and hand back the answer's JSON as is.
// Arguments are named as api.ts sends them to Tauri.
const routes: Record<string, (a: Args) => Route> = {
  register: (a) => ({ ...post("/api/auth/register", a.input), public: true }),
  set_time_zone: (a) => put("/api/auth/me/time-zone", { time_zone: a.timeZone }),
  dashboard: (a) => get("/api/dashboard", a.query),

  leads_list: (a) => get("/api/leads", a.query),
  lead_create: (a) => post("/api/leads", a.input),
  lead_open: (a) => get(path`/api/leads/${a.id}`),
  lead_update: (a) => put(path`/api/leads/${a.id}`, a.patch),
  lead_status: (a) => ({ method: "PATCH", path: path`/api/leads/${a.id}/status`, body: { status: a.status } }),
  lead_add_tags: (a) => post(path`/api/leads/${a.id}/tags`, { tags: a.tags }),
  lead_remove_tag: (a) => del(path`/api/leads/${a.id}/tags/${a.tag}`),
  lead_convert: (a) => post(path`/api/leads/${a.id}/convert`),
  lead_delete: (a) => del(path`/api/leads/${a.id}`),
  lead_assign: (a) => put(path`/api/leads/${a.id}/assign`, { owner: a.owner ?? null }),
  note_add: (a) => post(path`/api/leads/${a.leadId}/notes`, { body: a.body }),
  activity_log: (a) => post(path`/api/leads/${a.leadId}/activities`, a.input),
  enquiries_unclaimed: (a) => get("/api/enquiries/unclaimed", a.page),
  enquiry_claim: (a) => post(path`/api/enquiries/${a.id}/claim`),

  reminder_create: (a) => post("/api/reminders", a.input),
  reminders_today: () => get("/api/reminders/today"),
  reminders_overdue: () => get("/api/reminders/overdue"),
  reminder_complete: (a) => post(path`/api/reminders/${a.id}/complete`),
  reminder_snooze: (a) => post(path`/api/reminders/${a.id}/snooze`, { until: a.until }),

  tasks_list: (a) => get("/api/tasks", a.query),
  task_create: (a) => post("/api/tasks", a.input),
  task_complete: (a) => post(path`/api/tasks/${a.id}/complete`),
  customers_list: (a) => get("/api/customers", a.query),

  user_create: (a) => post("/api/users", a.input),
  user_update: (a) => put(path`/api/users/${a.id}`, a.patch),
  user_deactivate: (a) => post(path`/api/users/${a.id}/deactivate`),
  user_reactivate: (a) => post(path`/api/users/${a.id}/reactivate`),
  user_set_password: (a) => put(path`/api/users/${a.id}/password`, { password: a.password }),

  notifications_inbox: (a) => get("/api/notifications", a.page),
  notification_read: (a) => put(path`/api/notifications/${a.id}/read`),

  import_undo: (a) => del(path`/api/import/batches/${a.batch}`),
};

// Exports: the server answers with the file, which the browser downloads
// under the name the view chose (the `path` argument).
const downloads: Record<string, (a: Args) => Route> = {
  export_leads_csv: (a) => get("/api/export/leads.csv", a.query),
  export_leads_xlsx: (a) => get("/api/export/leads.xlsx", a.query),
  export_analytics_csv: (a) => get("/api/export/analytics.csv", a.query),
  export_analytics_xlsx: (a) => get("/api/export/analytics.xlsx", a.query),
  report_pdf: (a) => get("/api/reports/monthly.pdf", { month: a.month }),
};

/** A status-coded answer that is not the core's JSON (a proxy's error page). */
function codeFor(status: number): string {
  const codes: Record<number, string> = {
    400: "validation", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    409: "conflict", 422: "validation", 429: "rate_limited",
  };
  return codes[status] ?? "internal";
}

async function errorOf(response: Response): Promise<WireError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<WireError>;
    if (typeof body.code === "string" && typeof body.message === "string") return body as WireError;
  } catch {
    // Not JSON: fall through to a message made from the status.
  }
  return { code: codeFor(response.status), message: `The server answered ${response.status} ${response.statusText}`.trim() };
}

/** The items of a page the server answered. */
function items(page: unknown): unknown {
  return (page as { items: unknown[] }).items;
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  return text ? JSON.parse(text) : undefined;
}

/** Read a body, reporting rows done in proportion to bytes when both totals are known. */
async function readBlob(response: Response, rows: number | undefined, onProgress?: (p: Progress) => void): Promise<Blob> {
  const length = Number(response.headers.get("Content-Length"));
  if (!response.body || !onProgress || !rows || !length) return response.blob();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
    onProgress({ done: Math.min(rows, Math.floor((rows * bytes) / length)), total: rows });
  }
  return new Blob(chunks as BlobPart[], { type: response.headers.get("Content-Type") ?? "" });
}

/** Split a text/event-stream into events and hand each one's name and data on. */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (name: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        if (colon === 0) continue; // a comment, such as a keep-alive
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = text;
        else if (field === "data") data.push(text);
      }
      if (data.length) onEvent(name, data.join("\n"));
    }
  }
}

function downloadInBrowser(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  // The browser may read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

const isWireError = (e: unknown): e is WireError => !!e && typeof e === "object" && "code" in e && "message" in e;

/** The web transport, plus the live event stream, over `fetch`. */
export function createHttpClient(options: HttpOptions = {}): { transport: Transport; live: Live } {
  // Looked up per call, so a test or polyfill that replaces fetch later is used.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const storage = options.storage ?? globalThis.localStorage;
  const saveFile = options.saveFile ?? downloadInBrowser;
  const sleep = options.sleep ?? pause;
  // Only in memory: a reload gets a fresh one with the stored refresh token.
  let access: string | undefined;
  let refreshing: Promise<SignedIn | undefined> | undefined;
  const streams = new Set<AbortController>();

  function keep(session: SignedIn): SignedIn {
    access = session.access_token;
    storage.setItem(REFRESH_KEY, session.refresh_token);
    return session;
  }

  function forget(): void {
    access = undefined;
    storage.removeItem(REFRESH_KEY);
    for (const stream of streams) stream.abort();
  }

  async function send(route: Route, signal?: AbortSignal, accept = "application/json"): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    let body: BodyInit | undefined;
    if (route.form) {
      const form = new FormData();
      for (const [name, value] of Object.entries(route.form)) {
        if (typeof value === "string") form.append(name, value);
        else form.append(name, value, value instanceof File ? value.name : name);
      }
      body = form; // fetch sets the multipart boundary itself
    } else if (route.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(route.body);
    }
    if (access) headers.Authorization = `Bearer ${access}`;
    try {
      return await doFetch(route.path + queryString(route.query), { method: route.method, headers, body, signal });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw unreachable;
    }
  }

  /** Trade the stored refresh token for a new session. Undefined when the
   * server refuses it (the tokens are then forgotten); throws when the server
   * cannot be asked, so a network blip does not sign anyone out. Concurrent
   * callers share one request, as the server rotates the refresh token. */
  function refresh(): Promise<SignedIn | undefined> {
    refreshing ??= (async () => {
      const token = storage.getItem(REFRESH_KEY);
      if (!token) return undefined;
      const response = await send({ method: "POST", path: "/api/auth/refresh", body: { refresh_token: token } });
      if (response.ok) return keep((await response.json()) as SignedIn);
      if (response.status >= 500) throw await errorOf(response);
      forget();
      return undefined;
    })().finally(() => (refreshing = undefined));
    return refreshing;
  }

  /** Send with the session: on a 401 refresh once and retry; when the session
   * cannot be refreshed, sign out. Rejects with the core's error shape. */
  async function authorized(route: Route, signal?: AbortSignal, accept?: string): Promise<Response> {
    const sentWith = access;
    let response = await send(route, signal, accept);
    if (response.status === 401 && !route.public) {
      // Another call may have refreshed meanwhile; then just retry with its token.
      if (!(access && access !== sentWith) && !(await refresh())) {
        forget();
        options.onSignedOut?.();
        throw sessionOver;
      }
      response = await send(route, signal, accept);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async function download(route: Route, name: unknown, onProgress?: (p: Progress) => void): Promise<{ rows: number }> {
    const response = await authorized(route, undefined, "*/*");
    const header = response.headers.get("X-Total-Count");
    const rows = header === null ? undefined : Number(header);
    const file = await readBlob(response, rows, onProgress);
    saveFile(file, typeof name === "string" && name ? name : route.path.slice(route.path.lastIndexOf("/") + 1));
    return { rows: rows ?? 0 };
  }

  function upload(at: string, source: unknown, extra: Record<string, string> = {}): Route {
    // Reaching here with a path means a desktop-only picker ran in a browser.
    if (!(source instanceof Blob)) throw { code: "validation", message: "Choose a file to upload.", fields: [{ field: "file", message: "is required" }] };
    return { method: "POST", path: at, form: { file: source, ...extra } };
  }

  // Commands that need more than one plain request.
  const special: Record<string, (a: Args) => Promise<unknown>> = {
    async app_status() {
      const setup = (await json(await authorized({ ...get("/api/setup"), public: true }))) as { needs_first_account: boolean };
      // Still signed in from before the reload, if the refresh token is good.
      const session = storage.getItem(REFRESH_KEY) ? await refresh() : undefined;
      return { needs_first_account: setup.needs_first_account, user: session?.user ?? null };
    },
    async sign_in(a) {
      const response = await authorized({ ...post("/api/auth/login", a.input), public: true });
      return keep((await response.json()) as SignedIn).user;
    },
    async sign_out() {
      const token = storage.getItem(REFRESH_KEY);
      try {
        if (token) await authorized({ ...post("/api/auth/logout", { refresh_token: token }), public: true });
      } catch {
        // Best effort: the tokens are forgotten here either way.
      } finally {
        forget();
      }
    },
    // The server answers every list as a page; these views take the items
    // (as the desktop commands answer them).
    reminders_upcoming: async () => items(await json(await authorized(get("/api/reminders/upcoming", { page: 1, limit: 100 })))),
    users_list: async () => items(await json(await authorized(get("/api/users")))),
    imports_list: async () => items(await json(await authorized(get("/api/import/batches")))),
    notifications_unread: async () =>
      ((await json(await authorized(get("/api/notifications/unread-count")))) as { unread: number }).unread,
    notifications_read_all: async () =>
      ((await json(await authorized(put("/api/notifications/read-all")))) as { marked: number }).marked,
    import_preview: async (a) => json(await authorized(upload("/api/import/preview", a.path))),
    import_run: async (a) =>
      // fetch reports no upload progress, so the bar waits for the report.
      json(await authorized(upload("/api/import/leads", a.path, { mapping: JSON.stringify(a.mapping ?? {}) }))),
    desktop_prefs: () => Promise.reject(desktopOnly),
    desktop_prefs_set: () => Promise.reject(desktopOnly),
    // A browser talks to the server itself: nothing to sync.
    sync_status: async () => null,
    sync_connect: () => Promise.reject(desktopOnly),
    sync_now: () => Promise.reject(desktopOnly),
    sync_disconnect: () => Promise.reject(desktopOnly),
    sync_conflicts: async () => [],
    sync_review: () => Promise.reject(desktopOnly),
  };

  const transport: Transport = async (command, args) => {
    const run = special[command];
    if (run) return run(args);
    const route = routes[command];
    if (route) return json(await authorized(route(args)));
    const file = downloads[command];
    if (file) return download(file(args), args.path, args.onProgress as ((p: Progress) => void) | undefined);
    throw { code: "internal", message: `Web mode has no route for "${command}".` } satisfies WireError;
  };

  // Server-Sent Events over fetch: EventSource cannot send the Authorization
  // header, and a token never goes in a URL.
  const live: Live = (onEvent) => {
    const stop = new AbortController();
    streams.add(stop);
    void (async () => {
      let delay = 1000;
      while (!stop.signal.aborted) {
        try {
          const response = await authorized(get("/api/notifications/stream"), stop.signal, "text/event-stream");
          delay = 1000;
          if (response.body) {
            await readEvents(response.body, (name, data) => {
              if (name !== "notification" && name !== "reminder") return;
              try {
                onEvent({ event: name, data: JSON.parse(data) } as LiveEvent);
              } catch {
                // A malformed event is skipped; the stream goes on.
              }
            });
          }
        } catch (e) {
          if (stop.signal.aborted || (isWireError(e) && e.code === "unauthenticated")) break;
        }
        // Dropped (a restart, a network change): try again, backing off to 30 s.
        await sleep(delay, stop.signal);
        delay = Math.min(delay * 2, 30_000);
      }
      streams.delete(stop);
    })();
    return () => stop.abort();
  };

  return { transport, live };
}
