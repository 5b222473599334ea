// Light, dark, or whatever the OS says (the default). The stylesheet only
// knows data-theme; "system" is resolved here and follows the OS live.

export type Theme = "system" | "light" | "dark";
const KEY = "leadlight.theme";
const dark = window.matchMedia("(prefers-color-scheme: dark)");

export function theme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

function resolve(choice: Theme): "light" | "dark" {
  return choice === "system" ? (dark.matches ? "dark" : "light") : choice;
}

export function applyTheme(next: Theme = theme()): void {
  localStorage.setItem(KEY, next);
  document.documentElement.setAttribute("data-theme", resolve(next));
}

dark.addEventListener("change", () => applyTheme(theme()));
