// What `npm start` writes before it opens VS Code (scripts/start.mjs), in its own module so that the UI test of the
// same set-up (test/ui/settings-change.test.ts) uses exactly these settings and this sample file.

/**
 * The settings for a window whose extension uses `model`: `user` goes into the User settings, `machine` into the
 * settings of the machine the extension host runs on. `elasticMath.model.path` is machine-scoped, and a remote or
 * browser window (code-server) applies it only from the machine's settings (docs/settings.md); on the desktop both
 * are the User settings.
 * @param {string} model absolute path of the GGUF file
 * @returns {{user: Record<string, unknown>, machine: Record<string, unknown>}}
 */
export function startSettings(model) {
    return {user: {}, machine: {"elasticMath.model.path": model}};
}

/** The sample file the window opens with: problems to select and solve. */
export const sampleProblems = [
    "# Try these",
    "",
    "Select a problem, then run **Elastic Math: Solve Problem...** (the selection is filled in, to edit or send)",
    "or **Elastic Math: Solve Selection** (`Ctrl+Alt+M`: it solves the selection at once).",
    "",
    "- What is $2+2$?",
    "- Solve $x^2 - 5x + 6 = 0$.",
    ""
].join("\n");
