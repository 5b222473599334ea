import { describe, expect, it } from "vitest";

// The router module reads `location`; give it one before importing.
globalThis.location = { hash: "" } as Location;
globalThis.window = { addEventListener: () => {} } as unknown as Window & typeof globalThis;
const { parse } = await import("./router.svelte");

describe("router", () => {
  it("maps hashes to screens", () => {
    expect(parse("")).toEqual({ name: "dashboard" });
    expect(parse("#/leads/abc")).toEqual({ name: "lead", id: "abc" });
    expect(parse("#/leads?status=qualified")).toEqual({ name: "leads", status: "qualified", source: undefined });
    expect(parse("#/pipeline")).toEqual({ name: "pipeline" });
    expect(parse("#/nowhere")).toEqual({ name: "dashboard" });
  });
});
