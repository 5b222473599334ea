// Presentation only: how figures, dates and enum values read in the UI.

import type { ActivityKind, LeadSource, LeadStatus, SyncProgress, SyncStatus } from "./types";

const STATUS_LABELS: Record<LeadStatus, string> = {
  new: "New",
  contacted: "Contacted",
  qualified: "Qualified",
  converted: "Converted",
  lost: "Lost",
};

const SOURCE_LABELS: Record<LeadSource, string> = {
  website: "Website",
  referral: "Referral",
  ad: "Ad",
  other: "Other",
};

export const statusLabel = (s: LeadStatus): string => STATUS_LABELS[s] ?? s;
export const sourceLabel = (s: LeadSource): string => SOURCE_LABELS[s] ?? s;

export function count(n: number): string {
  return new Intl.NumberFormat("en-US").format(n);
}

/** "1 lead", "2,000 leads". */
export function counted(n: number, noun: string): string {
  return `${count(n)} ${n === 1 ? noun : `${noun}s`}`;
}

export function percent(rate: number | null | undefined): string {
  return rate == null ? "–" : `${(rate * 100).toFixed(1)}%`;
}

/** "24 Nov 2026, 09:30" in the machine's zone. */
export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

export function date(iso: string): string {
  return new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" }).format(new Date(iso));
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the date. */
export function ago(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 14) return days === 1 ? "yesterday" : `${days} days ago`;
  return date(iso);
}

/** A sentence for a timeline entry. */
export function describe(kind: ActivityKind, detail: Record<string, unknown>): string {
  const s = (key: string) => (typeof detail[key] === "string" ? (detail[key] as string) : "");
  switch (kind) {
    case "created":
      return detail.via === "web_form" ? "Enquiry came in through the web form" : detail.via === "import" ? "Imported from a CSV file" : "Created the lead";
    case "updated": {
      if (Array.isArray(detail.tags_added)) return `Tagged ${(detail.tags_added as string[]).join(", ")}`;
      if (Array.isArray(detail.tags_removed)) return `Removed tag ${(detail.tags_removed as string[]).join(", ")}`;
      const changes = detail.changes && typeof detail.changes === "object" ? Object.keys(detail.changes) : [];
      return changes.length ? `Changed ${changes.join(", ")}` : "Updated the lead";
    }
    case "status_changed":
      return `Moved from ${statusLabel(s("from") as LeadStatus)} to ${statusLabel(s("to") as LeadStatus)}`;
    case "converted":
      return "Converted to a customer";
    case "note_added":
      return `Added a note: “${s("excerpt")}”`;
    case "assigned":
      return s("to_name") ? `Assigned to ${s("to_name")}` : "Returned to the unclaimed pool";
    case "claimed":
      return "Claimed the lead";
    case "reminder_done":
      return `Done: ${s("message")}`;
    case "call":
    case "meeting":
    case "email":
      return `${kind === "call" ? "Call" : kind === "meeting" ? "Meeting" : "Email"}: ${s("summary")}`;
  }
}

/** A local "YYYY-MM-DDTHH:MM" (datetime-local input) as an RFC 3339 instant. */
export function localInputToInstant(value: string): string {
  return new Date(value).toISOString();
}

/** The sync indicator: what state this desktop is in, in a few words, and
 * its tone. Offline is not an error: changes wait and go later. */
export function syncState(
  status: SyncStatus,
  now: Date = new Date(),
): { label: string; tone: "good" | "busy" | "warn" | "bad" } {
  const waiting = status.pending > 0 ? ` · ${counted(status.pending, "change")} waiting` : "";
  if (status.last_error?.startsWith("offline"))
    return { label: `Offline${waiting}`, tone: "warn" };
  if (status.last_error) return { label: `Sync failed${waiting}`, tone: "bad" };
  if (status.pending > 0) return { label: `${counted(status.pending, "change")} waiting`, tone: "busy" };
  if (!status.last_success_at) return { label: "Not synced yet", tone: "busy" };
  return { label: `Synced ${ago(status.last_success_at, now)}`, tone: "good" };
}

/** A sync round under way, for the indicator's bar (`fraction` null when
 * the total is not known: a pull after the first sync). */
export function syncProgress(p: SyncProgress): { label: string; fraction: number | null } {
  if (p.phase === "pushing")
    return { label: `Sending ${count(p.done)} of ${counted(p.of, "change")}`, fraction: p.of > 0 ? Math.min(1, p.done / p.of) : null };
  if (p.of != null && p.of > 0)
    return { label: `Receiving ${count(Math.min(p.records, p.of))} of ${counted(p.of, "lead")}`, fraction: Math.min(1, p.records / p.of) };
  return { label: `Received ${counted(p.records, "lead")}`, fraction: null };
}

/** A synced value as a person reads it ("(empty)" for none). */
export function syncValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "(empty)";
  if (typeof value === "string") return value;
  if (typeof value === "object" && value && "name" in value) return String((value as { name: unknown }).name);
  return JSON.stringify(value);
}
