/** The server client's pure parts: URL normalization and labels (the HTTP behaviour is tested on a real llama-server in test/engine/backends.test.ts). */
import assert from "node:assert/strict";
import {test} from "node:test";
import {ServerError, serverBase, serverLabel} from "../../src/core/engine/serverClient";

test("server URLs: trailing slashes and /v1 are accepted; other schemes and garbage are refused clearly", () => {
    assert.equal(serverBase("http://gpu-box:8000"), "http://gpu-box:8000");
    assert.equal(serverBase("http://gpu-box:8000/"), "http://gpu-box:8000");
    assert.equal(serverBase(" http://gpu-box:8000/v1/ "), "http://gpu-box:8000");
    assert.equal(serverBase("https://lab.example.edu/llm/v1"), "https://lab.example.edu/llm");
    assert.throws(() => serverBase("gpu-box:8000x"), (e: unknown) => e instanceof ServerError);
    assert.throws(() => serverBase("ftp://gpu-box"), /must start with http:\/\/ or https:\/\//);
    assert.throws(() => serverBase(""), /not a valid URL/);
    assert.equal(serverLabel("http://127.0.0.1:8080"), "127.0.0.1:8080");
});
