/**
 * "Save as PNG" for every chart: the chart's canvas (uPlot) or SVG (heatmap) drawn with its title and legend
 * onto one picture in the theme's colours, then handed to the browser as a download. In browser mode the
 * browser saves it (its download rules apply); in the desktop app Electron's default download handling usually
 * asks with the system's Save dialog (which names a file before replacing it), else saves to Downloads under a
 * new name. Either way no file is replaced unasked.
 */
import { cssColor } from '../train/chart-colors';

export interface LegendEntry {
  label: string;
  color: string;
}

/** A file name from a chart title: "PR curve — Action (run 3)" → "pr-curve-action-run-3.png". */
export function pngFileName(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'chart'}.png`;
}

function svgImage(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const { width, height } = svg.getBoundingClientRect();
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const img = new Image();
  return new Promise((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The chart could not be drawn as a picture.'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
  });
}

/** The chart in `host` (its first canvas or svg) as a PNG with a title line and a legend line. */
export async function chartPng(host: HTMLElement, title: string, legend: readonly LegendEntry[] = []): Promise<Blob> {
  const canvas = host.querySelector('canvas');
  const svg = host.querySelector('svg');
  const source: CanvasImageSource | null = canvas ?? (svg ? await svgImage(svg) : null);
  if (!source) throw new Error('There is no chart to save yet.');
  const box = (canvas ?? svg)!.getBoundingClientRect();
  // An SVG is drawn at twice its size at least, so the picture stays sharp.
  const scale = canvas ? canvas.width / box.width : Math.max(2, devicePixelRatio);
  const pad = 12;
  const line = 18;
  const head = line + (legend.length ? line : 0) + 6;
  const out = document.createElement('canvas');
  out.width = Math.round((box.width + 2 * pad) * scale);
  out.height = Math.round((box.height + 2 * pad + head) * scale);
  const ctx = out.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.fillStyle = cssColor('--panel');
  ctx.fillRect(0, 0, out.width, out.height);
  const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
  ctx.fillStyle = cssColor('--text');
  ctx.font = `600 13px ${font}`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, pad + line / 2);
  let x = pad;
  ctx.font = `12px ${font}`;
  for (const entry of legend) {
    ctx.fillStyle = cssColor(entry.color);
    ctx.fillRect(x, pad + line + line / 2 - 5, 10, 10);
    ctx.fillStyle = cssColor('--text');
    ctx.fillText(entry.label, x + 14, pad + line + line / 2);
    x += 14 + ctx.measureText(entry.label).width + 16;
  }
  ctx.drawImage(source, pad, pad + head, box.width, box.height);
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('The picture could not be made.'))), 'image/png'));
}

/** Offers the picture as a download named after the chart. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
