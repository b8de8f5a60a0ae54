// IndexedDB for tests that run in both projects. Node: fake-indexeddb, a fresh IDBFactory per call
// (idb also needs the IDB classes as globals, which 'fake-indexeddb/auto' installs). Chromium: the
// real indexedDB. The specifiers are variables so that the browser build never sees (or
// pre-bundles) fake-indexeddb.
export const inNode = typeof indexedDB === 'undefined';
const fakeIndexedDB = 'fake-indexeddb';
if (inNode) await import(/* @vite-ignore */ `${fakeIndexedDB}/auto`);

/** A fresh, empty IndexedDB in Node; the browser's own in Chromium (use fresh database names). */
export async function newFactory(): Promise<IDBFactory> {
  if (!inNode) return indexedDB;
  const { IDBFactory } = (await import(/* @vite-ignore */ fakeIndexedDB)) as typeof import('fake-indexeddb');
  return new IDBFactory();
}
