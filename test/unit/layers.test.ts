// Keeps the direction of imports true as the code grows (the table in docs/architecture.md):
// core and render never import vscode; protocol imports only its own sibling types (tutor.ts uses messages.ts's BudgetView); webview imports only protocol and browser code;
// only src/vscode (and the entry point) import vscode.
import assert from "node:assert/strict";
import {readdirSync, readFileSync, statSync} from "node:fs";
import {join, relative} from "node:path";
import {test} from "node:test";
import {repoRoot} from "../paths";

const src = join(repoRoot(), "src");

function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
    });
}

function imports(file: string): string[] {
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
        .map((m) => m[1] ?? m[2]);
}

const layers: Record<string, (spec: string) => boolean> = {
    core: (s) => s !== "vscode" && !s.includes("/vscode/") && !s.includes("/webview/"),
    render: (s) => s !== "vscode" && !s.includes("/vscode/") && !s.includes("/webview/") && !s.includes("/core/engine"),
    protocol: (s) => /^\.\/[A-Za-z]+$/.test(s),
    webview: (s) => s.startsWith("../protocol/") || s.startsWith("./") || !s.startsWith("."),
    cli: (s) => s !== "vscode" && !s.includes("/vscode/")
};

test("each layer imports only what its direction allows", () => {
    const problems: string[] = [];
    let checked = 0;
    for (const [layer, allowed] of Object.entries(layers)) {
        for (const file of files(join(src, layer))) {
            for (const spec of imports(file)) {
                checked++;
                if (!allowed(spec) || (layer === "webview" && spec === "vscode")) problems.push(`${relative(src, file)} imports "${spec}"`);
            }
        }
    }
    assert.ok(checked > 20, `only ${checked} imports found: the scanner is broken`);
    assert.deepEqual(problems, []);
});

test("the scanner sees a forbidden import when there is one", () => {
    assert.equal(layers.core("vscode"), false);
    assert.equal(layers.protocol("../core/types"), false);
    assert.equal(layers.protocol("vscode"), false);
    assert.equal(layers.webview("../core/engine"), false);
    assert.deepEqual(imports(join(src, "extension.ts")).includes("vscode"), true);
});
