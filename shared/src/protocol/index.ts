export * from './problem';
export * from './users';
export * from './documents';
export * from './merge';
export * from './conflict';
export * from './realtime';
export * from './etag';
