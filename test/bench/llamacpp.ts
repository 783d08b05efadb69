/**
 * llama.cpp's own benchmark tools as the benches' reference: `llama-bench` and `llama-batched-bench`, built from the
 * llama.cpp release node-llama-cpp ships (scripts/setup-llama-bench.sh, run here on demand: a few minutes the first
 * time, then cached in .cache/llama-bench/). Same model file, same threads; flash attention is left at "auto" in
 * both tools, as node-llama-cpp leaves it.
 */
import {execFileSync, execSync, spawnSync} from "node:child_process";
import {existsSync} from "node:fs";
import {join} from "node:path";
import {repoRoot} from "../paths";

export interface BenchTools { readonly bench: string; readonly batched: string }

/** Builds the tools if needed (scripts/setup-llama-bench.sh is a no-op once they are cached). */
export function ensureBenchTools(): BenchTools {
    const dir = join(repoRoot(), ".cache", "llama-bench", "bin");
    const tools = {bench: join(dir, "llama-bench"), batched: join(dir, "llama-batched-bench")};
    const r = spawnSync("bash", [join(repoRoot(), "scripts", "setup-llama-bench.sh")], {stdio: "inherit"});
    if (r.status !== 0 || !existsSync(tools.bench) || !existsSync(tools.batched))
        throw new Error(`llama-bench / llama-batched-bench could not be built (scripts/setup-llama-bench.sh exited ${r.status}; see .cache/llama-bench-setup.log)`);
    return tools;
}

/** `llama-bench` pp<prompt> and tg<gen>: average tokens/s over `reps` runs (after its own warm-up run). */
export function llamaBench(tools: BenchTools, model: string, o: {threads: number; prompt: number; gen: number; reps: number}): {pp: number; tg: number} {
    const out = execFileSync(tools.bench, ["-m", model, "-t", String(o.threads), "-p", String(o.prompt), "-n", String(o.gen),
        "-r", String(o.reps), "-o", "json"], {encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 24});
    const rows = JSON.parse(out) as {n_prompt: number; n_gen: number; avg_ts: number}[];
    const pp = rows.find((r) => r.n_prompt > 0 && r.n_gen === 0)?.avg_ts;
    const tg = rows.find((r) => r.n_gen > 0 && r.n_prompt === 0)?.avg_ts;
    if (pp == null || tg == null) throw new Error(`llama-bench printed no pp/tg rows: ${out.slice(0, 500)}`);
    return {pp, tg};
}

export interface BatchedRow { readonly pl: number; readonly speedPp: number; readonly speedTg: number; readonly speed: number }

/**
 * `llama-batched-bench`: `pl` sequences each evaluate their own `prompt`-token prompt, then generate `gen` tokens
 * each, all in shared batches (no sampling: random tokens). S_TG is pl * gen / generation time.
 */
export function llamaBatchedBench(tools: BenchTools, model: string, o: {threads: number; prompt: number; gen: number; pl: readonly number[]}): BatchedRow[] {
    const maxPl = Math.max(...o.pl);
    const ctx = Math.ceil((maxPl * (o.prompt + o.gen) + 16) / 256) * 256;
    const out = execFileSync(tools.batched, ["-m", model, "-t", String(o.threads), "-c", String(ctx), "-npp", String(o.prompt),
        "-ntg", String(o.gen), "-npl", o.pl.join(","), "--output-format", "jsonl"], {encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 24});
    const rows = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as {pl: number; speed_pp: number; speed_tg: number; speed: number});
    if (rows.length === 0) throw new Error(`llama-batched-bench printed no rows: ${out.slice(0, 500)}`);
    return rows.map((r) => ({pl: r.pl, speedPp: r.speed_pp, speedTg: r.speed_tg, speed: r.speed}));
}

/** The machine's load when the figures were taken (benches need a quiet machine). */
export function load(): string {
    try { return execSync("uptime", {encoding: "utf8"}).trim().replace(/^.*load average/, "load average"); } catch { return "load unknown"; }
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const fmt = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

/** `--name a,b,c` as a list, else the default. */
export function listArg(name: string, def: readonly string[]): string[] {
    const i = process.argv.indexOf(name);
    return i > 0 && process.argv[i + 1] != null ? process.argv[i + 1]!.split(",").filter((x) => x !== "") : [...def];
}
