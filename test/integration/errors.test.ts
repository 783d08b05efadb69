// The one error surface (src/vscode/errors.ts) in the real extension host: the fixes offered follow the error's code
// (a server failure never offers a GGUF file; a missing model offers a model), and the whole error reaches the log
// channel's file, which is what a user sends when something goes wrong.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {EngineError} from "../../src/core";
import {DownloadError} from "../../src/core/download";
import {ErrorSurface, fixesFor} from "../../src/vscode/errors";
import {logFiles} from "./logs";

suite("errors: one error surface", function () {
    this.timeout(60000);

    test("the fixes follow the code: a server failure never offers a GGUF file; not-configured and a bad file offer a model", () => {
        const labels = (code: string | undefined) => fixesFor(code).map((f) => f.label);
        assert.ok(!labels("server-failed").includes("Use a GGUF File..."), labels("server-failed").join(", "));
        assert.ok(labels("server-failed").includes("Test Server Connection"));
        assert.ok(labels("not-configured").includes("Choose Model..."));
        assert.ok(labels("model-not-found").includes("Use a GGUF File..."));
        assert.ok(labels("budget-too-large").includes("Choose Budget..."));
        assert.deepEqual(labels(undefined), ["Show Log"]);
        assert.deepEqual(labels("cancelled"), []);
    });

    test("show() logs the code, the message and the cause to the log channel's file, and offers the code's fixes", async () => {
        const name = `Elastic Math errors test ${Date.now()}`;
        const log = vscode.window.createOutputChannel(name, {log: true});
        try {
            const surface = new ErrorSurface(log);
            const shown = surface.show(new EngineError("server-failed", "The server at http://127.0.0.1:9 refused the connection.", {cause: new Error("ECONNREFUSED")}), "Solve Problem");
            assert.equal(shown.code, "server-failed");
            assert.deepEqual(shown.fixes, fixesFor("server-failed").map((f) => f.label));
            const download = surface.show(new DownloadError("offline", "The download needs the internet."), "downloading E1");
            assert.equal(download.code, "offline");
            let text = "";
            for (const until = Date.now() + 20000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
                text = logFiles(name).map((f) => fs.readFileSync(f, "utf8")).join("\n");
                if (text.includes("downloading E1")) break;
            }
            assert.match(text, /Solve Problem: \[server-failed\] EngineError: The server at http:\/\/127\.0\.0\.1:9 refused the connection\. \(cause: ECONNREFUSED\)/);
            assert.match(text, /downloading E1: \[offline\]/);
        } finally {
            await vscode.commands.executeCommand("notifications.clearAll");
            log.dispose();
        }
    });
});
