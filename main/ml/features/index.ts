// The feature pipeline's public API: embed files with a backbone (cached by content hash), read the cache.
export { embedImages, defaultBatchSize, type EmbedItem, type EmbedOptions, type EmbedSummary } from './pipeline';
export { loadEmbeddings, listEmbeddingFailures, type LoadedEmbeddings, type View } from './embedding-store';
export { decodeViews, ImageDecodeError, MAX_INPUT_PIXELS } from './decode';
