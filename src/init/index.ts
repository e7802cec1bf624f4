export * from './rng';
export * from './initializers';
