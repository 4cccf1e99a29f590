// Each benchmark is a module test/bench/run.mjs imports (`run({ quick })`) and also a script of
// its own: this is the script part.
import { pathToFileURL } from 'node:url';

const printJson = (summary) => console.log(JSON.stringify(summary, null, 2));

/**
 * When `moduleUrl` (the caller's import.meta.url) is the script node was started with: runs
 * `run({ quick: --quick given })`, prints the summary and exits 0 only when it is ok.
 */
export function runAsScript(moduleUrl, run, print = printJson) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  run({ quick: process.argv.includes('--quick') }).then(
    (summary) => {
      print(summary);
      process.exit(summary.ok ? 0 : 1);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
