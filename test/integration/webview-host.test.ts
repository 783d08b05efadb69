// The webview host (src/vscode/webviewHost.ts) with a real webview in the real workbench: a page that does not say it
// is ready (its script does not load) is loaded again, at most three times in a row, then the user is told (here: the
// onProblem callback). A page that loads whole is ready once, with what was posted before it. (A missing style sheet
// cannot be made here: the workbench's resource loader answers a missing file with a page the browser parses, so the
// page sees a sheet; it is the script that decides, and a missing script is the failure this test can make.)
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type {FromTutorMessage, ToTutorMessage} from "../../src/protocol/tutor";
import {WebviewHost} from "../../src/vscode/webviewHost";
import {tutorPage} from "../../src/vscode/tutorPage";

suite("Webview host: handshake and reloading a page that did not come up whole", function () {
    this.timeout(240000);
    const logged: string[] = [];
    const log = {info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string | Error) => logged.push(String(m))};

    async function until(what: string, check: () => boolean, ms = 60000): Promise<void> {
        for (const t0 = Date.now(); !check(); await new Promise((r) => setTimeout(r, 20)))
            if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    }

    function open(page: typeof tutorPage): {host: WebviewHost<ToTutorMessage, FromTutorMessage>; panel: vscode.WebviewPanel; problems: string[]; readies: boolean[]} {
        const extensionUri = vscode.extensions.getExtension("elastic-math.elastic-math-tutor")!.extensionUri;
        const problems: string[] = [];
        const readies: boolean[] = [];
        const host = new WebviewHost<ToTutorMessage, FromTutorMessage>({extensionUri, page, log, onProblem: (m) => problems.push(m),
            onMessage: () => undefined, onReady: (reloaded) => readies.push(reloaded)});
        const panel = vscode.window.createWebviewPanel("elasticMath.test.host", page.title, vscode.ViewColumn.Active, {});
        host.attach(panel.webview, panel.onDidDispose);
        return {host, panel, problems, readies};
    }

    test("a page whose script does not load is loaded again three times, then the user is told", async () => {
        const broken = open({...tutorPage, title: "Broken page", script: "no-such-script.js"});
        try {
            // 20 s for each of the four loads.
            await until("the host to give up", () => broken.problems.length > 0, 150000);
            assert.equal(broken.host.retries, 3);
            assert.equal(broken.host.isReady, false);
            assert.match(broken.problems[0]!, /did not load whole after 3 tries \(it did not say it was ready\)/);
            assert.ok(logged.some((l) => /loading the view "Broken page" again \(try 3 of 3\)/.test(l)), logged.join("\n"));
        } finally {
            broken.panel.dispose();
            broken.host.dispose();
        }
    });

    test("a page that loads whole is ready at once, and gets what was posted before", async () => {
        const whole = open({...tutorPage, title: "Whole page"});
        try {
            whole.host.post({type: "status", text: "queued before ready", busy: false});
            await until("the page to be ready", () => whole.host.isReady);
            assert.deepEqual(whole.readies, [false]);
            assert.equal(whole.host.retries, 0);
        } finally {
            whole.panel.dispose();
            whole.host.dispose();
        }
    });
});
