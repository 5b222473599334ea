import { beforeEach, describe, expect, it } from "vitest";
import { api, ApiError, followLive, useWeb, type LiveEvent } from "./api";
import { createHttpClient, readEvents, REFRESH_KEY, type HttpOptions, type SignedIn } from "./http";
import type { User } from "./types";

// A request as the fake server saw it.
interface Seen {
  method: string;
  url: string;
  auth: string | null;
  body: unknown;
}

const ann: User = {
  id: "u-1", name: "Ann", email: "ann@example.com", role: "admin", time_zone: "UTC", deactivated_at: null, created_at: "2026-01-01T00:00:00Z",
};

function session(n: number): SignedIn {
  return { access_token: `access-${n}`, access_expires_at: 1, refresh_token: `refresh-${n}`, refresh_expires_at: 2, user: ann };
}

function reply(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  const text = body === undefined ? null : typeof body === "string" ? body : JSON.stringify(body);
  return new Response(text, { status, headers: { "Content-Type": "application/json", ...headers } });
}

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

/** The ApiError a call rejects with (failing the test if it resolves). */
async function failure(call: Promise<unknown>): Promise<ApiError> {
  const outcome = await call.then(() => "resolved", (e: unknown) => e);
  expect(outcome).toBeInstanceOf(ApiError);
  return outcome as ApiError;
}

let seen: Seen[];
let storage: ReturnType<typeof memoryStorage>;
let signedOut: number;
let saved: { name: string; text: string }[];

/** Plug a fake server into api.ts; `handle` answers each request. */
function serve(handle: (request: Seen) => Response | Promise<Response>, extra: HttpOptions = {}) {
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.signal?.aborted) throw new DOMException("aborted", "AbortError");
    const headers = new Headers(init?.headers);
    const body = init?.body;
    const request = {
      method: init?.method ?? "GET",
      url: String(input),
      auth: headers.get("Authorization"),
      body: typeof body === "string" ? JSON.parse(body) : body,
    };
    seen.push(request);
    return handle(request);
  };
  const client = createHttpClient({
    fetch: fetch as typeof globalThis.fetch,
    storage,
    onSignedOut: () => (signedOut += 1),
    saveFile: (file, name) => void file.text().then((text) => saved.push({ name, text })),
    ...extra,
  });
  useWeb(client);
  return client;
}

/** Answer login with session 1 and everything else with `other`. */
async function signedIn(other: (request: Seen) => Response | Promise<Response>) {
  serve((r) => (r.url === "/api/auth/login" ? reply(200, session(1)) : other(r)));
  await api.signIn("ann@example.com", "secret");
  seen.length = 0;
}

beforeEach(() => {
  seen = [];
  storage = memoryStorage();
  signedOut = 0;
  saved = [];
});

