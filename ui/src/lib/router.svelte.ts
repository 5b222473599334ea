// A tiny hash router: "#/leads/ID" -> { name: "lead", id: "ID" }.

export type Route =
  | { name: "dashboard" }
  | { name: "leads"; status?: string; source?: string }
  | { name: "lead"; id: string }
  | { name: "pipeline" }
  | { name: "reminders" }
  | { name: "tasks" }
  | { name: "customers" }
  | { name: "import" }
  | { name: "reports" }
  | { name: "users" }
  | { name: "unclaimed" }
  | { name: "settings" };

export function parse(hash: string): Route {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const [first, second] = path.split("/");
  const params = new URLSearchParams(search);
  switch (first) {
    case "leads":
      return second
        ? { name: "lead", id: second }
        : { name: "leads", status: params.get("status") ?? undefined, source: params.get("source") ?? undefined };
    case "pipeline":
    case "reminders":
    case "tasks":
    case "customers":
    case "import":
    case "reports":
    case "users":
    case "unclaimed":
    case "settings":
      return { name: first };
    default:
      return { name: "dashboard" };
  }
}

export const router = $state({ route: parse(location.hash) });

window.addEventListener("hashchange", () => {
  router.route = parse(location.hash);
});

export function go(hash: string): void {
  location.hash = hash;
}
