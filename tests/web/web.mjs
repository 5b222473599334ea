// Web mode end to end: the real team server (target/debug/leadlight-server)
// on a fresh data folder, its embedded UI driven in Debian's headless
// Chromium as a new user would use it. Run by `cargo xtask test` after it
// builds the server; by hand: `cargo build -p leadlight-server`, then
// `npm install && node web.mjs` here. Screenshots of every screen, in both
// themes and at 1280 and 1024 px, go to target/web-artifacts/.
//
// Environment: LEADLIGHT_SERVER_BIN (the server binary), LEADLIGHT_CHROMIUM
// (the browser, default /usr/bin/chromium), LEADLIGHT_WEB_ARTIFACTS (where
// screenshots go).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const workspace = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const target = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(workspace, "target");
const serverBinary = process.env.LEADLIGHT_SERVER_BIN ?? join(target, "debug/leadlight-server");
const browserBinary = process.env.LEADLIGHT_CHROMIUM ?? "/usr/bin/chromium";
const artifacts = process.env.LEADLIGHT_WEB_ARTIFACTS ?? join(target, "web-artifacts");
const WAIT = 20_000;

const ADMIN = { name: "Ada Admin", email: "ada@example.com", password: "correct horse battery" };
const LEAD = { name: "Grace Hopper", email: "grace@navy.example.com", phone: "+1 (555) 010-2030", company: "US Navy" };

/** Every screen of the signed-in app: its route and its heading. The lead's
 * own page is added once it exists. */
const SCREENS = [
  ["dashboard", "#/", "Dashboard"],
  ["leads", "#/leads", "Leads"],
  ["pipeline", "#/pipeline", "Pipeline"],
  ["unclaimed", "#/unclaimed", "Unclaimed"],
  ["reminders", "#/reminders", "Reminders"],
  ["tasks", "#/tasks", "Tasks"],
  ["customers", "#/customers", "Customers"],
  ["import", "#/import", "Import leads"],
  ["reports", "#/reports", "Reports"],
  ["users", "#/users", "Users"],
  ["settings", "#/settings", "Settings"],
];

let dataDir;
let server;
let origin;
let browser;
let context;
let page;
let leadRoute;
/** Console errors, uncaught exceptions and CSP violations, as they happen. */
const problems = [];
/** API answers a step provokes on purpose (a 400 for a short password):
 * Chromium logs each failed fetch as a console error, which is then expected. */
const expectedFailures = [];
let broken = false;
/** The step running now, to say where a problem happened. */
let current = "set-up";
/** Requests for the live event stream the page has made. */
let streamRequests = 0;

// ---------------------------------------------------------------- helpers

/** A scenario step. The scenario builds on itself, so once a step fails
 * the later ones are skipped, except for checks that change nothing
 * (`{ blocking: false }`), whose failure leaves the rest to run. A failing
 * step leaves a screenshot. */
function step(name, body, { blocking = true } = {}) {
  test(name, async (t) => {
    if (broken) return t.skip("an earlier step failed");
    current = name;
    try {
      await body();
    } catch (error) {
      if (blocking) broken = true;
      const file = join(artifacts, `failure-${name.replace(/\W+/g, "-").slice(0, 60)}.png`);
      await page?.screenshot({ path: file }).catch(() => {});
      error.message += `\n(the page at the failure: ${file}; the server's log: ${join(artifacts, "server.log")})`;
      throw error;
    }
  });
}

