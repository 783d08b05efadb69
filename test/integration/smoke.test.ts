// First real test in the real VS Code extension host: the extension is there, activates, and
// registers its commands.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";

const EXTENSION_ID = "elastic-math.elastic-math-tutor";

suite("smoke: the extension in a real VS Code", () => {
    test("runs in VS Code 1.100 with a Node extension host", () => {
        assert.match(vscode.version, /^1\.\d+\.\d+/);
        assert.equal(typeof process.versions.node, "string");
    });

    test(`${EXTENSION_ID} is installed and activates`, async () => {
        const ext = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(ext, `${EXTENSION_ID} not found among ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith("vscode.")).join(", ")}`);
        await ext.activate();
        assert.equal(ext.isActive, true);
    });

    test("registers elasticMath.solveProblem", async () => {
        const commands = await vscode.commands.getCommands(true);
        assert.ok(commands.includes("elasticMath.solveProblem"),
            `elasticMath.* commands found: ${commands.filter((c) => c.startsWith("elasticMath.")).join(", ") || "none"}`);
    });
});
