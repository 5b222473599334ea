// Light, dark, or whatever the OS says (the default).

export type Theme = "system" | "light" | "dark";
const KEY = "leadlight.theme";

export function theme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

export function applyTheme(next: Theme = theme()): void {
  localStorage.setItem(KEY, next);
  if (next === "system") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", next);
}
