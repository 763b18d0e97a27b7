import type uPlot from 'uplot';

/**
 * One uPlot chart's life: uPlot reads series, axes and colours once per build, so the chart is rebuilt
 * when that shape changes (a theme change included) and otherwise only given new data.
 */
export class PlotHolder {
  plot: uPlot | undefined;
  #shape = '';

  /** Draws `data`; `shape` names everything a build reads. Returns whether the plot was rebuilt. */
  draw(shape: string, data: uPlot.AlignedData, build: () => uPlot): boolean {
    if (this.plot && shape === this.#shape) {
      this.plot.setData(data);
      return false;
    }
    this.plot?.destroy();
    this.plot = build();
    this.#shape = shape;
    return true;
  }

  resize(width: number, height: number) {
    if (this.plot && width > 0) this.plot.setSize({ width, height });
  }

  destroy() {
    this.plot?.destroy();
    this.plot = undefined;
  }
}
