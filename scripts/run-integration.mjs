// `npm run test:integration`: runs the mocha suite out/test/integration/index.js inside a real VS Code
// extension host. Builds nothing: run `npm run build` first.
//
// Where it runs (env EMT_VSCODE = auto | desktop | server, default auto):
//   desktop: @vscode/test-electron downloads desktop VS Code (needs update.code.visualstudio.com) and runs it
//            (under a private Xvfb when there is no DISPLAY). auto picks it only when that host answers quickly.
//   server:  code-server 4.100.3 (VS Code 1.100.3 workbench + Node extension host, installed by
//            scripts/setup-vscode.sh), the workbench opened in headless chromium with a payload URL carrying
//            extensionDevelopmentPath + extensionTestsPath. Works offline.
// Which VS Code (env EMT_VSCODE_VERSION = 1.100 | 1.139, default 1.100): 1.139 runs on code-server 4.139.1 on Node 24
//   (scripts/setup-vscode.sh 1.139), or desktop VS Code 1.139.1 on the desktop route.
// Output: the extension host's log (mocha's spec reporter) streamed to stdout, then a last line
//   `integration: N passed, N failed`; the exit code is the one the workbench reports (0 = all passed).
// Options: --extension <dir> (default: this repo), --workspace <dir>, --timeout <seconds> (default 1500: the tier takes about 10 min on a loaded 2-core machine,
//   env EMT_INTEGRATION_TIMEOUT_S), --grep <regexp> (env EMT_INTEGRATION_GREP), --settings <file.json>
//   (env EMT_INTEGRATION_SETTINGS: user settings for the run, e.g. model paths).
// The extension host inherits this process's environment (minus VSCODE_*): `FOO=1 npm run test:integration`.
import {spawn, spawnSync} from "node:child_process";
import {existsSync, mkdtempSync, readFileSync, rmSync, readdirSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {createRequire} from "node:module";
import {format} from "node:util";
import {ROOT, VSCODE_TARGETS, VSCODE_VERSION, freePort, killGroup, launchBrowser, openWorkbench, startCodeServer} from "./vscode-server.mjs";

const SELF = fileURLToPath(import.meta.url);
const verbose = process.env.EMT_VERBOSE === "1";
/** The workbench's own chatter in codeAutomationLog (all of it arrives typed "info"); shown with EMT_VERBOSE=1. */
const WORKBENCH_NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|\[Service Worker\]|ChatSessionStore:|Ignoring fetching additional builtin|Updating additional builtin extensions cache)/;

function parseArgs(argv) {
    /** @type {Record<string, string|boolean>} */
    const o = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) continue;
        const k = a.slice(2);
        if (["desktop-child"].includes(k)) o[k] = true;
        else o[k] = argv[++i];
    }
    return o;
}

const args = parseArgs(process.argv.slice(2));
const extensionPath = resolve(String(args.extension ?? process.env.EMT_EXTENSION_PATH ?? ROOT));
const testsEntry = join(extensionPath, "out/test/integration/index.js");
const timeoutS = Number(args.timeout ?? process.env.EMT_INTEGRATION_TIMEOUT_S ?? 1500);
const grep = String(args.grep ?? process.env.EMT_INTEGRATION_GREP ?? "");

/** Counts, from index.ts's result file, else its marker line, else mocha's "N passing / N failing". */
function counts(resultFile, logText) {
    try {
        const r = JSON.parse(readFileSync(resultFile, "utf8"));
        return {passed: r.passed, failed: r.failed, source: "result file"};
    } catch { /* not written */ }
    const m = /EMT_INTEGRATION_RESULT (\{.*\})/.exec(logText);
    if (m) { try { const r = JSON.parse(m[1]); return {passed: r.passed, failed: r.failed, source: "marker"}; } catch { /* torn */ } }
    const p = /(\d+) passing/.exec(logText), f = /(\d+) failing/.exec(logText);
    if (p || f) return {passed: p ? Number(p[1]) : 0, failed: f ? Number(f[1]) : 0, source: "mocha summary"};
    // Cut short (timeout, crash): count the spec reporter's lines so far.
    return {passed: (logText.match(/^\s+✔ /gm) ?? []).length, failed: (logText.match(/^\s+\d+\) /gm) ?? []).length, source: "spec lines"};
}