describe("the HTTP transport", () => {
  it("maps commands to routes, with query parameters, path ids and JSON bodies", async () => {
    await signedIn((r) => reply(r.method === "POST" ? 201 : 200, r.url.includes("/api/leads?") ? { items: [], page: 1, limit: 50, total: 0 } : {}));
    await api.leads({ q: "ann lee", status: ["new", "contacted"], source: undefined, tag: "", page: 2, limit: 50 });
    await api.openLead("l-1");
    await api.updateLead("l-1", { company: "Acme", phone: null });
    await api.setStatus("l-1", "qualified");
    await api.removeTag("l-1", "vip / gold");
    await api.assign("l-1", null);
    await api.addNote("l-1", "called back");
    await api.logActivity("l-1", "call", "left a message");
    await api.unclaimed(3);
    await api.dashboard("weekly");
    await api.tasks();
    await api.setTimeZone("Europe/Paris");
    await api.setPassword("u-2", "longer secret");
    await api.snoozeReminder("r-1", "2026-12-01T09:00:00Z");
    expect(seen.map((r) => [r.method, r.url, r.body])).toEqual([
      ["GET", "/api/leads?q=ann+lee&status=new&status=contacted&page=2&limit=50", undefined],
      ["GET", "/api/leads/l-1", undefined],
      ["PUT", "/api/leads/l-1", { company: "Acme", phone: null }],
      ["PATCH", "/api/leads/l-1/status", { status: "qualified" }],
      ["DELETE", "/api/leads/l-1/tags/vip%20%2F%20gold", undefined],
      ["PUT", "/api/leads/l-1/assign", { owner: null }],
      ["POST", "/api/leads/l-1/notes", { body: "called back" }],
      ["POST", "/api/leads/l-1/activities", { kind: "call", summary: "left a message" }],
      ["GET", "/api/enquiries/unclaimed?page=3&limit=50", undefined],
      ["GET", "/api/dashboard?bucket=weekly", undefined],
      ["GET", "/api/tasks", undefined],
      ["PUT", "/api/auth/me/time-zone", { time_zone: "Europe/Paris" }],
      ["PUT", "/api/users/u-2/password", { password: "longer secret" }],
      ["POST", "/api/reminders/r-1/snooze", { until: "2026-12-01T09:00:00Z" }],
    ]);
    expect(seen.every((r) => r.auth === "Bearer access-1")).toBe(true);
  });

  it("answers 201 with its body, 204 with nothing, and unwraps the counts", async () => {
    const lead = { id: "l-9", name: "Bo" };
    await signedIn((r) => {
      if (r.url === "/api/leads") return reply(201, lead);
      if (r.url === "/api/leads/l-9") return new Response(null, { status: 204 });
      if (r.url === "/api/notifications/unread-count") return reply(200, { unread: 4 });
      if (r.url === "/api/notifications/read-all") return reply(200, { marked: 4 });
      if (r.url.startsWith("/api/reminders/upcoming")) return reply(200, { items: [{ id: "r-1" }], page: 1, limit: 100, total: 1 });
      return reply(404, { code: "not_found", message: "no such route" });
    });
    expect(await api.createLead({ name: "Bo" })).toEqual(lead);
    expect(await api.deleteLead("l-9")).toBeUndefined();
    expect(await api.unread()).toBe(4);
    expect(await api.markAllRead()).toBe(4);
    expect(await api.remindersUpcoming()).toEqual([{ id: "r-1" }]);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /api/leads", "DELETE /api/leads/l-9", "GET /api/notifications/unread-count",
      "PUT /api/notifications/read-all", "GET /api/reminders/upcoming?page=1&limit=100",
    ]);
  });

  it("rejects with the core's error, or an internal one when there is no answer", async () => {
    let answer: () => Response | Promise<Response> = () =>
      reply(422, { code: "validation", message: "name: is required", fields: [{ field: "name", message: "is required" }] });
    await signedIn(() => answer());
    const invalid = await api.createLead({ name: "" }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ApiError);
    expect((invalid as ApiError).code).toBe("validation");
    expect((invalid as ApiError).field("name")).toBe("is required");

    answer = () => reply(409, { code: "conflict", message: "someone claimed it first" });
    expect(await api.claim("l-1").catch((e: ApiError) => [e.code, e.message])).toEqual(["conflict", "someone claimed it first"]);

    answer = () => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" });
    expect(await api.users().catch((e: ApiError) => [e.code, e.message])).toEqual(["internal", "The server answered 502 Bad Gateway"]);

    answer = () => Promise.reject(new TypeError("fetch failed"));
    const offline = await failure(api.users());
    expect(offline.code).toBe("internal");
    expect(offline.message).toMatch(/cannot reach the leadlight server/i);
  });

  it("rejects the desktop's preferences, so Settings hides them", async () => {
    await signedIn(() => reply(200, {}));
    await expect(api.desktopPrefs()).rejects.toBeInstanceOf(ApiError);
    await expect(api.setDesktopPrefs({ close_to_tray: true })).rejects.toBeInstanceOf(ApiError);
    expect(seen).toEqual([]);
  });
});

