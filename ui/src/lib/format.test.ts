import { describe as suite, expect, it } from "vitest";
import { ago, count, counted, describe, percent, statusLabel, syncProgress, syncState, syncValue } from "./format";
import type { SyncStatus } from "./types";

suite("format", () => {
  it("reads numbers and rates the way a person would", () => {
    expect(count(1234567)).toBe("1,234,567");
    expect(percent(0.4)).toBe("40.0%");
    expect(percent(null)).toBe("–");
    expect(statusLabel("qualified")).toBe("Qualified");
    expect(counted(1, "lead")).toBe("1 lead");
    expect(counted(2000, "lead")).toBe("2,000 leads");
  });

  it("says how long ago, then the date", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    expect(ago("2026-11-24T11:59:50Z", now)).toBe("just now");
    expect(ago("2026-11-24T11:55:00Z", now)).toBe("5 min ago");
    expect(ago("2026-11-24T09:00:00Z", now)).toBe("3 h ago");
    expect(ago("2026-11-23T12:00:00Z", now)).toBe("yesterday");
    expect(ago("2026-10-01T12:00:00Z", now)).toBe("1 Oct 2026");
  });

  it("describes timeline entries", () => {
    expect(describe("status_changed", { from: "new", to: "contacted" })).toBe("Moved from New to Contacted");
    expect(describe("call", { summary: "Discussed pricing" })).toBe("Call: Discussed pricing");
    expect(describe("created", { via: "web_form" })).toBe("Enquiry came in through the web form");
    expect(describe("updated", { changes: { email: {}, phone: {} } })).toBe("Changed email, phone");
    expect(describe("assigned", { to_name: null })).toBe("Returned to the unclaimed pool");
  });

  it("says where sync stands", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    const base: SyncStatus = {
      server_url: "https://crm.example.com", user_id: "u", client_id: "c",
      pending: 0, last_success_at: "2026-11-24T11:55:00Z", last_error: null, conflicts: 0,
    };
    expect(syncState(base, now)).toEqual({ label: "Synced 5 min ago", tone: "good" });
    expect(syncState({ ...base, pending: 3 }, now)).toEqual({ label: "3 changes waiting", tone: "busy" });
    expect(syncState({ ...base, pending: 1, last_error: "offline: connection refused" }, now)).toEqual({
      label: "Offline · 1 change waiting", tone: "warn",
    });
    expect(syncState({ ...base, last_error: "the server settled none" }, now).tone).toBe("bad");
    expect(syncState({ ...base, last_success_at: null }, now).label).toBe("Not synced yet");
    expect(syncValue(null)).toBe("(empty)");
    expect(syncValue("Ada")).toBe("Ada");
    expect(syncValue({ name: "Walk In", owner_id: "x" })).toBe("Walk In");
  });

  it("tells how far a sync round has got", () => {
    expect(syncProgress({ phase: "pushing", done: 500, of: 2000 })).toEqual({
      label: "Sending 500 of 2,000 changes", fraction: 0.25,
    });
    expect(syncProgress({ phase: "pulling", records: 12000, of: 100000 })).toEqual({
      label: "Receiving 12,000 of 100,000 leads", fraction: 0.12,
    });
    // Leads changed while the snapshot ran come again after it: never past full.
    expect(syncProgress({ phase: "pulling", records: 100004, of: 100000 }).fraction).toBe(1);
    expect(syncProgress({ phase: "pulling", records: 3, of: null })).toEqual({ label: "Received 3 leads", fraction: null });
  });
});
