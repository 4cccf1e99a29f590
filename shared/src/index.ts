export * from './protocol';
export * from './merge';
export * from './sdk';
