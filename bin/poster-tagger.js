#!/usr/bin/env node
// Runs the built CLI (npm run build), or the TypeScript source through tsx in a checkout.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
const fs = require('node:fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
const path = require('node:path');
const built = path.join(__dirname, '..', 'dist', 'cli.js');
if (fs.existsSync(built)) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  require(built);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  require('tsx/cjs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  require(path.join(__dirname, '..', 'main', 'cli', 'index.ts'));
}
