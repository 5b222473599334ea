// Where an export goes. The desktop asks with a native save dialog and writes
// the file there; a browser has no such dialog, so the file is downloaded
// under the suggested name. Either way the answer is the `path` that api.ts's
// export calls take.

import { save } from "@tauri-apps/plugin-dialog";
import { platform } from "./api";

/** The destination for a file suggested as `name` ("leads.csv"), or
 * undefined if the user cancelled the dialog. */
export async function chooseDestination(name: string, title?: string): Promise<string | undefined> {
  if (platform === "web") return name;
  const kind = name.slice(name.lastIndexOf(".") + 1);
  return (await save({ title, defaultPath: name, filters: [{ name: kind.toUpperCase(), extensions: [kind] }] })) ?? undefined;
}

/** Where the file went, for a status line ("Saved …"). */
export function describeDestination(destination: string): string {
  return platform === "web" ? `${destination} (downloaded)` : destination;
}
