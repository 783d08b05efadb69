/**
 * `npm test` on a fresh clone is the whole set-up: every tier whose tests start llama-server or code-server names
 * the setup script that installs it (scripts/test-tiers.mjs), so scripts/test.mjs runs it before that tier.
 */
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {setups, tiers} from "../../scripts/test-tiers.mjs";
import {fromRoot} from "../paths";

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? sources(p) : /\.(ts|mts|mjs)$/.test(name) ? [p] : [];
    });
}

/** What a tier's tests (and the script that runs them) start, read from their source. */
function starts(tier: (typeof tiers)[number]): Set<string> {
    const files = [...sources(fromRoot(tier.dir)), ...tier.args.filter((a) => a.startsWith("scripts/")).map((a) => fromRoot(a))];
    const text = files.map((f) => readFileSync(f, "utf8")).join("\n");
    const found = new Set<string>();
    // Starting it, not naming it: the helper that spawns it, or the path of the built binary.
    if (/from "[.\/]*(engine\/)?llamaServer"|"\.cache", "llama-server", "bin"/.test(text)) found.add("llama-server");
    if (/vscode-server\.mjs|from "\.\/workbench"/.test(text)) found.add("vscode");
    return found;
}

test("every tier that starts llama-server or code-server sets it up first", () => {
    assert.deepEqual(tiers.map((t) => t.name), ["unit", "engine", "integration", "ui", "ui-1.139"]);
    for (const tier of tiers) {
        const needed = starts(tier);
        for (const n of needed) assert.ok(tier.needs.includes(n as "vscode"), `${tier.name} starts ${n} but does not set it up`);
    }
    // The detection is not vacuous: the server-backend tests are in the engine tier, the workbench in ui.
    assert.ok(starts(tiers.find((t) => t.name === "engine")!).has("llama-server"));
    assert.ok(starts(tiers.find((t) => t.name === "ui")!).has("vscode"));
    assert.ok(starts(tiers.find((t) => t.name === "integration")!).has("vscode"));
    for (const [, [cmd, args]] of Object.entries(setups)) {
        assert.equal(cmd, "bash");
        assert.ok(existsSync(fromRoot(args[0]!)), args[0]);
    }
});
