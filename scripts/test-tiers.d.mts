export const setups: Readonly<Record<"llama-server" | "vscode", readonly [string, readonly string[]]>>;
export const tiers: readonly {
    readonly name: string;
    readonly dir: string;
    readonly needs: readonly ("llama-server" | "vscode")[];
    readonly cmd: string;
    readonly args: readonly string[];
}[];
