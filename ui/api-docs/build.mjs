// Run by `npm run build` after `vite build`: the team server's API docs page
// in dist/api-docs/ (served at /api-docs/, /api/docs redirects there). Our
// page and its script from this folder, with Swagger UI's bundle and styles
// from the swagger-ui-dist package, so the page needs no CDN. Source map
// references are dropped: the maps are not shipped.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const swagger = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const out = join(here, "..", "dist", "api-docs");

const files = [
  [here, "index.html"],
  [here, "init.js"],
  [swagger, "swagger-ui-bundle.js"],
  [swagger, "swagger-ui-bundle.js.LICENSE.txt"],
  [swagger, "swagger-ui.css"],
  [swagger, "index.css"],
  [swagger, "favicon-32x32.png"],
  [swagger, "LICENSE"],
  [swagger, "NOTICE"],
];

mkdirSync(out, { recursive: true });
for (const [folder, name] of files) {
  const bytes = readFileSync(join(folder, name));
  const source = /\.(js|css)$/.test(name)
    ? bytes.toString("utf8").replace(/\n*\/[/*]# sourceMappingURL=\S+?(\s*\*\/)?\s*$/, "\n")
    : bytes;
  writeFileSync(join(out, name), source);
}
console.log(`api docs: ${files.length} files in dist/api-docs/`);
