import { afterEach, describe, expect, it } from "vitest";
import { Channel } from "@tauri-apps/api/core";
import { mockIPC } from "@tauri-apps/api/mocks";
import { api, ApiError, tauriTransport, useTransport, type Progress } from "./api";

describe("api", () => {
  afterEach(() => useTransport(() => Promise.reject(new Error("no transport in tests"))));

  it("sends each call to its command with its arguments", async () => {
    const calls: [string, Record<string, unknown>][] = [];
    useTransport(async (command, args) => {
      calls.push([command, args]);
      return { items: [], page: 1, limit: 50, total: 0 };
    });
    await api.leads({ q: "555", status: ["new"] });
    await api.addNote("lead-1", "hello");
    expect(calls).toEqual([
      ["leads_list", { query: { q: "555", status: ["new"] } }],
      ["note_add", { leadId: "lead-1", body: "hello" }],
    ]);
  });

  it("turns the core's error shape into an ApiError that names fields", async () => {
    useTransport(() =>
      Promise.reject({ code: "validation", message: "name: is required", fields: [{ field: "name", message: "is required" }] }),
    );
    const error = await api.createLead({ name: "" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const e = error as ApiError;
    expect(e.code).toBe("validation");
    expect(e.field("name")).toBe("is required");
    expect(e.field("email")).toBeUndefined();
  });

  it("wraps anything else as an internal error", () => {
    expect(ApiError.from("boom").code).toBe("internal");
    expect(ApiError.from(undefined).message).toBe("Something went wrong.");
  });

  it("hands a progress callback to Tauri as a channel whose messages reach it", async () => {
    (globalThis as { window?: unknown }).window ??= globalThis;
    mockIPC((command, args) => {
      const channel = (args as { onProgress: Channel<Progress> }).onProgress;
      expect(command).toBe("export_leads_csv");
      expect(channel).toBeInstanceOf(Channel);
      channel.onmessage({ done: 500, total: 1000 });
      channel.onmessage({ done: 1000, total: 1000 });
      return { rows: 1000 };
    });
    useTransport(tauriTransport);
    const seen: Progress[] = [];
    const done = await api.exportLeadsCsv({}, "/tmp/leads.csv", (p) => seen.push(p));
    expect(done.rows).toBe(1000);
    expect(seen).toEqual([{ done: 500, total: 1000 }, { done: 1000, total: 1000 }]);
  });
});
