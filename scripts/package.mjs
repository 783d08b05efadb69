// `npm run package [-- --target <platform>] [-- --cuda]`: builds a VSIX for one platform with @vscode/vsce,
// holding node-llama-cpp and only that platform's prebuilt binaries, and prints its size.
import {execFileSync} from "node:child_process";
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const arg = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
};

/** The node-llama-cpp binary packages each VS Code platform target needs. */
const binaries = {
    "linux-x64": {base: ["linux-x64", "linux-x64-vulkan"], cuda: ["linux-x64-cuda", "linux-x64-cuda-ext"]},
    "linux-arm64": {base: ["linux-arm64"], cuda: []},
    "linux-armhf": {base: ["linux-armv7l"], cuda: []},
    "darwin-arm64": {base: ["mac-arm64-metal"], cuda: []},
    "darwin-x64": {base: ["mac-x64"], cuda: []},
    "win32-x64": {base: ["win-x64", "win-x64-vulkan"], cuda: ["win-x64-cuda", "win-x64-cuda-ext"]},
    "win32-arm64": {base: ["win-arm64"], cuda: []}
};

const current = `${process.platform}-${process.arch === "arm" ? "armhf" : process.arch}`;
const target = arg("--target") ?? current;
const cuda = args.includes("--cuda");
if (!(target in binaries)) {
    console.error(`Unknown target "${target}". Known: ${Object.keys(binaries).join(", ")}`);
    process.exit(2);
}
const wanted = [...binaries[target].base, ...(cuda ? binaries[target].cuda : [])];
// npm installs only the binary packages whose `os` matches this machine; another target's are fetched from the
// registry at node-llama-cpp's exact version and placed in node_modules for the packaging, then removed again.
const llamaVersion = JSON.parse(readFileSync(join(root, "node_modules/node-llama-cpp/package.json"), "utf8")).version;
const fetched = [];
for (const p of wanted) {
    const dir = join(root, "node_modules/@node-llama-cpp", p);
    if (existsSync(dir)) continue;
    const staging = mkdtempSync(join(tmpdir(), "emt-binaries-"));
    try {
        console.log(`fetching @node-llama-cpp/${p}@${llamaVersion} for ${target}...`);
        const tgz = execFileSync("npm", ["pack", `@node-llama-cpp/${p}@${llamaVersion}`, "--pack-destination", staging, "--loglevel=error"],
            {cwd: staging, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"]}).trim().split("\n").pop();
        mkdirSync(dir, {recursive: true});
        execFileSync("tar", ["-xzf", join(staging, tgz), "-C", dir, "--strip-components=1"]);
        fetched.push(dir);
    } catch (err) {
        for (const d of fetched) rmSync(d, {recursive: true, force: true});
        console.error(`Cannot package ${target}: @node-llama-cpp/${p}@${llamaVersion} could not be fetched from the npm registry `
            + `(${String(err.stderr ?? err.message).split("\n").find((l) => /\b(E404|ENOTFOUND|error)\b/i.test(l)) ?? "npm pack failed"}).`);
        process.exit(1);
    } finally {
        rmSync(staging, {recursive: true, force: true});
    }
}
process.on("exit", () => { for (const d of fetched) rmSync(d, {recursive: true, force: true}); });

execFileSync("node", ["scripts/build.mjs", "--production"], {cwd: root, stdio: "inherit"});

// Everything but node-llama-cpp is bundled into out/ by esbuild: ship only node-llama-cpp's own dependency closure.
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages;
const closure = new Set();
(function visit(path) {
    if (closure.has(path) || lock[path] == null) return;
    closure.add(path);
    const deps = {...lock[path].dependencies, ...lock[path].optionalDependencies};
    for (const name of Object.keys(deps)) {
        // Node's resolution: the nearest node_modules folder up from the requiring package.
        let base = path;
        for (;;) {
            const candidate = `${base}/node_modules/${name}`;
            if (lock[candidate] != null) { visit(candidate); break; }
            const up = base.lastIndexOf("/node_modules/");
            if (up < 0) { if (lock[`node_modules/${name}`] != null) visit(`node_modules/${name}`); break; }
            base = base.slice(0, up);
        }
    }
})("node_modules/node-llama-cpp");
const bundled = Object.keys(lock).filter((p) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(p) && !closure.has(p) && !lock[p].dev
    && !p.startsWith("node_modules/@node-llama-cpp/"));
const ignoreDir = mkdtempSync(join(tmpdir(), "emt-package-"));
const ignoreFile = join(ignoreDir, "vscodeignore");
const base = readFileSync(join(root, ".vscodeignore"), "utf8");
writeFileSync(ignoreFile, base + "\n# bundled into out/ by esbuild\n" + bundled.map((p) => `${p}/**`).join("\n")
    + "\n# node-llama-cpp binaries for " + target + "\n" + wanted.map((p) => `!node_modules/@node-llama-cpp/${p}/**`).join("\n") + "\n");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const out = join(root, `elastic-math-tutor-${target}${cuda ? "-cuda" : ""}-${version}.vsix`);
try {
    execFileSync("npx", ["vsce", "package", "--target", target, "--ignoreFile", ignoreFile, "--out", out, "--allow-missing-repository",
        "--skip-license"], {cwd: root, stdio: "inherit"});
} finally {
    rmSync(ignoreDir, {recursive: true, force: true});
}
const size = statSync(out).size;
console.log(`VSIX ${out}\n  target ${target}${cuda ? " (with CUDA)" : ""}, node-llama-cpp binaries: ${wanted.join(", ")}\n  size ${(size / 1024 / 1024).toFixed(1)} MB`);
