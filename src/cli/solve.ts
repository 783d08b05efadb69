/**
 * `elastic-math solve "<problem>" | - | --problem-file <path>  --model <file.gguf> --think <t> --answer <s> [--unconstrained]
 *  [--seed N] [--threads N] [--context N] [--temperature X] [--top-p X] [--gpu auto|cpu|cuda|vulkan|metal] [--json]`
 *
 * Streams the thinking (dimmed on a terminal) and the solution to stdout. With --json, prints nothing while it runs
 * and one JSON object at the end. Ctrl+C stops generation and still prints what was produced (stop "abort").
 * The problem comes from the argument, from standard input (`-`) or from a file (`--problem-file`): an argument is
 * limited to 128 KiB by the operating system. `--server <url>` runs on an inference server instead of a local model
 * (the engine's server backend; the key from ELASTIC_MATH_API_KEY). Exit codes: the convention in ./args.ts.
 */
import {readFile} from "node:fs/promises";
import {ElasticEngine, EngineError, type GpuOption} from "../core/engine";
import {maxPhaseTokens} from "../core/budgets";
import type {ServerOptions} from "../core/engine/serverClient";
import type {BudgetSpec, SamplingOptions, SolveResult} from "../core/types";
import {
    EXIT_FAILED, EXIT_OK, InputError, MAX_SEED, UsageError, checkModelPath, exitCodesHelp, gpuOption, intOption, numberOption,
    parseOptions, readAll, refuseApiKeyArgument, reportArgError, seedOption, serverOption, serverOptionsHelp, serverValuedOptions, tokenOption
} from "./args";

const usage = `usage: elastic-math solve "<problem>" | - | --problem-file <path>  --model <file.gguf> | --server <url>
       [--server-model <name>] [--api auto|llamacpp|openai] [--think <t>] [--answer <s>] [--unconstrained]
       [--max-tokens N] [--seed N] [--threads N] [--context N] [--temperature X] [--top-p X]
       [--gpu auto|cpu|cuda|vulkan|metal] [--json]

  "<problem>"            the problem as one argument (quote it; at most 128 KiB)
  -                      read the problem from standard input
  --problem-file <path>  read the problem from a file (UTF-8)
  --think <t>            thinking budget in tokens, 1 to ${maxPhaseTokens} (default 1024; 2k = 2048)
  --answer <s>           solution budget in tokens, 1 to ${maxPhaseTokens} (default 1024)
  --unconstrained        one phase up to the context size (or --max-tokens)
  --seed N               repeatable sampling, 0 to ${MAX_SEED}
  --json                 print one JSON object with the result at the end
${serverOptionsHelp}
${exitCodesHelp}`;

interface Parsed {
    /** The problem text, or where to read it from. */
    problem: {text: string} | {stdin: true} | {file: string};
    /** The local model file ("" on a server). */
    model: string;
    server?: ServerOptions;
    budget: BudgetSpec;
    sampling: SamplingOptions;
    threads?: number;
    contextSize?: number;
    gpu: GpuOption;
    json: boolean;
}

class HelpRequested extends Error {}

function parseArgs(args: string[]): Parsed {
    refuseApiKeyArgument(args);
    const {positional, values, flags} = parseOptions(args, {
        ...serverValuedOptions,
        "--model": "value", "--think": "number", "--answer": "number", "--seed": "number", "--threads": "number", "--context": "number",
        "--temperature": "number", "--top-p": "number", "--gpu": "value", "--max-tokens": "number", "--problem-file": "value"
    }, ["--unconstrained", "--json", "--help"], {"-m": "--model", "-h": "--help"});
    if (flags.has("--help")) throw new HelpRequested();
    const file = values.get("--problem-file");
    if (file != null && positional.length > 0) throw new UsageError("give the problem either as an argument, as - or with --problem-file, not both");
    if (file == null && positional.length === 0) throw new UsageError("the problem is missing (an argument, - for standard input, or --problem-file <path>)");
    if (positional.length > 1) throw new UsageError(`one problem expected (quote it), got ${positional.length} arguments`);
    const problem: Parsed["problem"] = file != null ? {file} : positional[0] === "-" ? {stdin: true} : {text: positional[0]!};
    const server = serverOption(values);
    const model = values.get("--model") ?? "";
    if (server == null && model === "") throw new UsageError("--model <file.gguf> (or --server <url>) is required");

    const unconstrained = flags.has("--unconstrained");
    const think = tokenOption(values, "--think", "thinking");
    const answer = tokenOption(values, "--answer", "answer");
    const maxTokens = intOption(values, "--max-tokens", 1);
    if (unconstrained && (think != null || answer != null)) throw new UsageError("--unconstrained cannot be combined with --think / --answer");
    if (!unconstrained && maxTokens != null) throw new UsageError("--max-tokens needs --unconstrained");
    const budget: BudgetSpec = unconstrained
        ? {mode: "unconstrained", ...(maxTokens != null ? {maxTokens} : {})}
        : {mode: "elastic", thinkTokens: think ?? 1024, answerTokens: answer ?? 1024};
    return {
        problem, model, server, budget,
        sampling: {seed: seedOption(values), temperature: numberOption(values, "--temperature", 0, 5), topP: numberOption(values, "--top-p", 0, 1)},
        threads: intOption(values, "--threads", 1),
        contextSize: intOption(values, "--context", 64),
        gpu: gpuOption(values),
        json: flags.has("--json")
    };
}

/** The problem's text from wherever it comes; an empty problem is bad input. */
async function problemText(source: Parsed["problem"]): Promise<string> {
    let text: string;
    if ("text" in source) text = source.text;
    else if ("stdin" in source) text = await readAll(process.stdin);
    else {
        try {
            text = await readFile(source.file, "utf8");
        } catch (err) {
            throw new InputError(`cannot read the problem file ${source.file}: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    if (text.trim() === "") throw new InputError(`the problem is empty${"file" in source ? ` (${source.file})` : "stdin" in source ? " (standard input)" : ""}`);
    return text;
}

/** Runs `elastic-math solve`; returns the exit code. */
export async function solveCommand(args: string[]): Promise<number> {
    let p: Parsed;
    let problem: string;
    try {
        p = parseArgs(args);
        problem = await problemText(p.problem);
    } catch (err) {
        if (err instanceof HelpRequested) { process.stdout.write(usage); return EXIT_OK; }
        if (err instanceof UsageError || err instanceof InputError) return reportArgError("solve", err, usage);
        throw err;
    }
    const out = process.stdout;
    const tty = out.isTTY === true && !p.json;
    const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[22m` : s);
    try {
        // Before anything says "loading": a missing file is reported as such, and nothing else is printed.
        if (p.server == null) await checkModelPath(p.model);
    } catch (err) {
        if (err instanceof EngineError) return reportEngineError(err, p.json);
        throw err;
    }
    const engine = new ElasticEngine({modelPath: p.model, server: p.server, threads: p.threads, contextSize: p.contextSize, gpu: p.gpu});
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
            problem, budget: p.budget, sampling: p.sampling, signal: controller.signal,
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
        return EXIT_OK;
    } catch (err) {
        if (err instanceof EngineError) return reportEngineError(err, p.json);
        throw err;
    } finally {
        process.off("SIGINT", onSigint);
        await engine.dispose();
    }
}

/** An engine error: one JSON object on stdout with --json, the message on stderr always; exit 1. */
function reportEngineError(err: EngineError, json: boolean): number {
    if (json) process.stdout.write(JSON.stringify({error: {code: err.code, message: err.message}}) + "\n");
    process.stderr.write(`elastic-math solve: ${err.message}\n`);
    return EXIT_FAILED;
}
