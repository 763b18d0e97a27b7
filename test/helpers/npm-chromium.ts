// A headless Chromium that arrives with `npm install` (@sparticuz/chromium ships it brotli-compressed,
// built for any glibc x86-64 Linux with its own NSS libraries), so the e2e tests need no browser installed
// by hand. Unpacked once into node_modules/.cache, keyed by the package version.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { projectRoot } from '../../main/core/project-root';

export interface NpmChromium {
  executablePath: string;
  version: string;
  /** Environment the binary needs: its bundled libraries and fonts. */
  env: Record<string, string>;
  /** Flags a headless shell needs. */
  args: string[];
}

function packageDir(): string | undefined {
  const dir = path.join(projectRoot(), 'node_modules', '@sparticuz', 'chromium');
  return fs.existsSync(path.join(dir, 'bin', 'chromium.br')) ? dir : undefined;
}

async function inflate(from: string, to: string): Promise<void> {
  const tmp = `${to}.part`;
  await pipeline(fs.createReadStream(from), zlib.createBrotliDecompress(), fs.createWriteStream(tmp));
  fs.renameSync(tmp, to);
}

/**
 * Unpacks into a private folder, then renames it into place: test files run in parallel processes, and
 * whichever finishes first wins; the others use its copy.
 */
async function unpack(pkg: string, dir: string, version: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const exe = path.join(tmp, 'chromium');
    await inflate(path.join(pkg, 'bin', 'chromium.br'), exe);
    fs.chmodSync(exe, 0o755);
    // swiftshader (software GL) beside the binary; NSS libraries (lib/) and fonts in their own folders.
    for (const name of ['swiftshader', 'al2023', 'fonts']) {
      const tarFile = path.join(tmp, `${name}.tar`);
      await inflate(path.join(pkg, 'bin', `${name}.tar.br`), tarFile);
      await tar.x({ file: tarFile, cwd: tmp });
      fs.rmSync(tarFile);
    }
    // The package's fonts.conf knows only AWS Lambda's folders: use the system's fonts plus the bundled ones.
    fs.writeFileSync(
      path.join(tmp, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${path.join(dir, 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    fs.writeFileSync(path.join(tmp, '.complete'), version);
    // A half-unpacked folder from an interrupted run is not anyone's finished copy.
    if (fs.existsSync(dir) && !fs.existsSync(path.join(dir, '.complete'))) fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      if (!fs.existsSync(path.join(dir, '.complete'))) throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The unpacked browser, or undefined where the package is absent or the platform is not Linux x64. */
export async function npmChromium(): Promise<NpmChromium | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const pkg = packageDir();
  if (!pkg) return undefined;
  const version = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = path.join(projectRoot(), 'node_modules', '.cache', 'poster-tagger', `chromium-${version}`);
  const done = path.join(dir, '.complete');
  if (!fs.existsSync(done)) await unpack(pkg, dir, version);
  const libs = path.join(dir, 'lib');
  return {
    executablePath: path.join(dir, 'chromium'),
    version,
    env: {
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: dir,
      // Under LANG=C the headless shell reports the locale "en-US@posix", which Intl rejects.
      LANG: 'en_US.UTF-8',
    },
    args: ['--no-zygote', '--use-gl=angle', '--use-angle=swiftshader', '--lang=en-US'],
  };
}
