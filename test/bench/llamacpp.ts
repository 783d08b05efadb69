/**
 * llama.cpp's own benchmark tools as the benches' reference: `llama-bench` and `llama-batched-bench`, built from the
 * llama.cpp release node-llama-cpp ships (scripts/setup-llama-bench.sh, run here on demand: a few minutes the first
 * time, then cached in .cache/llama-bench/). Same model file, same threads; flash attention is left at "auto" in
 * both tools, as node-llama-cpp leaves it.
 */
import {execFileSync, execSync, spawnSync} from "node:child_process";
import {existsSync, readFileSync} from "node:fs";
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

/**
 * `llama-bench` pp<prompt> and tg<gen>: average tokens/s over `reps` runs (after its own warm-up run). With `depth`,
 * also tg<gen> after `depth` cached tokens (`-d`: the same work as our generation after its prompt), in a second run.
 * `others` is the share of the machine's CPU time that other processes used meanwhile (see {@link othersCpu}).
 */
export function llamaBench(tools: BenchTools, model: string, o: {threads: number; prompt: number; gen: number; reps: number; depth?: number}):
    {pp: number; tg: number; tgDepth?: number; others: number} {
    const run = (args: string[]) => {
        const cpu = othersCpu();
        // `times` prints the child's CPU time (user, system) on the last line of stderr.
        const r = spawnSync("bash", ["-c", '"$@"; s=$?; times >&2; exit $s', "_", tools.bench, "-m", model, "-t", String(o.threads), "-r", String(o.reps), "-o", "json", ...args],
            {encoding: "utf8", maxBuffer: 1 << 24});
        if (r.status !== 0) throw new Error(`llama-bench exited ${r.status}: ${(r.stderr ?? "").slice(-500)}`);
        const t = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stderr);
        const childMs = t != null ? (Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000 : NaN;
        return {rows: JSON.parse(r.stdout) as {n_prompt: number; n_gen: number; avg_ts: number}[], others: cpu.end(childMs)};
    };
    const first = run(["-p", String(o.prompt), "-n", String(o.gen)]);
    const pp = first.rows.find((r) => r.n_prompt > 0 && r.n_gen === 0)?.avg_ts;
    const tg = first.rows.find((r) => r.n_gen > 0 && r.n_prompt === 0)?.avg_ts;
    if (pp == null || tg == null) throw new Error(`llama-bench printed no pp/tg rows: ${JSON.stringify(first.rows).slice(0, 500)}`);
    if (o.depth == null) return {pp, tg, others: first.others};
    const deep = run(["-p", "0", "-n", String(o.gen), "-d", String(o.depth)]);
    return {pp, tg, tgDepth: deep.rows[0]?.avg_ts, others: Math.max(first.others, deep.others)};
}

/**
 * How much of the machine's CPU other processes took while something ran: call, run, then `end(ownCpuMs)` with the
 * CPU time the measured process itself used. Returns (all busy CPU time - own) / all CPU time, from /proc/stat (0 to 1;
 * NaN where /proc/stat cannot be read). On 2 cores with 2 compute threads, any share above a few percent slows both
 * llama.cpp and our engine (a busy loop beside them cut generation 3.5x: docs/speed.md); it says which reps to trust.
 */
export function othersCpu(): {end(ownCpuMs: number): number} {
    const read = (): {busy: number; total: number} | undefined => {
        try {
            const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
            const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
            const busy = user + nice + system + irq + softirq + (steal ?? 0);
            return {busy, total: busy + idle + iowait};
        } catch { return undefined; }
    };
    const a = read();
    return {
        end: (ownCpuMs) => {
            const b = read();
            if (a == null || b == null || b.total === a.total) return NaN;
            const tick = 10; // /proc/stat counts in USER_HZ, 100 a second on Linux
            return Math.max(0, ((b.busy - a.busy) * tick - ownCpuMs) / ((b.total - a.total) * tick));
        }
    };
}

/** {@link othersCpu} for work in this process: the process's own CPU time is taken from `process.cpuUsage()`. */
export function othersCpuHere(): {end(): number} {
    const cpu = othersCpu();
    const own = process.cpuUsage();
    return {end: () => { const d = process.cpuUsage(own); return cpu.end((d.user + d.system) / 1000); }};
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
