import { describe as suite, expect, it } from "vitest";
import { ago, count, counted, describe, percent, statusLabel } from "./format";

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
});
