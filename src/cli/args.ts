/**
 * What every subcommand shares: the exit-code convention, option parsing and the checks of option values.
 *
 * Exit codes (the same for every subcommand; README "Command line" and `elastic-math --help`):
 *   0    everything was done and every input was good
 *   1    the work failed or some input was bad (a model file that is missing, an engine error, a JSON line that
 *        is not what the command reads). Line-oriented commands still write one output line per input line,
 *        with an "error" field for the bad ones, and go on to the end.
 *   2    the command line itself is wrong (unknown option, missing or invalid value); the usage goes to stderr
 *   130  interrupted (Ctrl+C) before the work was finished
 */
import {stat} from "node:fs/promises";
import {EngineError, type GpuOption} from "../core/engine";
import {parseTokenCount} from "../core/budgets";
import {serverBase, type ServerOptions} from "../core/engine/serverClient";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export const exitCodesHelp = `Exit codes (every command):
  0    done, every input good
  1    the work failed or some input was bad (bad lines still get an output line with an "error" field)
  2    the command line is wrong (unknown option, missing or invalid value)
  130  interrupted (Ctrl+C) before the work was finished
`;

/** The command line is wrong: exit 2 with the usage. */
export class UsageError extends Error {}

/** Some input (a file, standard input) is bad: exit 1, no usage. */
export class InputError extends Error {}

export interface ParsedArgs {
    readonly positional: string[];
    readonly values: Map<string, string>;
    readonly flags: Set<string>;
}

/**
 * Splits `args` into positionals, valued options and flags. `valued` maps each option that takes a value to what
 * its value is ("number" or "value"), for the message when the value is missing: `--think --answer 32` says
 * "--think needs a number" (a value never starts with "--"; use `--name=--x` for one that does).
 * `aliases` maps short names to long ones.
 */
export function parseOptions(args: readonly string[], valued: Readonly<Record<string, "number" | "value">>, boolean: readonly string[],
    aliases: Readonly<Record<string, string>> = {}): ParsedArgs {
    const positional: string[] = [];
    const values = new Map<string, string>();
    const flags = new Set<string>();
    for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === "--") { positional.push(...args.slice(i + 1)); break; }
        const eq = a.startsWith("--") ? a.indexOf("=") : -1;
        const raw = eq > 0 ? a.slice(0, eq) : a;
        const name = aliases[raw] ?? raw;
        if (name in valued) {
            let v: string | undefined;
            if (eq > 0) v = a.slice(eq + 1);
            else {
                v = args[i + 1];
                if (v != null && v.startsWith("--")) v = undefined;
                else i++;
            }
            if (v == null) throw new UsageError(`${raw} needs a ${valued[name]}`);
            if (values.has(name)) throw new UsageError(`${raw} is given twice`);
            values.set(name, v);
        } else if (boolean.includes(name)) {
            flags.add(name);
        } else if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
            throw new UsageError(`unknown option ${a}`);
        } else positional.push(a);
    }
    return {positional, values, flags};
}

/** A whole number >= min (and <= max), or undefined when the option is absent. */
export function intOption(values: Map<string, string>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = values.get(name);
    if (v == null) return undefined;
    if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max)
        throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${v}"`);
    return Number(v);
}

