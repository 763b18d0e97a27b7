#!/usr/bin/env node
// Runs the built CLI (npm run build), or the TypeScript source through tsx in a checkout.
const fs = require('node:fs');
const path = require('node:path');
const built = path.join(__dirname, '..', 'dist', 'cli.js');
if (fs.existsSync(built)) {
  require(built);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'main', 'cli', 'index.ts'));
}
