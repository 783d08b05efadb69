/**
 * The engine's public API (`import ... from "./engine"`): the engine, its options and errors, and the one rule
 * from a budget to token limits. The folder's files are named after what they hold; see elasticEngine.ts.
 */
export {ElasticEngine} from "./elasticEngine";
export {EngineError, notConfiguredError, type EngineErrorCode} from "./errors";
export {tokenLimits, type TokenLimits} from "./limits";
export type {ElasticEngineOptions, GpuOption, PromptMeter, PromptTools, SolveManyOptions, SolveManyResult, SolveOptions, SolveTrace} from "./options";
