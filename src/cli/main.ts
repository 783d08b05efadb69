/**
 * `elastic-math`: the command line over the same core the extension uses.
 * Subcommands live in their own files; this file only dispatches. The exit-code convention: ./args.ts.
 */
import {EXIT_OK, EXIT_USAGE, exitCodesHelp} from "./args";

const usage = `elastic-math <command> [options]      (elastic-math <command> --help for its options)

Commands:
  solve "<problem>" | - | --problem-file <path>  --model <file.gguf> | --server <url> [--think <t>] [--answer <s>] [--unconstrained] [--seed N] [--json]
  render [--jsonl]          markdown + LaTeX on stdin -> the panel's HTML on stdout
  grade                     {"gold","pred"} JSON lines on stdin -> {"equal": true|false|null} lines
  eval --model <gguf> | --server <url> --dataset <name|file.jsonl> --budgets 1024+1024,... [--samples k] [--concurrency N] [--out dir]

${exitCodesHelp}`;

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    switch (command) {
        case "solve":
            return (await import("./solve")).solveCommand(rest);
        case "render":
            return (await import("./render")).renderCommand(rest);
        case "grade":
            return (await import("./grade")).gradeCommand(rest);
        case "eval":
            return (await import("./eval")).evalCommand(rest);
        case undefined:
            process.stderr.write(usage);
            return EXIT_USAGE;
        case "help":
        case "--help":
        case "-h":
            process.stdout.write(usage);
            return EXIT_OK;
        default:
            process.stderr.write(`elastic-math: unknown command "${command}"\n\n${usage}`);
            return EXIT_USAGE;
    }
}

main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
        process.stderr.write(`elastic-math: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    }
);
