export const setups: Readonly<Record<"llama-server" | "vscode" | "vscode-1.139", readonly [string, readonly string[]]>>;
export const tiers: readonly {
    readonly name: string;
    readonly dir: string;
    readonly needs: readonly ("llama-server" | "vscode" | "vscode-1.139")[];
    readonly cmd: string;
    readonly args: readonly string[];
}[];
/** The ui test files (names without .test.ts) that the ui-1.139 tier runs: those that pass on 1.139 so far. */
export const uiOn1139: readonly string[];
