// Types for scripts/vscode-server.mjs, so that TypeScript tests (test/ui/*.ts) can import it.
import type {Browser, Page} from "playwright-core";

export const ROOT: string;
export const CODE_SERVER_ENTRY: string;
/** The VS Code version the test tiers run on (env EMT_VSCODE_VERSION): "1.100" (default) or "1.139". */
export const VSCODE_VERSION: string;
export const VSCODE_TARGETS: Record<string, {codeServer: string; dir: string; node: string | null; extraArgs: string[]}>;
/** The Node binary that runs code-server. */
export const CODE_SERVER_NODE: string;
export const CHROMIUM: string;
export const DEFAULT_SETTINGS: Record<string, unknown>;

export function ensureCodeServer(): void;
/** The settings an extension declares with `"scope": "machine"` (startCodeServer writes them to the machine's settings). */
export function machineScopedKeys(extensionPath: string): Set<string>;
export function freePort(): Promise<number>;
export function killGroup(pid: number, graceMs?: number): Promise<void>;

export interface WorkbenchUrlOptions {
    /** Absolute path of a mocha `run()` module: the workbench runs it in the extension host. */
    extensionTestsPath?: string;
    /** Defaults to the server's extensionPath; null opens the workbench without a development extension. */
    extensionDevelopmentPath?: string | null;
    /** Folder to open; defaults to the server's workspace. */
    folder?: string;
}

export interface CodeServer {
    url: string;
    port: number;
    /** Also the process group id. */
    pid: number;
    workspace: string;
    extensionPath: string;
    tempDir: string;
    logFile: string;
    userDataDir: string;
    workbenchUrl(opts?: WorkbenchUrlOptions): string;
    stop(): Promise<void>;
}

export interface StartCodeServerOptions {
    extensionPath: string;
    workspace?: string;
    settings?: Record<string, unknown>;
    /**
     * The server machine's settings (Machine/settings.json): where a browser window reads machine-scoped settings. The
     * extension's machine-scoped keys given in `settings` are moved there too.
     */
    machineSettings?: Record<string, unknown>;
    env?: Record<string, string>;
    keepTemp?: boolean;
    echoLog?: boolean;
    startTimeoutMs?: number;
    /** Extension folders copied into the extensions folder (test-only helpers). */
    preinstall?: string[];
    /** Files written into the user data's User/ folder (name -> text). */
    userFiles?: Record<string, string>;
    /** The display language (--locale), e.g. "zh-cn"; the workbench needs a language pack in the extensions folder for it. */
    locale?: string;
}

export function startCodeServer(opts: StartCodeServerOptions): Promise<CodeServer>;
export function launchBrowser(opts?: {headless?: boolean; slowMo?: number}): Promise<Browser>;
export function openWorkbench(page: Page, url: string, hooks?: {
    onLog?: (type: string, args: unknown[]) => void;
    onExit?: (code: number) => void;
}): Promise<{exit: Promise<number>}>;