/** Save what the user sees now, after transitions and chart animations. */
async function shot(name) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  // Pictures only, nothing is asserted on them: let CSS transitions and
  // Chart.js's 250 ms animation finish.
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** Wait until `check` (run in Node) holds; `what` explains a failure. */
async function until(what, check, timeout = WAIT) {
  const started = Date.now();
  let last;
  for (;;) {
    try {
      last = await check();
      if (last === true) return;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() - started > timeout) assert.fail(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first element matching `css` whose text contains `text`, once shown. */
async function seeText(css, text) {
  const found = page.locator(css).filter({ hasText: text }).first();
  try {
    await found.waitFor({ state: "visible", timeout: WAIT });
  } catch {
    const seen = await page.locator(css).allInnerTexts().catch(() => []);
    assert.fail(`${css} never showed ${JSON.stringify(text)}; it shows ${JSON.stringify(seen)}`);
  }
  return found;
}

const heading = (text) => seeText("h1", text);

async function visit(route, title) {
  await page.evaluate((hash) => (location.hash = hash), route);
  await heading(title);
}

/** Choose a theme as the user does: the radio buttons in Settings. */
async function chooseTheme(label) {
  await visit("#/settings", "Settings");
  await page.getByRole("radio", { name: label, exact: true }).check();
}

/** The browser's own local time `seconds` from now, as a datetime-local input takes it. */
function localTimeIn(seconds) {
  return page.evaluate((ms) => {
    const at = new Date(Date.now() + ms);
    const two = (n) => String(n).padStart(2, "0");
    return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  }, seconds * 1000);
}

/** Start the server on a free port; resolves with its origin from the first stdout line. */
async function startServer() {
  dataDir = mkdtempSync(join(tmpdir(), "leadlight-web-"));
  server = spawn(serverBinary, ["--bind", "127.0.0.1:0", "--data-dir", join(dataDir, "server")], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "info" },
  });
  server.stderr.pipe(createWriteStream(join(artifacts, "server.log")));
  const exited = once(server, "exit").then(([code, signal]) => {
    throw new Error(`${serverBinary} exited (${code ?? signal}) before listening; see ${join(artifacts, "server.log")}`);
  });
  const failed = once(server, "error").then(([error]) => {
    throw new Error(`cannot start ${serverBinary} (build it: cargo build -p leadlight-server): ${error.message}`);
  });
  const lines = createInterface({ input: server.stdout });
  const first = once(lines, "line").then(([line]) => line);
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("the server printed nothing in 30 s")), 30_000).unref());
  const line = await Promise.race([first, exited, failed, timeout]);
  exited.catch(() => {});
  failed.catch(() => {});
  const match = /^listening on (http:\/\/\S+)$/.exec(line);
  assert.ok(match, `unexpected first line from the server: ${line}`);
  return match[1];
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, "exit");
  server.kill("SIGINT"); // the server shuts down gracefully on Ctrl+C
  const timer = setTimeout(() => server.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------- set-up

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  origin = await startServer();
  browser = await chromium.launch({ executablePath: browserBinary, headless: true });
  context = await browser.newContext({
    viewport: { width: 1280, height: 820 },
    colorScheme: "light",
    acceptDownloads: true,
  });
  // Record CSP violations from inside the page, wherever it navigates.
  await context.exposeBinding("__leadlightCsp", (_source, report) => problems.push(`[${current}] CSP violation: ${report}`));
  // Record the browser notifications the page shows (and still show them).
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__leadlightCsp(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber} (${e.sample})`));
    window.__shownNotifications = [];
    if (window.Notification) {
      const Real = window.Notification;
      window.Notification = class extends Real {
        constructor(title, options) {
          super(title, options);
          window.__shownNotifications.push({ title, body: options?.body ?? "" });
        }
      };
    }
  });
  page = await context.newPage();
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/notifications/stream") streamRequests += 1;
  });
  page.on("pageerror", (error) => problems.push(`[${current}] uncaught exception on ${page.url()}: ${error.stack ?? error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const { url } = message.location();
    const at = url ? new URL(url, origin).pathname : "";
    const expected = expectedFailures.findIndex((f) => f.path === at && message.text().includes(`status of ${f.status}`));
    if (expected >= 0) expectedFailures.splice(expected, 1);
    else problems.push(`[${current}] console error on ${page.url()}: ${message.text()} (${url || "no source"})`);
  });
});

