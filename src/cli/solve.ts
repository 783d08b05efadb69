/**
 * `elastic-math solve "<problem>" --model <file.gguf> --think <t> --answer <s> [--unconstrained] [--seed N]
 *  [--threads N] [--context N] [--temperature X] [--top-p X] [--gpu auto|cpu|cuda|vulkan|metal] [--json]`
 *
 * Streams the thinking (dimmed on a terminal) and the solution to stdout. With --json, prints nothing while it runs
 * and one JSON object at the end. Ctrl+C stops generation and still prints what was produced (stop "abort").
 * Exit codes: 0 done, 1 bad input or engine error, 130 interrupted before the result was printed.
 */
import {ElasticEngine, EngineError, type GpuOption} from "../core/engine";
import type {BudgetSpec, SamplingOptions, SolveResult} from "../core/types";

const usage = `usage: elastic-math solve "<problem>" --model <file.gguf> [--think <t>] [--answer <s>] [--unconstrained]
       [--max-tokens N] [--seed N] [--threads N] [--context N] [--temperature X] [--top-p X] [--gpu auto|cpu|cuda|vulkan|metal] [--json]

  --think <t>        thinking budget in tokens (default 1024)
  --answer <s>       solution budget in tokens (default 1024)
  --unconstrained    one phase up to the context size (or --max-tokens)
  --json             print one JSON object with the result at the end
`;

interface Parsed {
    problem: string;
    model: string;
    budget: BudgetSpec;
    sampling: SamplingOptions;
    threads?: number;
    contextSize?: number;
    gpu: GpuOption;
    json: boolean;
}

class UsageError extends Error {}

function parseArgs(args: string[]): Parsed {
    const positional: string[] = [];
    const values = new Map<string, string>();
    const flags = new Set<string>();
    const valued = new Set(["--model", "-m", "--think", "--answer", "--seed", "--threads", "--context", "--temperature", "--top-p", "--gpu", "--max-tokens"]);
    const boolean = new Set(["--unconstrained", "--json", "--help", "-h"]);
    for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === "--") { positional.push(...args.slice(i + 1)); break; }
        const eq = a.startsWith("--") ? a.indexOf("=") : -1;
        const name = eq > 0 ? a.slice(0, eq) : a;
        if (valued.has(name)) {
            const v = eq > 0 ? a.slice(eq + 1) : args[++i];
            if (v == null) throw new UsageError(`${name} needs a value`);
            values.set(name === "-m" ? "--model" : name, v);
        } else if (boolean.has(name)) {
            flags.add(name);
        } else if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
            throw new UsageError(`unknown option ${a}`);
        } else positional.push(a);
    }
    if (flags.has("--help") || flags.has("-h")) throw new UsageError("");
    if (positional.length === 0) throw new UsageError("the problem is missing");
    if (positional.length > 1) throw new UsageError(`one problem expected (quote it), got ${positional.length} arguments`);
    const problem = positional[0]!;
    if (problem.trim() === "") throw new UsageError("the problem is empty");
    const model = values.get("--model");
    if (model == null) throw new UsageError("--model <file.gguf> is required");

    const int = (name: string, min: number): number | undefined => {
        const v = values.get(name);
        if (v == null) return undefined;
        if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new UsageError(`${name} must be a whole number >= ${min}, got "${v}"`);
        return Number(v);
    };
    const num = (name: string, min: number, max: number): number | undefined => {
        const v = values.get(name);
        if (v == null) return undefined;
        const n = Number(v);
        if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number from ${min} to ${max}, got "${v}"`);
        return n;
    };
    const unconstrained = flags.has("--unconstrained");
    const think = int("--think", 0);
    const answer = int("--answer", 1);
    const maxTokens = int("--max-tokens", 1);
    if (unconstrained && (think != null || answer != null)) throw new UsageError("--unconstrained cannot be combined with --think / --answer");
    if (!unconstrained && maxTokens != null) throw new UsageError("--max-tokens needs --unconstrained");
    const budget: BudgetSpec = unconstrained
        ? {mode: "unconstrained", ...(maxTokens != null ? {maxTokens} : {})}
        : {mode: "elastic", thinkTokens: think ?? 1024, answerTokens: answer ?? 1024};
    const gpuText = values.get("--gpu") ?? "auto";
    const gpus: Record<string, GpuOption> = {auto: "auto", cpu: false, false: false, cuda: "cuda", vulkan: "vulkan", metal: "metal"};
    if (!(gpuText in gpus)) throw new UsageError(`--gpu must be auto, cpu, cuda, vulkan or metal, got "${gpuText}"`);
    return {
        problem, model, budget,
        sampling: {seed: int("--seed", 0), temperature: num("--temperature", 0, 5), topP: num("--top-p", 0, 1)},
        threads: int("--threads", 1),
        contextSize: int("--context", 64),
        gpu: gpus[gpuText]!,
        json: flags.has("--json")
    };
}

/** Runs `elastic-math solve`; returns the exit code. */
export async function solveCommand(args: string[]): Promise<number> {
    let p: Parsed;
    try {
        p = parseArgs(args);
    } catch (err) {
        if (err instanceof UsageError) {
            if (err.message !== "") process.stderr.write(`elastic-math solve: ${err.message}\n\n`);
            process.stderr.write(usage);
            return err.message === "" ? 0 : 1;
        }
        throw err;
    }
    const out = process.stdout;
    const tty = out.isTTY === true && !p.json;
    const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[22m` : s);
    const engine = new ElasticEngine({modelPath: p.model, threads: p.threads, contextSize: p.contextSize, gpu: p.gpu});
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        controller.abort();
    };
    process.on("SIGINT", onSigint);
    let lastPhase: string | null = null;
    try {
        const result: SolveResult = await engine.solve({
            problem: p.problem, budget: p.budget, sampling: p.sampling, signal: controller.signal,
            onEvent: p.json ? undefined : (e) => {
                switch (e.type) {
                    case "loading": process.stderr.write(dim(`loading ${e.model}...\n`)); break;
                    case "started": process.stderr.write(dim(`${e.device}, prompt ${e.promptTokens} tokens\n`)); break;
                    case "delta":
                        if (e.phase !== lastPhase) {
                            if (e.phase === "solution" && lastPhase === "thinking") out.write("\n");
                            lastPhase = e.phase;
                        }
                        out.write(e.phase === "thinking" ? dim(e.text) : e.text);
                        break;
                    case "cut": out.write(dim(`\n[thinking cut at ${e.thinkingTokens} tokens]`)); break;
                    default: break;
                }
            }
        });
        if (p.json) {
            out.write(JSON.stringify({...result, deviceNote: engine.deviceNote ?? null}) + "\n");
        } else {
            out.write("\n");
            const t = result.timings;
            process.stderr.write(dim(`\n${result.stop === "abort" ? "stopped" : "done"}: thinking ${result.thinkingTokens}${result.thinkingCut ? " (cut)" : ""}, ` +
                `solution ${result.solutionTokens} tokens, stop ${result.stop}, answer ${result.answer ?? "none"}, ` +
                `${t.tokensPerSecond.toFixed(1)} tokens/s, ${(t.totalMs / 1000).toFixed(2)} s\n`));
        }
        return 0;
    } catch (err) {
        if (err instanceof EngineError) {
            if (p.json) out.write(JSON.stringify({error: {code: err.code, message: err.message}}) + "\n");
            process.stderr.write(`elastic-math solve: ${err.message}\n`);
            return 1;
        }
        throw err;
    } finally {
        process.off("SIGINT", onSigint);
        await engine.dispose();
    }
}
