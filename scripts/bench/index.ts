// `npm run bench -- <name> [args]`: each benchmark is scripts/bench/<name>.ts exporting main(argv).
import fs from 'node:fs';
import path from 'node:path';

async function run() {
  const [name, ...argv] = process.argv.slice(2);
  const available = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.slice(0, -3));
  const chosen = name ? [name] : available;
  for (const n of chosen) {
    if (!available.includes(n)) {
      console.error(`Unknown benchmark "${n}". Available: ${available.join(', ')}`);
      process.exit(2);
    }
    console.log(`\n== bench: ${n} ==`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- benches load by name, synchronously, under tsx's CJS loader
    const mod = require(path.join(__dirname, n)) as { main(argv: string[]): Promise<void> };
    await mod.main(argv);
  }
}
run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