after(async () => {
  await browser?.close();
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- the scenario

step("the server serves the UI with its security headers", async () => {
  const response = await page.goto(origin + "/");
  assert.equal(response.status(), 200);
  const headers = response.headers();
  assert.match(headers["content-security-policy"] ?? "", /default-src 'self'/);
  assert.equal(headers["x-frame-options"], "DENY");
  await heading("Welcome");
  // The watch for CSP violations sees one: an inline style attribute is refused.
  await page.evaluate(() => document.body.setAttribute("style", "outline: 1px solid red"));
  await until("the CSP watch to report the inline style", () => problems.some((p) => p.includes("CSP violation")));
  problems.length = 0;
});

step("first run: the first account is made and becomes the Admin", async () => {
  // The first-run screen follows the system's theme until one is chosen.
  await page.emulateMedia({ colorScheme: "dark" });
  await shot("01-first-run-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await shot("01-first-run-light");

  await page.fill("input[name=name]", ADMIN.name);
  await page.fill("input[name=email]", ADMIN.email);
  await page.fill("input[name=password]", "short");
  expectedFailures.push({ path: "/api/auth/register", status: 400 });
  await page.getByRole("button", { name: "Create account" }).click();
  await seeText(".error", "at least 8 characters");
  await shot("01-first-run-error");
  await page.fill("input[name=password]", ADMIN.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await heading("Dashboard");
  await seeText("aside .me", ADMIN.name);
  await seeText("aside .me", "admin");
  await seeText("[data-card=total]", "0");
  await seeText(".page", "No leads yet");
  await shot("02-dashboard-empty");
});

step("Settings: the user allows browser notifications", async () => {
  await visit("#/settings", "Settings");
  await seeText(".page", "Browser notifications");
  // The user answers the browser's permission prompt with Allow.
  await context.grantPermissions(["notifications"], { origin });
  await page.getByRole("button", { name: "Enable browser notifications" }).click();
  await seeText(".page", "On: reminders pop up");
  await shot("03-settings-notifications");
});

step("Settings shows the user's time zone", async () => {
  // The dashboard counts days in the account's zone (new accounts: UTC);
  // Settings offers to change it, starting from the one in force.
  await visit("#/", "Dashboard");
  const zone = (await (await seeText(".top .muted", "Days in")).innerText()).replace("Days in", "").trim();
  await visit("#/settings", "Settings");
  const select = page.getByLabel("Time zone");
  assert.equal(await select.inputValue(), zone, "the Time zone list shows no choice (the user's zone is not among its options)");
}, { blocking: false });

step("a new lead with a phone number, through the New lead form", async () => {
  await page.getByRole("button", { name: "New lead" }).click();
  const form = page.getByRole("dialog");
  await form.waitFor();
  await form.locator("input[name=email]").fill("not an email");
  expectedFailures.push({ path: "/api/leads", status: 400 });
  await form.getByRole("button", { name: "Create lead" }).click();
  await seeText("form .error", "is required");
  await form.locator("input[name=name]").fill(LEAD.name);
  await form.locator("input[name=email]").fill(LEAD.email);
  await form.locator("input[name=phone]").fill(LEAD.phone);
  await form.locator("input[name=company]").fill(LEAD.company);
  await shot("04-new-lead");
  await form.getByRole("button", { name: "Create lead" }).click();
  await heading(LEAD.name);
  leadRoute = await page.evaluate(() => location.hash);
  assert.match(leadRoute, /^#\/leads\/[0-9a-f-]{36}$/);
  await seeText("dl", LEAD.phone);
  await seeText(".badge", "New");
});

step("the leads search finds the lead by its phone's digits", async () => {
  await page.getByRole("link", { name: "Leads", exact: true }).click();
  await heading("Leads");
  await page.getByLabel("Search leads").fill("5550102030");
  await page.locator("tr[data-lead='Grace Hopper']").waitFor();
  await seeText(".top", "1 found");
  await shot("05-leads-search");
  // Digits that match nothing find nothing.
  await page.getByLabel("Search leads").fill("5559999999");
  await seeText(".empty", "No lead matches these filters.");
  await page.getByLabel("Search leads").fill("");
});

step("the kanban: dragging the card from New to Contacted", async () => {
  await page.getByRole("link", { name: "Pipeline" }).click();
  await heading("Pipeline");
  const card = page.locator("[data-column=new] [data-card='Grace Hopper']");
  await card.waitFor();
  // A real mouse drag: Chromium runs HTML5 drag and drop for it.
  await card.dragTo(page.locator("[data-column=contacted]"));
  await page.locator("[data-column=contacted] [data-card='Grace Hopper']").waitFor({ timeout: WAIT });
  await seeText("[data-column=new]", "Nothing here");
  await shot("06-pipeline");
  // The move is saved: the lead's page says so too.
  await page.locator("[data-card='Grace Hopper']").dblclick();
  await heading(LEAD.name);
  await seeText(".top .badge", "Contacted");
});

step("a note shows in the notes and the timeline", async () => {
  await page.getByLabel("Note", { exact: true }).fill("Wants a demo next week");
  await page.getByRole("button", { name: "Add note" }).click();
  await seeText(".note", "Wants a demo next week");
  await seeText("[data-section=timeline]", "Added a note");
  await seeText("[data-section=timeline]", ADMIN.name);
});

let reminderDue;
step("a reminder on the lead, due in a few seconds", async () => {
  // Far enough ahead that the dashboard shows it pending first.
  const at = await localTimeIn(12);
  await page.getByLabel("Remind me at").fill(at);
  await page.getByLabel("Reminder message").fill("Call Grace about the demo");
  await page.getByRole("button", { name: "Add reminder" }).click();
  reminderDue = Date.parse(at); // local time, read the same way in Node (same machine zone)
  await seeText(".side", "Call Grace about the demo");
  await shot("07-lead-detail");
});

step("the dashboard: summary cards and the charts drawn", async () => {
  await page.getByRole("link", { name: "Dashboard" }).click();
  await heading("Dashboard");
  await until("the total card to show 1", async () => (await page.locator("[data-card=total]").innerText()).trim() === "1");
  await seeText("[data-widget=reminders]", "Call Grace about the demo");
  await seeText(".page", "Added a note");
  // Four Chart.js canvases, laid out with a size and with pixels painted.
  await until("four charts drawn", () =>
    page.evaluate(() => {
      const canvases = [...document.querySelectorAll(".page canvas")];
      const drawn = canvases.map((c) => {
        const box = c.getBoundingClientRect();
        if (!box.width || !box.height || !c.width || !c.height) return `${c.parentElement?.getAttribute("aria-label")}: no size`;
        const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
        return `${c.parentElement?.getAttribute("aria-label")}: blank`;
      });
      return drawn.length === 4 && drawn.every((d) => d === true) ? true : drawn;
    }));
  await shot("08-dashboard");
});

step("the bell gets the reminder as it falls due (pushed over the event stream)", async () => {
  // The stream is open: fetch() with the token, since EventSource cannot send it.
  assert.ok(streamRequests > 0, "the UI never opened /api/notifications/stream");
  await page.locator("[data-unread]").waitFor({ timeout: 40_000 });
  const seenAt = Date.now();
  await until("the browser notification for the reminder", () =>
    page.evaluate(() => window.__shownNotifications.length > 0 || JSON.stringify(window.__shownNotifications)));
  const shown = await page.evaluate(() => window.__shownNotifications);
  assert.deepEqual(shown, [{ title: `Follow up: ${LEAD.name}`, body: "Call Grace about the demo" }]);
  // The bell polls every 10 s as a fallback; the push makes it prompt.
  assert.ok(seenAt - reminderDue < 8_000, `the bell showed the reminder ${Math.round((seenAt - reminderDue) / 1000)} s after it fell due`);
  await page.getByRole("button", { name: /^Notifications, 1 unread/ }).click();
  await seeText("[role=dialog][aria-label=Notifications]", `Follow up: ${LEAD.name}`);
  await shot("09-notifications");
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.locator("[data-unread]").waitFor({ state: "detached" });
  await page.keyboard.press("Escape");
  await page.locator("[role=dialog][aria-label=Notifications]").waitFor({ state: "detached" });
});

step("leads export to CSV as a browser download", async () => {
  await page.getByRole("link", { name: "Leads", exact: true }).click();
  await page.locator("tr[data-lead='Grace Hopper']").waitFor();
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export CSV" }).click();
  const download = await downloading;
  assert.equal(download.suggestedFilename(), "leads.csv");
  const file = join(dataDir, "leads.csv");
  await download.saveAs(file);
  const csv = readFileSync(file, "utf8");
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  assert.match(header, /name/i);
  assert.equal(rows.length, 1, csv);
  for (const text of [LEAD.name, LEAD.email, LEAD.company, "contacted"]) assert.ok(rows[0].includes(text), `no ${text} in ${csv}`);
  assert.ok(rows[0].replace(/\D/g, "").includes("5550102030"), `no phone in ${csv}`);
  await seeText("[role=status]", "Exported 1 lead to leads.csv (downloaded)");
  writeFileSync(join(artifacts, "leads.csv"), csv);
  await shot("10-leads-exported");
});

step("every screen in both themes, at 1280 and 1024 px", async () => {
  const screens = [...SCREENS.slice(0, 2), ["lead", leadRoute, LEAD.name], ...SCREENS.slice(2)];
  for (const [theme, label] of [["light", "Light"], ["dark", "Dark"]]) {
    await chooseTheme(label);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
    for (const width of [1280, 1024]) {
      await page.setViewportSize({ width, height: 820 });
      for (const [i, [name, route, title]] of screens.entries()) {
        await visit(route, title);
        if (name === "dashboard") await page.locator(".page canvas").first().waitFor();
        if (name === "leads" || name === "pipeline") await page.locator("[data-lead='Grace Hopper'], [data-card='Grace Hopper']").first().waitFor();
        await shot(`tour-${theme}-${width}-${String(i).padStart(2, "0")}-${name}`);
      }
      // The dialogs: the New lead form, the notification centre, the keyboard help.
      await page.getByRole("button", { name: "New lead" }).click();
      await page.getByRole("dialog").waitFor();
      await shot(`tour-${theme}-${width}-new-lead`);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await page.getByRole("button", { name: /^Notifications/ }).click();
      await seeText("[role=dialog][aria-label=Notifications]", `Follow up: ${LEAD.name}`);
      await shot(`tour-${theme}-${width}-notifications`);
      await page.keyboard.press("Escape");
      await page.locator("[role=dialog][aria-label=Notifications]").waitFor({ state: "detached" });
      await page.evaluate(() => document.activeElement?.blur());
      await page.keyboard.press("?");
      await seeText("[role=dialog]", "Keyboard shortcuts");
      await shot(`tour-${theme}-${width}-help`);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
    }
    await page.setViewportSize({ width: 1280, height: 820 });
  }
  // Back to following the system, so the sign-in screen can be seen in both.
  await chooseTheme("Follow the system");
});

step("sign out, and sign in again", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await heading("Sign in");
  assert.equal(await page.evaluate(() => localStorage.getItem("leadlight.refresh_token")), null, "sign-out left a token behind");
  await page.emulateMedia({ colorScheme: "dark" });
  await until("the dark theme", async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === "dark");
  await shot("11-sign-in-dark");
  await page.emulateMedia({ colorScheme: "light" });
  await until("the light theme", async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === "light");
  await shot("11-sign-in-light");
  await page.fill("input[name=email]", ADMIN.email);
  await page.fill("input[name=password]", "not the password");
  expectedFailures.push({ path: "/api/auth/login", status: 401 });
  await page.getByRole("button", { name: "Sign in" }).click();
  await seeText("[role=alert]", "email or password is incorrect");
  await shot("11-sign-in-refused");
  await page.fill("input[name=password]", ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await heading("Dashboard");
  await seeText("aside .me", ADMIN.name);
  await until("the total card to show 1", async () => (await page.locator("[data-card=total]").innerText()).trim() === "1");
});

step("the session survives a reload", async () => {
  await visit(leadRoute, LEAD.name);
  await page.reload();
  await heading(LEAD.name);
  await seeText("aside .me", ADMIN.name);
  await seeText(".note", "Wants a demo next week");
  // And a fresh page load at the root lands on the dashboard, signed in.
  await page.goto(origin + "/");
  await heading("Dashboard");
  await seeText("aside .me", ADMIN.name);
});

step("Reports: the monthly PDF downloads", async () => {
  await visit("#/reports", "Reports");
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Save PDF", exact: true }).click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^leadlight-\d{4}-\d{2}\.pdf$/);
  const file = join(dataDir, download.suggestedFilename());
  await download.saveAs(file);
  assert.equal(readFileSync(file).subarray(0, 5).toString(), "%PDF-");
  await seeText("[role=status]", `Saved ${download.suggestedFilename()} (downloaded)`);
});

step("Reminders: a reminder snoozed to tomorrow shows under Upcoming", async () => {
  await visit("#/reminders", "Reminders");
  const item = await seeText(".item", "Call Grace about the demo");
  await item.getByRole("button", { name: "Tomorrow 9:00" }).click();
  await seeText("article", "Upcoming 1");
  await seeText("article", "Nothing overdue.");
  await shot("12-reminders-snoozed");
}, { blocking: false });

step("no console errors, uncaught exceptions or CSP violations", async () => {
  assert.deepEqual(problems, []);
  assert.deepEqual(expectedFailures, [], "expected failed requests that the browser never reported");
});
