/**
 * The bench page's entry. bench/index.html is two pages in one file:
 * - without ?job=: the page a visitor opens (bench/page.ts): the adapter, the options, a Run button, the
 *   results and their JSON. `npm run bench` opens it too, with its options in the address, and presses Run.
 * - with ?job=<kind>: one job (bench/job.ts) for whoever drives it. The visitor page runs each engine in a
 *   fresh iframe of this kind, so each gets a device (and a document) of its own, as a fresh tab would.
 * Each side loads only its own code: no Lit in a job, no TensorFlow.js outside the TF.js jobs.
 */
const job = new URLSearchParams(location.search).get('job');
if (job !== null) {
  void import('./job.ts').then((m) => m.startJobPage(job));
} else {
  void import('./page.ts');
}
