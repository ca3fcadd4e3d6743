// Copies the static files (HTML, CSS) next to the bundled scripts in ui/dist.
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
mkdirSync(join(here, "dist"), { recursive: true });
cpSync(join(here, "static"), join(here, "dist"), { recursive: true });
