// The test tiers that `npm test` (scripts/test.mjs) runs, in order, and the setup scripts each needs. A setup is
// idempotent (a marker makes a rerun a no-op) and runs once per `npm test`, before the first tier that needs it, so a
// fresh clone needs nothing but `npm install` and `npm test`. test/unit/test-tiers.test.ts checks that every tier
// whose tests start llama-server or code-server names the setup that installs it.

/** Setup scripts by what they install. */
export const setups = {
    "llama-server": ["bash", ["scripts/setup-llama-server.sh"]],
    "vscode": ["bash", ["scripts/setup-vscode.sh"]]
};

export const tiers = [
    {name: "unit", dir: "test/unit", needs: [], cmd: "node", args: ["--test", "--test-reporter=spec", "out/test/unit/"]},
    {name: "engine", dir: "test/engine", needs: ["llama-server"], cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/engine/"]},
    {name: "integration", dir: "test/integration", needs: ["vscode", "llama-server"], cmd: "node", args: ["scripts/run-integration.mjs"]},
    {name: "ui", dir: "test/ui", needs: ["vscode", "llama-server"], cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", "out/test/ui/"]}
];
