// `npm start`: builds, then opens a real VS Code with the extension in development mode.
// Desktop `code` when it is installed and a display is available; otherwise the browser-based VS Code
// (code-server 4.100.3 = the VS Code 1.100 workbench) on 127.0.0.1, with its URL printed.
// With no model given (`npm start -- --model file.gguf` or ELASTIC_MATH_MODEL), it uses the scripted TEST model.
import {execFileSync, spawn, spawnSync} from "node:child_process";
import {existsSync, mkdirSync, writeFileSync} from "node:fs";
import {join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {sampleProblems, startSettings} from "./start-settings.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const modelArg = args.includes("--model") ? args[args.indexOf("--model") + 1] : process.env.ELASTIC_MATH_MODEL;
const browserOnly = args.includes("--browser");

execFileSync("node", ["scripts/build.mjs"], {cwd: root, stdio: "inherit"});
execFileSync("node", ["out/test/fixtures/make.main.mjs"], {cwd: root, stdio: "inherit"});

let model = modelArg ? resolve(modelArg) : null;
if (model != null && !existsSync(model)) {
    console.error(`The model file ${model} does not exist.`);
    process.exit(1);
}
if (model == null) {
    model = join(root, "test/fixtures/models/think-stops.gguf");
    console.log([
        "",
        "No model given: using the scripted TEST model (test/fixtures/models/think-stops.gguf).",
        "It is a tiny generated file that always writes the same canned solution; it does not do math.",
        "For real answers get a GGUF of E1-Math-1.5B (see models/README.md) and run: npm start -- --model /path/to/model.gguf",
        ""
    ].join("\n"));
}

const workspace = join(root, ".cache/start-workspace");
mkdirSync(workspace, {recursive: true});
writeFileSync(join(workspace, "problems.md"), sampleProblems);
const {user, machine} = startSettings(model);

const hasDesktop = !browserOnly && (process.env.DISPLAY || process.platform !== "linux")
    && spawnSync("code", ["--version"], {stdio: "ignore"}).status === 0;
if (hasDesktop) {
    // Its own profile (under .cache/), so your own settings and extensions are left alone; on the desktop the User
    // settings are the machine's, so the model path goes there.
    const userData = join(root, ".cache/start-desktop/user-data");
    mkdirSync(join(userData, "User"), {recursive: true});
    writeFileSync(join(userData, "User", "settings.json"), JSON.stringify({...user, ...machine}, null, 2));
    console.log(`Opening desktop VS Code with the extension in development mode (profile ${userData}).`);
    spawn("code", ["--user-data-dir", userData, "--extensionDevelopmentPath", root, workspace], {stdio: "inherit", detached: true}).unref();
} else {
    execFileSync("bash", ["scripts/setup-vscode.sh"], {cwd: root, stdio: "inherit"});
    const {startCodeServer} = await import("./vscode-server.mjs");
    const server = await startCodeServer({
        extensionPath: root,
        workspace,
        settings: user,
        // A browser window applies machine-scoped settings (the model path) only from the server machine's settings.
        machineSettings: machine,
        keepTemp: false
    });
    console.log(`\nVS Code (browser) is running with Elastic Math Tutor in development mode. Open:\n\n  ${server.workbenchUrl()}\n`);
    console.log("Then: F1 → \"Elastic Math: Solve Problem...\". Press Ctrl+C here to stop the server.");
    const stop = async () => {
        await server.stop();
        process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    await new Promise(() => {});
}
