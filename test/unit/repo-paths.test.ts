/**
 * The code and docs point only inside the repository: no tracked file under src/, scripts/, test/, docs/, bin/,
 * models/, .ci/ or README.md names an absolute path of a particular machine (a checkout folder, a home folder)
 * or team notes kept outside the repository. What such a note said belongs in docs/.
 * test/data/ is left out: it is third-party data, quoted verbatim with its provenance.
 */
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
import {test} from "node:test";
import {fromRoot, repoRoot} from "../paths";

// Built from parts so that this file does not match itself.
const forbidden: readonly {what: string; re: RegExp}[] = [
    {what: "a machine's checkout path", re: new RegExp(["(^|[^\\w.])", "/wo", "rk/"].join(""))},
    {what: "a home folder", re: new RegExp(["(^|[\\s\"'`(])", "/(home|Users)/[A-Za-z][\\w.-]*/"].join(""))},
    {what: "notes outside the repository", re: new RegExp(["shared", "/notes"].join(""))},
    {what: "a folder beside the repository", re: new RegExp(["\\.\\./", "shared\\b"].join(""))}
];

/**
 * Files whose fix belongs to work in flight elsewhere: src/core/engine.ts is being split into src/core/engine/ by the
 * engine's owner, who rewrites that comment. Remove an entry once that work has landed.
 */
const pendingElsewhere = new Set<string>();

function trackedFiles(): string[] {
    // Tracked files and new ones not yet added (not the ignored ones), as they are on disk.
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "src", "scripts", "test", "docs", "bin", "models", ".ci", "README.md"],
        {cwd: repoRoot(), encoding: "utf8"});
    return [...new Set(out.split("\0"))].filter((f) => f !== "" && !f.startsWith("test/data/") && existsSync(fromRoot(f)));
}

export function findMachinePaths(name: string, text: string): string[] {
    const problems: string[] = [];
    text.split("\n").forEach((line, i) => {
        for (const f of forbidden) if (f.re.test(line)) problems.push(`${name}:${i + 1}: ${f.what}: ${line.trim().slice(0, 120)}`);
    });
    return problems;
}

test("no tracked file points outside the repository", () => {
    const files = trackedFiles();
    assert.ok(files.length > 100, `only ${files.length} tracked files found: git ls-files is not seeing the repository`);
    const problems: string[] = [];
    for (const f of files) {
        if (pendingElsewhere.has(f)) continue;
        const buf = readFileSync(fromRoot(f));
        if (buf.includes(0)) continue; // binary
        problems.push(...findMachinePaths(f, buf.toString("utf8")));
    }
    assert.deepEqual(problems, []);
});

test("the check sees each kind of outside path", () => {
    const samples = ["// see " + "/wo" + "rk/main/x.ts", "# facts: " + "/wo" + "rk/sha" + "red/no" + "tes/a.md", "(see ../" + "shared/" + "notes/architecture.md)",
        "cd " + "/ho" + "me/alice/project", "\"" + "/Us" + "ers/bob/x\""];
    for (const s of samples) assert.equal(findMachinePaths("x", s).length > 0, true, s);
    for (const ok of ["docs/testing-vscode.md", "node_modules/x/work/y", "https://example.com/work/", "/tmp/emt-x", "path.join(root, \"work\")"])
        assert.deepEqual(findMachinePaths("x", ok), [], ok);
});
