import type { Handlers } from '../gate';
import type { LibraryService } from '../../library/library-service';

type LibraryCalls =
  | 'library:list'
  | 'library:open'
  | 'library:index'
  | 'library:remove'
  | 'library:report'
  | 'library:writeBack'
  | 'library:exportDataset'
  | 'library:importLabelStudio'
  | 'posters:query'
  | 'posters:get'
  | 'posters:setLabels'
  | 'posters:ids'
  | 'posters:labelStates'
  | 'posters:restoreLabels'
  | 'genres:list'
  | 'genres:add'
  | 'genres:cooccurrence';

/** The library calls, each one use case of the library service. */
export function libraryHandlers(s: { library: LibraryService }): Pick<Handlers, LibraryCalls> {
  const { library } = s;
  return {
    'library:list': () => library.list(),
    'library:open': ({ path, name, layout }) => library.open(path, { name, layout }),
    'library:index': ({ id }) => library.index(id),
    'library:remove': ({ id }) => library.remove(id),
    'library:report': ({ id }) => library.report(id),
    'library:writeBack': ({ id, confirm }) => library.writeBack(id, confirm),
    'library:exportDataset': (r) => library.exportDataset(r),
    'library:importLabelStudio': ({ id, file, confirm }) => library.importLabelStudio(id, file, confirm),
    'posters:query': (q) => library.query(q),
    'posters:get': ({ id }) => library.get(id),
    'posters:setLabels': ({ id, genres }) => library.setLabels(id, genres),
    'posters:ids': (q) => library.ids(q),
    'posters:labelStates': ({ ids }) => library.labelStates(ids),
    'posters:restoreLabels': ({ states }) => library.restoreLabels(states),
    'genres:list': ({ libraryId }) => library.genres(libraryId),
    'genres:add': ({ libraryId, name }) => library.addGenre(libraryId, name),
    'genres:cooccurrence': ({ libraryId, split }) => library.cooccurrence(libraryId, split),
  };
}
