#!/usr/bin/env node
// The `sluice` command. The compiled CLI lives in dist/ (built by `npm install` via prepare).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
