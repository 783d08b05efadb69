// Types for scripts/start-settings.mjs, so that TypeScript tests can import it.
export function startSettings(model: string): {user: Record<string, unknown>; machine: Record<string, unknown>};
export const sampleProblems: string;
