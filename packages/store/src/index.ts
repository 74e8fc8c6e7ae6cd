export { StoreError } from './store.js';
export type { Store, StoredObject, StoreChange, StoreWatch, WatchStart, StoreErrorKind } from './store.js';
export { MemoryStore } from './memory-store.js';
export { JetStreamStore, openJetStreamStore } from './jetstream-store.js';
export { PublishCoalescer, sharedPublishCoalescer } from './publish-coalescer.js';
export { writtenJson } from './written-objects.js';
