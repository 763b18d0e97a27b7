/**
 * The backbones one back end can use: the bundled ones (files in the models dir) plus those installed in,
 * or downloadable into, its data folder's backbones dir. The back end owns one and hands it to the
 * services; nothing here is module state, so two back ends (or a test) never see each other's backbones.
 */
import { pendingDownloadEntries } from './downloadable';
import { availableBackbones, BACKBONES, getBackbone, modelsDir, type BackboneAvailability, type BackboneEntry } from './registry';
import { installedUserBackbones } from './user-backbones';

export interface CatalogDirs {
  /** The bundled backbones' files. Default: modelsDir() (env POSTER_TAGGER_MODELS_DIR or resources/models). */
  modelsDir?: string;
  /** The data folder's backbones dir (downloaded and imported ones); none: bundled only. */
  userDir?: string;
}

export class BackboneCatalog {
  readonly modelsDir: string;
  readonly userDir: string | undefined;

  constructor(dirs: CatalogDirs = {}) {
    this.modelsDir = dirs.modelsDir ?? modelsDir();
    this.userDir = dirs.userDir;
  }

  /** Read afresh each time: a download or an import adds one while the app runs. */
  entries(): BackboneEntry[] {
    const bundled = new Set(BACKBONES.map((b) => b.id));
    const user = installedUserBackbones(this.userDir).filter((u) => !bundled.has(u.id));
    const pending = pendingDownloadEntries(this.userDir).filter((p) => !bundled.has(p.id) && !user.some((u) => u.id === p.id));
    return [...BACKBONES, ...user, ...pending];
  }

  find(id: string): BackboneEntry | undefined {
    return this.entries().find((b) => b.id === id);
  }

  get(id: string): BackboneEntry {
    return getBackbone(id, this.entries());
  }

  /** Which are installed and verified, with why not. */
  available(): BackboneAvailability[] {
    return availableBackbones(this.modelsDir, this.entries());
  }

  /** One backbone's availability, checking only its files (each check hashes tens of MB), or undefined when unknown. */
  availability(id: string): BackboneAvailability | undefined {
    const entry = this.find(id);
    return entry ? availableBackbones(this.modelsDir, [entry])[0] : undefined;
  }
}
