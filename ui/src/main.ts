import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { sessionEnded, useWeb } from "./lib/api";
import { createHttpClient } from "./lib/http";
import { applyTheme } from "./lib/theme";

applyTheme();

// Outside the desktop shell this page was served by the team server: talk to its REST API.
if (!("__TAURI_INTERNALS__" in window)) useWeb(createHttpClient({ onSignedOut: sessionEnded }));

const target = document.getElementById("app");
if (!target) throw new Error("no #app element");
export default mount(App, { target });
