// Web mode's reminder pop-ups, through the browser's Notification API. The
// browser only lets a page ask for permission from a user's click, so asking
// is a button in Settings; until then reminders only reach the bell.

import type { Reminder } from "./types";

export type Permission = NotificationPermission | "unsupported";

export function permission(): Permission {
  // Browsers offer notifications only to secure pages (HTTPS or localhost).
  if (typeof Notification === "undefined" || !globalThis.isSecureContext) return "unsupported";
  return Notification.permission;
}

/** Ask to show notifications; call from a click handler. */
export async function askPermission(): Promise<Permission> {
  if (permission() === "unsupported") return "unsupported";
  return Notification.requestPermission();
}

/** Pop a reminder up (as the desktop does) if allowed; a click opens its lead. */
export function showReminder(reminder: Reminder, open: (page: string) => void): void {
  if (permission() !== "granted") return;
  let shown: Notification;
  try {
    // The tag stops a reminder showing twice if two tabs are open.
    shown = new Notification(`Follow up: ${reminder.lead_name}`, { body: reminder.message, tag: `reminder-${reminder.id}` });
  } catch {
    return; // Mobile browsers allow them only from a service worker; the bell still has it.
  }
  shown.onclick = () => {
    window.focus();
    open(`#/leads/${reminder.lead_id}`);
    shown.close();
  };
}
