import fs from 'node:fs';

/**
 * Whether this CPU runs int8 inference fast: ONNX Runtime's integer kernels (u8 activations × s8
 * weights) beat float32 by 2–3× where the CPU has VNNI dot products (AVX512-VNNI, AVX-VNNI, AMX) or at
 * least AVX2, and on ARM with the dot-product extension. Linux reads /proc/cpuinfo; elsewhere Apple
 * silicon counts as fast (all have dot product) and other CPUs stay on float32.
 */
export interface Int8Support {
  fast: boolean;
  /** The flags that decided it (shown in the About view). */
  flags: string[];
  /** In words, for the About view and logs. */
  reason: string;
}

const X86_FAST = ['amx_int8', 'avx512_vnni', 'avx_vnni', 'avx512bw', 'avx2'];
const ARM_FAST = ['asimddp', 'i8mm'];

export function int8Support(cpuinfo: string | null = readCpuinfo(), platform: string = process.platform, arch: string = process.arch): Int8Support {
  if (cpuinfo) {
    const line = cpuinfo.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    const flags = new Set((line?.split(':')[1] ?? '').trim().split(/\s+/));
    const found = [...X86_FAST, ...ARM_FAST].filter((f) => flags.has(f));
    const vnni = found.filter((f) => f.includes('vnni') || f === 'amx_int8');
    if (vnni.length) return { fast: true, flags: found, reason: `the CPU has VNNI int8 dot products (${vnni.join(', ')})` };
    if (found.includes('avx2')) return { fast: true, flags: found, reason: 'the CPU has AVX2 integer arithmetic (no VNNI)' };
    if (found.includes('asimddp')) return { fast: true, flags: found, reason: 'the CPU has ARM dot-product instructions (asimddp)' };
    return { fast: false, flags: [], reason: 'the CPU has neither VNNI, AVX2 nor ARM dot-product instructions' };
  }
  if (platform === 'darwin' && arch === 'arm64') return { fast: true, flags: ['apple-silicon'], reason: 'Apple silicon has ARM dot-product instructions' };
  return { fast: false, flags: [], reason: `the CPU's int8 instructions cannot be read on ${platform}/${arch}, so float32 is used` };
}

function readCpuinfo(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}
