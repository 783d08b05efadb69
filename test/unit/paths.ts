import {existsSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

/** The repository root, found from this bundle's place (out/test/...) or the working folder. */
export function repoRoot(): string {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
        if (existsSync(join(dir, "package.json"))) return dir;
        dir = dirname(dir);
    }
    return process.cwd();
}