/** A number in [min, max], or undefined when the option is absent. */
export function numberOption(values: Map<string, string>, name: string, min: number, max: number): number | undefined {
    const v = values.get(name);
    if (v == null) return undefined;
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number from ${min} to ${max}, got "${v}"`);
    return n;
}

/** A phase budget, by the one rule the budget pick also uses (`parseTokenCount` in src/core/budgets.ts). */
export function tokenOption(values: Map<string, string>, name: string, what: string): number | undefined {
    const v = values.get(name);
    if (v == null) return undefined;
    const parsed = parseTokenCount(v, what);
    if (typeof parsed === "string") throw new UsageError(`${name}: ${parsed}`);
    return parsed;
}

/** llama.cpp's seed is an unsigned 32-bit number: a larger one would be silently cut. */
export const MAX_SEED = 2 ** 32 - 1;

export function seedOption(values: Map<string, string>): number | undefined {
    return intOption(values, "--seed", 0, MAX_SEED);
}

const gpus: Record<string, GpuOption> = {auto: "auto", cpu: false, false: false, cuda: "cuda", vulkan: "vulkan", metal: "metal"};

export function gpuOption(values: Map<string, string>): GpuOption {
    const text = values.get("--gpu") ?? "auto";
    if (!(text in gpus)) throw new UsageError(`--gpu must be auto, cpu, cuda, vulkan or metal, got "${text}"`);
    return gpus[text]!;
}

/**
 * The model file exists and is a file, checked before anything says "loading": the engine checks it again (and its
 * header) when it loads, with the same codes.
 */
export async function checkModelPath(path: string): Promise<void> {
    let isFile: boolean;
    try {
        isFile = (await stat(path)).isFile();
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") throw new EngineError("model-not-found", `Model file not found: ${path}`, {cause: err});
        throw new EngineError("model-unreadable", `Cannot access the model file ${path}: ${err instanceof Error ? err.message : String(err)}`, {cause: err});
    }
    if (!isFile) throw new EngineError("model-not-a-file", `The model path is not a file: ${path}`);
}

/** "1 problem", "2 problems". */
export function plural(n: number, word: string, many = `${word}s`): string {
    return `${n} ${n === 1 ? word : many}`;
}

/** Reads all of a stream as UTF-8. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
}

/** Writes to stdout and waits until it is flushed (or buffered without back-pressure). */
export function write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
        process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
    });
}

/** Prints a UsageError (with the usage) or an InputError and returns its exit code. */
export function reportArgError(command: string, err: UsageError | InputError, usage: string): number {
    if (err instanceof UsageError) {
        process.stderr.write(`elastic-math ${command}: ${err.message}\n\n${usage}`);
        return EXIT_USAGE;
    }
    process.stderr.write(`elastic-math ${command}: ${err.message}\n`);
    return EXIT_FAILED;
}

/** The environment variable the server's API key comes from: never an argument (the process list shows arguments). */
export const API_KEY_ENV = "ELASTIC_MATH_API_KEY";

/** The options `solve` and `eval` share for running on an inference server. */
export const serverValuedOptions = {"--server": "value", "--server-model": "value", "--api": "value"} as const;

export const serverOptionsHelp = `  --server <url>         run on an inference server (vLLM, llama-server, any OpenAI-compatible one) instead of --model
  --server-model <name>  the model's name on the server (default: the server's first model)
  --api auto|llamacpp|openai  the endpoint dialect (default auto: llama.cpp's /completion when /props answers, else /v1/completions)
                         the API key, if the server needs one, comes only from the environment variable ${API_KEY_ENV}
`;

/** A key given as an argument is refused before anything runs: it would be visible to every user in the process list. */
export function refuseApiKeyArgument(args: readonly string[]): void {
    if (args.some((a) => a === "--api-key" || a.startsWith("--api-key=")))
        throw new UsageError(`--api-key is not accepted: a key on the command line is visible to every user of this machine (ps) and stays in the shell history; set the environment variable ${API_KEY_ENV} instead`);
}

const dialects: Record<string, ServerOptions["dialect"]> = {auto: "auto", llamacpp: "llama.cpp", "llama.cpp": "llama.cpp", openai: "openai"};

/** The server to run on (`--server`, `--server-model`, `--api`, the key from the environment), or undefined for a local model. */
export function serverOption(values: Map<string, string>): ServerOptions | undefined {
    const url = values.get("--server");
    if (url == null) {
        if (values.has("--server-model") || values.has("--api")) throw new UsageError("--server-model and --api need --server <url>");
        return undefined;
    }
    if (values.has("--model")) throw new UsageError("give either --model <file.gguf> (a local model) or --server <url>, not both");
    try {
        serverBase(url);
    } catch (err) {
        throw new UsageError(`--server: ${err instanceof Error ? err.message : String(err)}`);
    }
    const api = values.get("--api") ?? "auto";
    const dialect = dialects[api];
    if (dialect == null) throw new UsageError(`--api must be auto, llamacpp or openai, got "${api}"`);
    const model = values.get("--server-model");
    const apiKey = process.env[API_KEY_ENV];
    return {url, dialect, ...(model != null ? {model} : {}), ...(apiKey != null && apiKey !== "" ? {apiKey} : {})};
}
