// The `concord` command (Node only; not exported from the library's browser-safe index).
import { runCli } from './run-cli';

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`concord: ${String(error)}\n`);
    process.exitCode = 2;
  },
);
