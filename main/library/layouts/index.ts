import type { ScanResult } from '../file-scan';
import { ReportBuilder } from '../import-report';
import type { LayoutResult, LayoutSetting } from '../types';
import { detectLayout } from './detect';
import { readTutorialLayout } from './tutorial';
import { readCsvLayout } from './csv-labels';
import { readGenreFolderLayout } from './genre-folders';
import { readPlainLayout } from './plain';

export { detectLayout } from './detect';

/**
 * Reads a scanned library with its layout (`setting` 'auto' detects it): every image with poster id, split and
 * genres, the vocabulary, the CSVs labels came from, and a report of everything that was wrong.
 */
export function readLayout(root: string, scan: ScanResult, setting: LayoutSetting = 'auto'): LayoutResult {
  const report = new ReportBuilder();
  report.merge(scan.report.build('', { images: 0, labelled: 0, genres: 0 }));
  const detection = detectLayout(root, scan);
  const layout = setting === 'auto' ? detection.layout : setting;
  const read =
    layout === 'tutorial'
      ? readTutorialLayout(root, scan, report)
      : layout === 'csv'
        ? readCsvLayout(root, scan, report, detection.labelFiles.length ? detection.labelFiles : scan.csvFiles)
        : layout === 'genre-folders'
          ? readGenreFolderLayout(root, scan, report)
          : readPlainLayout(root, scan);
  const totals = {
    images: read.images.length,
    labelled: read.images.filter((i) => i.genres !== null).length,
    genres: read.genres.length,
  };
  return { layout, ...read, report: report.build(layout, totals), groupPosters: layout === 'genre-folders' };
}
