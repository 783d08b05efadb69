/**
 * The repository root, for every test tier and the fixtures: the first folder with a package.json above this module's
 * place (the bundle in out/test/..., or the source in test/ when run through a TypeScript loader). The tests' one
 * root finder: find paths under the repository with `fromRoot(...)`, never with a walk of their own.
 */
import {existsSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath} from "node:url";

declare const __dirname: string | undefined;

function here(): string {
    // ESM bundles have import.meta.url; the integration tier's CommonJS bundles have __dirname.
    if (typeof __dirname === "string") return __dirname;
    return dirname(fileURLToPath(import.meta.url));
}

let cached: string | undefined;

export function repoRoot(): string {
    if (cached != null) return cached;
    for (let dir = here(); ; dir = dirname(dir)) {
        if (existsSync(join(dir, "package.json"))) return (cached = dir);
        if (dirname(dir) === dir) throw new Error(`repository root (a folder with package.json) not found above ${here()}`);
    }
}

/** A path below the repository root. */
export function fromRoot(...parts: string[]): string {
    return join(repoRoot(), ...parts);
}
