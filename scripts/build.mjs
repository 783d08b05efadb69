// Builds every bundle with esbuild. node-llama-cpp stays external everywhere: its file layout and
// prebuilt binaries must stay as they are (see shared notes), and it is loaded lazily with import().
import * as esbuild from "esbuild";
import {cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import {join, relative} from "node:path";
import {fileURLToPath} from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

/** Collects test entry points (files ending in .test.ts) below a folder. */
function testEntries(dir) {
    const out = [];
    const abs = join(root, dir);
    let names = [];
    try { names = readdirSync(abs); } catch { return out; }
    for (const name of names) {
        const p = join(abs, name);
        if (statSync(p).isDirectory()) {
            if (name === "models") continue;
            out.push(...testEntries(join(dir, name)));
        } else if (name.endsWith(".test.ts") || name.endsWith(".main.ts") || name === "index.ts" && dir.startsWith("test/integration")) {
            out.push(join(dir, name));
        }
    }
    return out;
}

/** The entry's import of "./main" (src/main.ts) is left as `require("./main.js")`: the second bundle, next to it in out/. */
const mainStaysExternal = {
    name: "main-stays-external",
    setup(build) {
        build.onResolve({filter: /^\.\/main$/}, (args) =>
            args.importer.endsWith(join("src", "extension.ts")) ? {path: "./main.js", external: true} : undefined);
    }
};

const common = {
    bundle: true,
    sourcemap: production ? false : "linked",
    minify: production,
    logLevel: "info",
    absWorkingDir: root,
    external: ["node-llama-cpp", "vscode"],
    define: {"process.env.NODE_ENV": production ? '"production"' : '"development"'}
};

const builds = [
    // The extension host's entry: CommonJS, as VS Code 1.100 loads it, and small (activation loads only this; see
    // src/extension.ts): its `require("./main")` stays a require of the second bundle, out/main.js, loaded on first use.
    // The banner marks when VS Code started evaluating the bundle (src/extension.ts reports the load and activate times).
    // Its inputs go to out/extension.inputs.json (test/unit/entry-bundle.test.ts checks that nothing heavy is among them).
    {...common, entryPoints: ["src/extension.ts"], outfile: "out/extension.js", platform: "node", format: "cjs", target: "node20",
        banner: {js: "\"use strict\"; var __emtBundleStart = performance.now();"}, metafile: true, plugins: [mainStaysExternal],
        inputsFile: "out/extension.inputs.json"},
    // The extension's main part (src/main.ts): the engine service, the panels, the renderer, the grader.
    {...common, entryPoints: ["src/main.ts"], outfile: "out/main.js", platform: "node", format: "cjs", target: "node20"},
    // The worker thread that renders slow formulas off the extension host's main thread (src/render/formulaOffload.ts).
    {...common, entryPoints: ["src/render/formulaWorker.ts"], outfile: "out/formulaWorker.js", platform: "node", format: "cjs", target: "node20"},
    // The command line over the same core: ESM, so `import("node-llama-cpp")` is native.
    {...common, entryPoints: ["src/cli/main.ts"], outfile: "out/cli.mjs", platform: "node", format: "esm", target: "node20",
        banner: {js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);"}},
    // Webview scripts: plain browser bundles, no Node, no vscode.
    {...common, entryPoints: {panel: "src/webview/panel.ts", chat: "src/webview/chat.ts", tutor: "src/webview/tutor.ts"}, outdir: "out/webview", platform: "browser", format: "iife", target: "es2022", external: []}
];

const unitAndEngine = [...testEntries("test/unit"), ...testEntries("test/engine"), ...testEntries("test/bench"), ...testEntries("test/ui"), ...testEntries("test/fixtures")];
if (unitAndEngine.length > 0) {
    builds.push({...common, entryPoints: unitAndEngine, outdir: "out", outbase: ".", outExtension: {".js": ".mjs"}, platform: "node", format: "esm",
        target: "node20", external: [...common.external, "playwright-core", "esbuild"],
        banner: {js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);"}});
}
const integration = testEntries("test/integration").filter((p) => !p.includes("runner"));
if (integration.length > 0) {
    // Runs inside the extension host: CommonJS, `vscode` external.
    builds.push({...common, entryPoints: integration, outdir: "out", outbase: ".", platform: "node", format: "cjs", target: "node20",
        external: [...common.external, "mocha"]});
}

function copyKatexAssets() {
    const src = join(root, "node_modules/katex/dist");
    const dst = join(root, "media/katex");
    rmSync(dst, {recursive: true, force: true});
    mkdirSync(join(dst, "fonts"), {recursive: true});
    cpSync(join(src, "katex.min.css"), join(dst, "katex.min.css"));
    for (const f of readdirSync(join(src, "fonts")))
        if (f.endsWith(".woff2")) cpSync(join(src, "fonts", f), join(dst, "fonts", f));
}

copyKatexAssets();
if (watch) {
    for (const {inputsFile, ...b} of builds) (await esbuild.context(b)).watch();
} else {
    await Promise.all(builds.map(async ({inputsFile, ...options}) => {
        const result = await esbuild.build(options);
        if (inputsFile != null) writeFileSync(join(root, inputsFile), JSON.stringify(Object.keys(result.metafile.inputs).sort(), null, 1) + "\n");
    }));
    console.log(`built ${builds.length} bundles into ${relative(process.cwd(), join(root, "out")) || "out"}`);
}
