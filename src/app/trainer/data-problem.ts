/**
 * The sentence an element says when its dataset cannot be loaded from `data-url`: the URL it tried, what
 * came back (an HTTP status, a web page instead of the file, or the first bytes), and how to point the
 * element at the data. Pure: unit-tested in tests/trainer-settings.test.ts.
 */
import type { DataSource } from '../../engine/protocol.ts';

export function describeDataProblem(source: DataSource, dataUrl: string, message: string): string {
  let answer: string;
  if (source.status === null) answer = 'no answer came (the network failed or the browser refused the request)';
  else if (source.html) answer = `the server answered with a web page (HTTP ${source.status}${source.firstBytes ? `, starting "${source.firstBytes}"` : ''}), not the data file`;
  else if (source.status < 200 || source.status >= 300) answer = `the server answered HTTP ${source.status}`;
  else answer = `the file is not what it should be (${message}${source.firstBytes ? `; it starts "${source.firstBytes}"` : ''})`;
  return (
    `Could not load the MNIST data from ${source.url}: ${answer}. Set this element's data-url attribute (now "${dataUrl}") ` +
    `to the folder that holds MNIST's four IDX files (train-images-idx3-ubyte.gz and the others; the library build ships them in lib/mnist/), ` +
    `or load your own dataset in the Dataset card below.`
  );
}
