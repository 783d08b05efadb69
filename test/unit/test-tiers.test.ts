/**
 * `npm test` on a fresh clone is the whole set-up: every tier whose tests start llama-server or code-server names
 * the setup script that installs it (scripts/test-tiers.mjs), so scripts/test.mjs runs it before that tier.
 */
import assert from "node:assert/strict";
import {existsSync, readdirSync, readFileSync, statSync} from "node:fs";
import {join} from "node:path";
import {test} from "node:test";
import {setups, tiers, uiOn1139} from "../../scripts/test-tiers.mjs";
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
    assert.deepEqual(tiers.map((t) => t.name), ["unit", "engine", "integration", "ui", "integration-1.139", "ui-1.139"]);
    for (const tier of tiers) {
        const needed = starts(tier);
        // code-server: the setup of the VS Code version the tier runs on (env EMT_VSCODE_VERSION; 1.100 by default).
        const version = (tier as {env?: Record<string, string>}).env?.EMT_VSCODE_VERSION;
        const setupOf = (n: string) => (n === "vscode" && version != null && version !== "1.100" ? `vscode-${version}` : n);
        for (const n of needed) {
            assert.ok(setupOf(n) in setups, `${tier.name} runs on a VS Code (${version}) that no setup installs`);
            assert.ok((tier.needs as readonly string[]).includes(setupOf(n)), `${tier.name} starts ${setupOf(n)} but does not set it up`);
        }
    }
    // The detection is not vacuous: the server-backend tests are in the engine tier, the workbench in ui.
    assert.ok(starts(tiers.find((t) => t.name === "engine")!).has("llama-server"));
    assert.ok(starts(tiers.find((t) => t.name === "ui")!).has("vscode"));
    assert.ok(starts(tiers.find((t) => t.name === "integration")!).has("vscode"));
    // Both workbench tiers run on today's VS Code too, and set it up.
    for (const name of ["integration-1.139", "ui-1.139"]) {
        const tier = tiers.find((t) => t.name === name)!;
        assert.equal((tier as {env?: Record<string, string>}).env?.EMT_VSCODE_VERSION, "1.139");
        const on1100 = tiers.find((t) => t.name === name.replace("-1.139", ""))!.args;
        if (name === "integration-1.139") assert.deepEqual(tier.args, on1100, `${name} runs the whole integration tier`);
        else {
            // The ui files that pass on 1.139 so far (scripts/test-tiers.mjs says which do not yet, and why).
            assert.deepEqual(tier.args.slice(0, -uiOn1139.length), on1100.slice(0, -1));
            for (const f of uiOn1139) assert.ok(existsSync(fromRoot("test", "ui", `${f}.test.ts`)), `test/ui/${f}.test.ts`);
            assert.ok(uiOn1139.length >= 8, "at least the files that passed on 1.139");
        }
        assert.ok(starts(tier).has("vscode"));
    }
    for (const [, [cmd, args]] of Object.entries(setups)) {
        assert.equal(cmd, "bash");
        assert.ok(existsSync(fromRoot(args[0]!)), args[0]);
    }
});