describe("the web session", () => {
  it("signs in, keeps only the refresh token across reloads, and signs out", async () => {
    serve((r) => (r.url === "/api/auth/login" ? reply(200, session(1)) : new Response(null, { status: 204 })));
    expect(await api.signIn("ann@example.com", "secret")).toEqual(ann);
    expect(seen[0]).toMatchObject({ method: "POST", body: { email: "ann@example.com", password: "secret" }, auth: null });
    expect([...storage.items]).toEqual([[REFRESH_KEY, "refresh-1"]]);
    await api.signOut();
    expect(seen[1]).toMatchObject({ method: "POST", url: "/api/auth/logout", body: { refresh_token: "refresh-1" } });
    expect(storage.items.size).toBe(0);
  });

  it("reports a wrong password as such, without trying to refresh", async () => {
    storage.setItem(REFRESH_KEY, "refresh-0");
    serve(() => reply(401, { code: "unauthenticated", message: "the email or password is incorrect" }));
    const error = await failure(api.signIn("ann@example.com", "wrong"));
    expect(error.message).toBe("the email or password is incorrect");
    expect(seen.map((r) => r.url)).toEqual(["/api/auth/login"]);
    expect(signedOut).toBe(0);
  });

  it("resumes a stored session at start-up", async () => {
    storage.setItem(REFRESH_KEY, "refresh-0");
    serve((r) => (r.url === "/api/setup" ? reply(200, { needs_first_account: false }) : reply(200, session(1))));
    expect(await api.status()).toEqual({ needs_first_account: false, user: ann });
    expect(seen.map((r) => [r.url, r.body])).toEqual([["/api/setup", undefined], ["/api/auth/refresh", { refresh_token: "refresh-0" }]]);
    expect(storage.getItem(REFRESH_KEY)).toBe("refresh-1");
  });

  it("starts signed out when nothing is stored or the stored session is refused", async () => {
    serve((r) => (r.url === "/api/setup" ? reply(200, { needs_first_account: true }) : reply(401, { code: "unauthenticated", message: "expired" })));
    expect(await api.status()).toEqual({ needs_first_account: true, user: null });
    expect(seen.map((r) => r.url)).toEqual(["/api/setup"]);
    storage.setItem(REFRESH_KEY, "refresh-old");
    expect(await api.status()).toEqual({ needs_first_account: true, user: null });
    expect(storage.items.size).toBe(0);
  });

  it("refreshes an expired access token once and retries", async () => {
    await signedIn((r) => {
      if (r.url === "/api/auth/refresh") return reply(200, session(2));
      return r.auth === "Bearer access-2"
        ? reply(200, { items: [], page: 1, limit: 0, total: 0 })
        : reply(401, { code: "unauthenticated", message: "expired" });
    });
    expect(await api.users()).toEqual([]);
    expect(seen.map((r) => [r.url, r.auth])).toEqual([
      ["/api/users", "Bearer access-1"],
      ["/api/auth/refresh", "Bearer access-1"],
      ["/api/users", "Bearer access-2"],
    ]);
    expect(seen[1].body).toEqual({ refresh_token: "refresh-1" });
    expect(storage.getItem(REFRESH_KEY)).toBe("refresh-2");
    expect(signedOut).toBe(0);
  });

  it("signs out when the refresh is refused", async () => {
    await signedIn((r) => reply(401, { code: "unauthenticated", message: r.url === "/api/auth/refresh" ? "revoked" : "expired" }));
    const error = await failure(api.users());
    expect(error.code).toBe("unauthenticated");
    expect(signedOut).toBe(1);
    expect(storage.items.size).toBe(0);
    expect(seen.map((r) => r.url)).toEqual(["/api/users", "/api/auth/refresh"]);
    // Nothing left to refresh with: later calls go out without a token.
    await api.users().catch(() => undefined);
    expect(seen[2].auth).toBeNull();
  });

  it("keeps the session when the refresh cannot reach the server", async () => {
    await signedIn((r) => (r.url === "/api/auth/refresh" ? Promise.reject(new TypeError("offline")) : reply(401, { code: "unauthenticated", message: "expired" })));
    const error = await failure(api.users());
    expect(error.code).toBe("internal");
    expect(signedOut).toBe(0);
    expect(storage.getItem(REFRESH_KEY)).toBe("refresh-1");
  });

  it("shares one refresh among calls that fail together", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await signedIn(async (r) => {
      if (r.url === "/api/auth/refresh") {
        await held;
        return reply(200, session(2));
      }
      return r.auth === "Bearer access-2" ? reply(200, { unread: 1 }) : reply(401, { code: "unauthenticated", message: "expired" });
    });
    const calls = Promise.all([api.unread(), api.unread(), api.unread()]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    expect(await calls).toEqual([1, 1, 1]);
    expect(seen.filter((r) => r.url === "/api/auth/refresh")).toHaveLength(1);
    expect(seen.filter((r) => r.auth === "Bearer access-2")).toHaveLength(3);
  });
});

