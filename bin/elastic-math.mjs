#!/usr/bin/env node
// Runs the built CLI (npm run build writes out/cli.mjs).
import "../out/cli.mjs";
