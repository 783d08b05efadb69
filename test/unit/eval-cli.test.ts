/** `eval`'s progress line and the server options `solve` and `eval` share (pure parts; the engine tier runs them for real). */
import assert from "node:assert/strict";
import {test} from "node:test";
import {API_KEY_ENV, UsageError, parseOptions, refuseApiKeyArgument, serverOption, serverValuedOptions} from "../../src/cli/args";
import {duration, formatProgress} from "../../src/cli/progress";

test("progress: done/total, samples/s and tokens/s of this run's samples, time left", () => {
    // 10 of 40 done, 4 of them resumed: 6 samples and 1200 tokens in 3 s -> 2 samples/s, 400 tokens/s, 30 left -> 15 s.
    assert.equal(formatProgress({done: 10, total: 40, resumed: 4, generatedTokens: 1200, elapsedMs: 3000}),
        "10/40 samples, 2.00 samples/s, 400.0 tokens/s, about 15 s left");
    assert.equal(formatProgress({done: 40, total: 40, resumed: 0, generatedTokens: 4000, elapsedMs: 80_000}),
        "40/40 samples, 0.50 samples/s, 50.0 tokens/s, done in 1 min 20 s");
    assert.equal(formatProgress({done: 4, total: 40, resumed: 4, generatedTokens: 0, elapsedMs: 0}), "4/40 samples, rates after the first sample");
    assert.equal(duration(2 * 3600 + 5 * 60 + 9), "2 h 5 min");
});

const parse = (args: string[]) => serverOption(parseOptions(args, {...serverValuedOptions, "--model": "value"}, []).values);

test("server options: --server, --server-model, --api; the key only from the environment", () => {
    const before = process.env[API_KEY_ENV];
    try {
        delete process.env[API_KEY_ENV];
        assert.equal(parse([]), undefined);
        assert.deepEqual(parse(["--server", "http://gpu:8000/v1", "--server-model", "e1", "--api", "openai"]), {url: "http://gpu:8000/v1", dialect: "openai", model: "e1"});
        assert.deepEqual(parse(["--server", "http://gpu:8080", "--api", "llamacpp"]), {url: "http://gpu:8080", dialect: "llama.cpp"});
        process.env[API_KEY_ENV] = "k-123";
        assert.deepEqual(parse(["--server", "http://gpu:8080"]), {url: "http://gpu:8080", dialect: "auto", apiKey: "k-123"});
    } finally {
        if (before == null) delete process.env[API_KEY_ENV]; else process.env[API_KEY_ENV] = before;
    }
    assert.throws(() => parse(["--server", "ftp://x"]), (e: unknown) => e instanceof UsageError && /--server: .*http/.test(e.message));
    assert.throws(() => parse(["--server", "http://x", "--api", "grpc"]), /--api must be auto, llamacpp or openai/);
    assert.throws(() => parse(["--api", "openai"]), /need --server/);
    assert.throws(() => parse(["--server", "http://x", "--model", "m.gguf"]), /not both/);
    assert.throws(() => refuseApiKeyArgument(["--server", "http://x", "--api-key=abc"]), (e: unknown) => e instanceof UsageError && e.message.includes(API_KEY_ENV));
    refuseApiKeyArgument(["--server", "http://x"]);
});
