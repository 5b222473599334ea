// The wire types of leadlight-core's services (serde, snake_case).

export type Role = "admin" | "manager" | "agent";
export type LeadStatus = "new" | "contacted" | "qualified" | "converted" | "lost";
export type LeadSource = "website" | "referral" | "ad" | "other";
export const STATUSES: LeadStatus[] = ["new", "contacted", "qualified", "converted", "lost"];
export const SOURCES: LeadSource[] = ["website", "referral", "ad", "other"];

export interface FieldError {
  field: string;
  message: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role;
  time_zone: string;
  deactivated_at: string | null;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

export interface Lead {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  source: LeadSource;
  status: LeadStatus;
  tags: string[];
  owner_id: string | null;
  owner_name: string | null;
  claimed_at: string | null;
  converted_at: string | null;
  lost_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Note {
  id: string;
  lead_id: string;
  author_name: string | null;
  body: string;
  created_at: string;
}

export type ActivityKind =
  | "created" | "updated" | "status_changed" | "note_added" | "assigned" | "claimed"
  | "converted" | "call" | "meeting" | "email" | "reminder_done";

export interface Activity {
  id: string;
  lead_id: string;
  actor_name: string | null;
  kind: ActivityKind;
  detail: Record<string, unknown>;
  at: string;
}

export interface Reminder {
  id: string;
  lead_id: string;
  lead_name: string;
  due_at: string;
  message: string;
  status: "pending" | "done";
  notified_at?: string | null;
  done_at?: string;
}

export interface Customer {
  id: string;
  lead_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  created_at: string;
}

export interface LeadDetail {
  lead: Lead;
  notes: Note[];
  activities: Activity[];
  reminders: Reminder[];
  customer: Customer | null;
}

export interface Task {
  id: string;
  title: string;
  description: string;
  due_at: string | null;
  assignee_name: string | null;
  lead_id: string | null;
  status: "open" | "done";
}

export interface Count<K> {
  key: K;
  count: number;
}

export interface Dashboard {
  generated_at: string;
  time_zone: string;
  cards: { total_leads: number; new_today: number; converted_this_week: number; lost_this_month: number };
  by_status: Count<LeadStatus>[];
  by_source: Count<LeadSource>[];
  over_time: { bucket: Bucket; from: string; to: string; points: { start: string; count: number }[] };
  conversion: {
    shown: string;
    label: string;
    months: { month: string; created: number; converted: number; lost: number; rate_of_created: number | null; rate_of_closed: number | null }[];
  };
  reminders_today: Reminder[];
  reminders_overdue: Reminder[];
  recent_activity: Activity[];
  overdue_tasks: Task[];
}

export type Bucket = "daily" | "weekly" | "monthly";

export interface LeadQuery {
  q?: string;
  status?: LeadStatus[];
  source?: string;
  tag?: string;
  owner?: string;
  created_from?: string;
  created_to?: string;
  sort?: string;
  order?: "asc" | "desc";
  page?: number;
  limit?: number;
}

export interface NewLead {
  name: string;
  email?: string;
  phone?: string;
  company?: string;
  source?: string;
  tags?: string[];
}

export interface AppStatus {
  needs_first_account: boolean;
  user: User | null;
}

export interface AppNotification {
  id: string;
  kind: "reminder_due" | "lead_assigned" | "claim_lost" | "enquiry_received";
  title: string;
  body: string;
  lead_id: string | null;
  read_at: string | null;
  created_at: string;
}

export interface Inbox {
  items: AppNotification[];
  page: number;
  limit: number;
  has_more: boolean;
  unread: number;
}

export type ImportField = "name" | "first_name" | "last_name" | "email" | "phone" | "company" | "source" | "status" | "tags" | "notes";
export const IMPORT_FIELDS: ImportField[] = ["name", "first_name", "last_name", "email", "phone", "company", "source", "status", "tags", "notes"];

export interface ImportPreview {
  headers: string[];
  mapping: Partial<Record<ImportField, string>>;
  sample: string[][];
  rows: number;
}

export type RowOutcome =
  | { outcome: "created"; line: number; lead_id: string }
  | { outcome: "duplicate"; line: number; reason: string; earlier_line: number | null; existing_lead: string | null }
  | { outcome: "rejected"; line: number; reasons: string[] };

export interface ImportReport {
  batch_id: string;
  rows: number;
  created: number;
  duplicates: number;
  rejected: number;
  outcomes: RowOutcome[];
}

export interface ImportBatch {
  id: string;
  file_name: string;
  rows: number;
  created: number;
  duplicates: number;
  rejected: number;
  undone_at: string | null;
  created_at: string;
}

/** Preferences of this desktop installation. */
export type DesktopPrefs = { close_to_tray: boolean };

/** Where this desktop stands with its team server (null: none set up). */
export interface SyncStatus {
  server_url: string;
  user_id: string;
  client_id: string;
  /** Changes made here the server has not settled yet. */
  pending: number;
  last_success_at: string | null;
  last_error: string | null;
  /** Conflicts not reviewed yet. */
  conflicts: number;
}

/** A change of this user's the team server settled otherwise. */
export interface SyncConflict {
  id: string;
  entity: string;
  entity_id: string;
  /** null: the whole change was refused. */
  field: string | null;
  yours: unknown;
  winning: unknown;
  message: string;
  at: string;
  reviewed: boolean;
}

/** How far a sync round has got (the desktop's "sync-progress" event). */
export type SyncProgress =
  | { phase: "pushing"; done: number; of: number }
  | { phase: "pulling"; records: number; of: number | null };

export interface SyncRound {
  pushed: number;
  rejected: number;
  superseded: number;
  pulled: number;
  removed: number;
  not_synced_yet: number;
  resynced: boolean;
}