describe("files in web mode", () => {
  it("downloads an export under the chosen name and counts its rows", async () => {
    const progress: unknown[] = [];
    await signedIn(() => new Response("Name\nAnn\nBo\n", { status: 200, headers: { "Content-Type": "text/csv", "Content-Length": "12", "X-Total-Count": "2" } }));
    const done = await api.exportLeadsCsv({ status: ["new"], q: "" }, "leads.csv", (p) => progress.push(p));
    expect(done).toEqual({ rows: 2 });
    expect(seen[0]).toMatchObject({ method: "GET", url: "/api/export/leads.csv?status=new", auth: "Bearer access-1" });
    await Promise.resolve();
    expect(saved).toEqual([{ name: "leads.csv", text: "Name\nAnn\nBo\n" }]);
    expect(progress.at(-1)).toEqual({ done: 2, total: 2 });

    await api.reportPdf("2026-11", "leadlight-2026-11.pdf");
    await api.exportAnalyticsXlsx("leadlight-analytics.xlsx");
    expect(seen.slice(1).map((r) => r.url)).toEqual(["/api/reports/monthly.pdf?month=2026-11", "/api/export/analytics.xlsx"]);
  });

  it("uploads the picked file for the preview and the import", async () => {
    await signedIn((r) => reply(r.url === "/api/import/leads" ? 201 : 200, { rows: 1 }));
    const file = new File(["name\nAnn\n"], "people.csv", { type: "text/csv" });
    await api.importPreview(file);
    await api.importRun(file, { name: "name" });
    expect(seen.map((r) => [r.method, r.url])).toEqual([["POST", "/api/import/preview"], ["POST", "/api/import/leads"]]);
    const preview = seen[0].body as FormData;
    const run = seen[1].body as FormData;
    expect((preview.get("file") as File).name).toBe("people.csv");
    expect(await (run.get("file") as File).text()).toBe("name\nAnn\n");
    expect(JSON.parse(run.get("mapping") as string)).toEqual({ name: "name" });
  });
});

/** A response whose body the test writes to, as a server streams events. */
function eventStream() {
  let push!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (push = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } }),
    send: (text: string) => push.enqueue(encoder.encode(text)),
    end: () => push.close(),
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(check()).toBe(true);
};

describe("live events", () => {
  it("splits a stream into events across chunk boundaries", async () => {
    const { response, send, end } = eventStream();
    const events: [string, string][] = [];
    const reading = readEvents(response.body!, (name, data) => events.push([name, data]));
    send(": keep-alive\n\nevent: notification\ndata: {\"id\":");
    send("\"n-1\"}\n\r\nevent: reminder\r\ndata: {\"a\":1,\r\ndata: \"b\":2}\r\n\r\ndata: plain\n\n");
    end();
    await reading;
    expect(events).toEqual([["notification", "{\"id\":\"n-1\"}"], ["reminder", "{\"a\":1,\n\"b\":2}"], ["message", "plain"]]);
  });

  it("follows the stream with the session's token, reconnects when it drops, and stops", async () => {
    const streams: ReturnType<typeof eventStream>[] = [];
    const waits: number[] = [];
    const client = serve(
      (r) => {
        if (r.url === "/api/auth/login") return reply(200, session(1));
        streams.push(eventStream());
        return streams[streams.length - 1].response;
      },
      // No real waiting between reconnections in a test.
      { sleep: async (ms) => void waits.push(ms) },
    );
    await api.signIn("ann@example.com", "secret");
    const events: LiveEvent[] = [];
    const stop = client.live((e) => events.push(e));
    await until(() => streams.length === 1);
    expect(seen.at(-1)).toMatchObject({ url: "/api/notifications/stream", auth: "Bearer access-1" });
    streams[0].send("event: reminder\ndata: {\"id\":\"r-1\",\"lead_name\":\"Ann\"}\n\n");
    streams[0].send("event: other\ndata: {}\n\nevent: notification\ndata: {\"id\":\"n-1\"}\n\n");
    await until(() => events.length === 2);
    expect(events).toEqual([{ event: "reminder", data: { id: "r-1", lead_name: "Ann" } }, { event: "notification", data: { id: "n-1" } }]);

    streams[0].end();
    await until(() => streams.length === 2);
    expect(waits).toEqual([1000]);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(streams).toHaveLength(2);
  });

  it("stops following on sign-out", async () => {
    let opened = 0;
    serve((r) => {
      if (r.url === "/api/auth/login") return reply(200, session(1));
      if (r.url === "/api/auth/logout") return new Response(null, { status: 204 });
      opened += 1;
      return eventStream().response;
    }, { sleep: async () => {} });
    await api.signIn("ann@example.com", "secret");
    followLive(() => {});
    await until(() => opened === 1);
    await api.signOut();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(opened).toBe(1);
  });

  it("stops following when the session cannot be refreshed", async () => {
    serve((r) => (r.url === "/api/auth/login" ? reply(200, session(1)) : reply(401, { code: "unauthenticated", message: "revoked" })), {
      sleep: async () => {},
    });
    await api.signIn("ann@example.com", "secret");
    followLive(() => {});
    await until(() => signedOut === 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(seen.map((r) => r.url)).toEqual(["/api/auth/login", "/api/notifications/stream", "/api/auth/refresh"]);
  });
});