function finish(code, resultFile, logText, note) {
    const c = counts(resultFile, logText);
    let failed = c.failed;
    // A non-zero exit with no failed test counted (load error, timeout, crash) still counts as a failure.
    if (code !== 0 && failed === 0) failed = 1;
    if (note) console.log(note);
    console.log(`integration: ${c.passed} passed, ${failed} failed`);
    return code;
}

async function networkReachable(url, ms = 3000) {
    try {
        const r = await fetch(url, {method: "HEAD", signal: AbortSignal.timeout(ms), redirect: "manual"});
        return r.status > 0;
    } catch { return false; }
}

// ---------------------------------------------------------------------------------------------------
// code-server route
async function runUnderCodeServer(resultFile) {
    const env = {EMT_INTEGRATION_RESULT: resultFile};
    if (grep) env.EMT_INTEGRATION_GREP = grep;
    const settingsFile = args.settings ?? process.env.EMT_INTEGRATION_SETTINGS;
    const settings = settingsFile ? JSON.parse(readFileSync(String(settingsFile), "utf8")) : undefined;
    const server = await startCodeServer({extensionPath, workspace: args.workspace ? String(args.workspace) : undefined, env, settings});
    let browser;
    let logText = "";
    const t0 = Date.now();
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const cleanup = async () => {
        clearTimeout(timer);
        try { await browser?.close(); } catch { /* already gone */ }
        await server.stop();
    };
    const onSignal = async (sig) => { await cleanup(); process.exit(sig === "SIGINT" ? 130 : 143); };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        console.log(`integration: code-server ${server.url} (pid ${server.pid}), extension ${extensionPath}`);
        browser = await launchBrowser();
        const page = await browser.newPage({viewport: {width: 1400, height: 900}});
        if (verbose) {
            page.on("console", (m) => console.error(`[page ${m.type()}] ${m.text()}`));
        }
        page.on("pageerror", (e) => { if (verbose) console.error(`[page error] ${e.message}`); });
        const url = server.workbenchUrl({extensionTestsPath: testsEntry});
        const {exit} = await openWorkbench(page, url, {
            onLog: (type, a) => {
                const line = format(...a);
                logText += line + "\n";
                if (!verbose && WORKBENCH_NOISE.test(line)) return;
                (type === "error" ? process.stderr : process.stdout).write(line.endsWith("\n") ? line : line + "\n");
            }
        });
        const timeout = new Promise((r) => { timer = setTimeout(() => r("timeout"), timeoutS * 1000); });
        const outcome = await Promise.race([exit, timeout]);
        if (outcome === "timeout") {
            const shot = join(ROOT, "artifacts", "integration-timeout.png");
            try { await page.screenshot({path: shot}); } catch { /* page gone */ }
            const serverLog = readFileSync(server.logFile, "utf8").split("\n").slice(-20).join("\n");
            return finish(124, resultFile, logText,
                `integration: TIMEOUT after ${timeoutS}s: the workbench never reported an exit code ` +
                `(screenshot: ${shot}). Last code-server log lines:\n${serverLog}`);
        }
        const code = /** @type {number} */ (outcome);
        return finish(code, resultFile, logText, `integration: workbench exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await cleanup();
    }
}

// ---------------------------------------------------------------------------------------------------
// desktop route: in a child process of its own group, so that a timeout can kill Electron and all.
async function runDesktopChild() {
    const require = createRequire(join(ROOT, "package.json"));
    const {runTests, downloadAndUnzipVSCode} = require("@vscode/test-electron");
    let vscodeExecutablePath;
    try {
        vscodeExecutablePath = await downloadAndUnzipVSCode(`${VSCODE_VERSION}.${VSCODE_TARGETS[VSCODE_VERSION].codeServer.split(".")[2]}`);
    } catch (e) {
        console.error(`integration: cannot download desktop VS Code: ${e?.message ?? e}`);
        process.exit(86); // tells the parent to fall back to code-server
    }
    const tmp = mkdtempSync(join(tmpdir(), "emt-desktop-"));
    try {
        const code = await runTests({
            vscodeExecutablePath, extensionDevelopmentPath: extensionPath, extensionTestsPath: testsEntry,
            extensionTestsEnv: {EMT_INTEGRATION_RESULT: process.env.EMT_INTEGRATION_RESULT ?? "", EMT_INTEGRATION_GREP: grep},
            launchArgs: [args.workspace ? String(args.workspace) : join(tmp, "ws"), "--disable-workspace-trust",
                "--no-sandbox", "--disable-gpu", "--skip-welcome", "--skip-release-notes", `--user-data-dir=${join(tmp, "user-data")}`,
                `--extensions-dir=${join(tmp, "extensions")}`]
        });
        process.exitCode = code;
    } catch (e) {
        console.error(`integration: ${e?.message ?? e}`);
        process.exitCode = 1;
    } finally {
        rmSync(tmp, {recursive: true, force: true});
    }
}

async function runUnderDesktop(resultFile) {
    /** @type {Record<string, string|undefined>} */
    const env = {...process.env, EMT_INTEGRATION_RESULT: resultFile};
    let xvfb;
    if (!env.DISPLAY && spawnSync("sh", ["-c", "command -v Xvfb"]).status === 0) {
        const display = `:${90 + ((await freePort()) % 400)}`;
        xvfb = spawn("Xvfb", [display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {detached: true, stdio: "ignore"});
        env.DISPLAY = display;
        await new Promise((r) => setTimeout(r, 500));
    }
    let logText = "";
    const child = spawn(process.execPath, [SELF, "--desktop-child", "--extension", extensionPath,
        ...(args.workspace ? ["--workspace", String(args.workspace)] : [])], {env, detached: true, stdio: ["ignore", "pipe", "pipe"]});
    child.stdout.on("data", (b) => { logText += b; process.stdout.write(b); });
    child.stderr.on("data", (b) => { logText += b; process.stderr.write(b); });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; void killGroup(/** @type {number} */ (child.pid)); }, timeoutS * 1000);
    const code = await new Promise((r) => child.on("exit", (c) => r(c ?? 1)));
    clearTimeout(timer);
    await killGroup(/** @type {number} */ (child.pid), 500);
    if (xvfb?.pid) await killGroup(xvfb.pid, 500);
    if (code === 86 && !timedOut) return "fallback";
    if (timedOut) return finish(124, resultFile, logText, `integration: TIMEOUT after ${timeoutS}s (desktop VS Code killed)`);
    return finish(/** @type {number} */ (code), resultFile, logText);
}

// ---------------------------------------------------------------------------------------------------
async function main() {
    if (args["desktop-child"]) return runDesktopChild();
    if (!existsSync(testsEntry)) {
        console.error(`integration: ${testsEntry} is missing: run \`npm run build\` first`);
        console.log("integration: 0 passed, 1 failed");
        process.exit(1);
    }
    const tests = readdirSync(join(extensionPath, "out/test/integration")).filter((f) => f.endsWith(".test.js"));
    console.log(`integration: ${tests.length} test file(s): ${tests.join(", ")}`);
    // Last resort if anything hangs outside the workbench wait (start-up, browser launch): the exit hooks
    // of vscode-server.mjs still kill the process groups and remove the temp folders.
    setTimeout(() => {
        console.error(`integration: HARD TIMEOUT after ${timeoutS + 60}s, killing everything`);
        console.log("integration: 0 passed, 1 failed");
        process.exit(124);
    }, (timeoutS + 60) * 1000).unref();
    const work = mkdtempSync(join(tmpdir(), "emt-integration-"));
    process.on("exit", () => rmSync(work, {recursive: true, force: true}));
    const resultFile = join(work, "result.json");
    let code;
    try {
        const mode = process.env.EMT_VSCODE || "auto";
        let useDesktop = mode === "desktop";
        if (mode === "auto") useDesktop = await networkReachable("https://update.code.visualstudio.com/api/releases/stable");
        if (useDesktop) {
            console.log("integration: running in desktop VS Code (@vscode/test-electron)");
            code = await runUnderDesktop(resultFile);
            if (code === "fallback") {
                console.log("integration: falling back to code-server");
                code = undefined;
            }
        }
        if (code === undefined) code = await runUnderCodeServer(resultFile);
    } catch (e) {
        console.error(`integration: ${e?.stack ?? e}`);
        console.log("integration: 0 passed, 1 failed");
        code = 1;
    } finally {
        rmSync(work, {recursive: true, force: true});
    }
    process.exit(typeof code === "number" ? code : 1);
}

await main();
