/**
 * `npm run bench:probe` (builds, then `node out/test/bench/probe-cost.main.mjs [--bench-model]`): what a child-process
 * probe of a model file would cost next to the in-process header check the extension does (docs/hostile-input.md,
 * "Decision: no child-process probe"). For each model file, each figure the median of `--runs` (default 3):
 *  - check, cold: `checkModelFile` (src/core/gguf: bounded header read + validation) in a fresh Node process, timed
 *    inside it (the first check of a session: module code not yet compiled);
 *  - check, warm: the same in this process after a first one (verdict cache bypassed: each run reads a copy of the
 *    path through a new hard link, which is a new cache key);
 *  - probe, vocab only / full load: a fresh Node process that imports node-llama-cpp, starts llama.cpp on the CPU with
 *    the extension's options and loads the model (`vocabOnly: true`, or a full load: what a probe must do to meet the
 *    tensor asserts, which a vocab-only load skips), then exits; timed from spawn to exit, as the extension would wait.
 * Files: the scripted fixtures (test/fixtures/models, `node out/test/fixtures/make.main.mjs`) and, with
 * `--bench-model`, the random-weights model of the real E1-Math-1.5B shape (about 1.9 GB; written if missing).
 * Figures only: nothing is asserted.
 */
import {spawnSync} from "node:child_process";
import {existsSync, linkSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {cpus, loadavg, tmpdir, totalmem} from "node:os";
import {basename, join} from "node:path";
import {pathToFileURL} from "node:url";
import {checkModelFile} from "../../src/core/gguf/index";
import {fromRoot} from "../paths";
import {BENCH_FILE, defaultModelsDir, ensureBenchModel, ensureScriptedFixture, MACRO_BOMB, THINK_STOPS} from "../fixtures/scripted";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One check in a fresh Node process (this file with `--child-check <path>`), timed inside it. */
function checkCold(path: string): number {
    const r = spawnSync(process.execPath, [process.argv[1]!, "--child-check", path], {encoding: "utf8"});
    if (r.status !== 0) throw new Error(`child check failed: ${r.stderr}`);
    return Number(r.stdout.trim());
}

async function checkWarm(path: string, dir: string, n: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
        const link = join(dir, `${i}-${basename(path)}`);
        linkSync(path, link);
        const t0 = performance.now();
        await checkModelFile(link);
        times.push(performance.now() - t0);
        rmSync(link);
    }
    return median(times);
}

/**
 * The probe: a fresh Node that loads the model with node-llama-cpp and exits. Wall ms from spawn to exit. (A script
 * file, not `node --input-type=module -e`: node-llama-cpp forks a process to test its binary, which inherits Node's
 * flags, and `--input-type` without `-e` makes that fork fail.)
 */
function probe(path: string, vocabOnly: boolean, dir: string): number {
    const script = join(dir, "probe.mjs");
    writeFileSync(script, `
        const lib = await import(${JSON.stringify(pathToFileURL(fromRoot("node_modules", "node-llama-cpp", "dist", "index.js")).href)});
        const llama = await lib.getLlama({gpu: false, maxThreads: 0, build: "never", progressLogs: false, logLevel: lib.LlamaLogLevel.error});
        const model = await llama.loadModel({modelPath: ${JSON.stringify(path)}, vocabOnly: ${vocabOnly}, gpuLayers: 0});
        await model.dispose();
        await llama.dispose();`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [script], {encoding: "utf8"});
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`probe of ${path} failed (${r.status}): ${r.stderr.slice(-500)}`);
    return ms;
}

async function main(): Promise<void> {
    if (process.argv[2] === "--child-check") {
        const t0 = performance.now();
        await checkModelFile(process.argv[3]!);
        process.stdout.write(String(performance.now() - t0));
        return;
    }
    const dir = defaultModelsDir();
    const files = [ensureScriptedFixture(THINK_STOPS, dir), ensureScriptedFixture(MACRO_BOMB, dir)];
    if (process.argv.includes("--bench-model")) {
        console.log(`${BENCH_FILE}: writing if missing (about 1.9 GB)...`);
        files.push(ensureBenchModel(dir));
    } else if (existsSync(join(dir, BENCH_FILE))) {
        files.push(join(dir, BENCH_FILE));
    }
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
        `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; Node ${process.version}; median of ${runs} runs`);
    const links = mkdtempSync(join(tmpdir(), "emt-probe-"));
    const rows: string[] = [];
    try {
        for (const path of files) {
            await checkModelFile(path); // compile the reader before the warm figure
            const cold = median(Array.from({length: runs}, () => checkCold(path)));
            const warm = await checkWarm(path, links, runs);
            const vocab = median(Array.from({length: runs}, () => probe(path, true, links)));
            const full = median(Array.from({length: runs}, () => probe(path, false, links)));
            const row = `| ${basename(path)} | ${cold.toFixed(0)} | ${warm.toFixed(1)} | ${vocab.toFixed(0)} | ${full.toFixed(0)} | ${(full / cold).toFixed(0)}x | ${(full / warm).toFixed(0)}x |`;
            console.log(row);
            rows.push(row);
        }
    } finally {
        rmSync(links, {recursive: true, force: true});
    }
    console.log("\n| file | check, cold (ms) | check, warm (ms) | probe, vocab only (ms) | probe, full load (ms) | full probe / cold check | full probe / warm check |");
    console.log("|---|---|---|---|---|---|---|");
    for (const r of rows) console.log(r);
}

await main();
