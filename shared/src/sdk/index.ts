export {
  ConcordClient,
  type ConcordClientOptions,
  type SaveOptions,
  type SaveResult,
  type WriteOptions,
} from './concord-client';
export * from './concord-errors';
