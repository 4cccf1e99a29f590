import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { threeWayMerge } from '../merge';
import type { ConcordDocument } from '../protocol';
import { ConcordApiError, ConcordClient, type ConcordClientOptions, UnauthorizedError } from '../sdk';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Injected for tests; the global fetch otherwise. */
  fetch?: ConcordClientOptions['fetch'];
}

const USAGE = `Usage: concord [--url URL] [--token TOKEN] <command>

Commands:
  get ID [-o FILE]          print a document, or write it to FILE (and remember its version
                            in .FILE.concord-base beside it, the base for "save")
  save ID FILE [--base-version N]
                            save FILE over the version it was fetched at: on a concurrent
                            change, merge and retry; exit 1 with conflict markers in FILE
                            when a human must decide
  merge BASE MINE THEIRS    three-way merge of files to stdout; exit status = number of
                            conflicts, like "git merge-file -p"

Options:
  --url URL       server (default $CONCORD_URL or http://127.0.0.1:3000)
  --token TOKEN   bearer token (default $CONCORD_TOKEN)
  -h, --help      this help
`;

/** What `get -o` leaves beside the file: the version the local edit starts from. */
interface BaseRecord {
  id: string;
  version: number;
  etag: string;
  title: string;
  content: string;
}

class UsageError extends Error {}

/** Exit statuses besides merge's conflict count: 1 = conflicts left in FILE, 2 = an error. */
const EXIT_CONFLICT = 1;
const EXIT_ERROR = 2;
/** `git merge-file` answers errors with -1 (255) and caps the conflict count at 127. */
const MERGE_ERROR = 255;
const MERGE_MAX = 127;
/** Like git, a NUL among the first 8000 bytes makes a file binary. */
const BINARY_SNIFF_BYTES = 8000;

export function baseFileFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.concord-base`);
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    io.stderr(`concord: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_ERROR;
  }
  if (parsed.help || parsed.positional.length === 0) {
    (parsed.help ? io.stdout : io.stderr)(USAGE);
    return parsed.help ? 0 : EXIT_ERROR;
  }
  const [command, ...args] = parsed.positional;
  try {
    switch (command) {
      case 'merge':
        return await mergeCommand(args, io);
      case 'get':
        return await getCommand(args, parsed, io);
      case 'save':
        return await saveCommand(args, parsed, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`concord: ${error.message}\n\n${USAGE}`);
    } else if (error instanceof ConcordApiError) {
      const hint =
        error instanceof UnauthorizedError
          ? ' (pass --token or set CONCORD_TOKEN; POST /api/auth/login gives a token)'
          : '';
      io.stderr(
        `concord: the server answered ${error.status} ${error.code}: ${error.problem.detail}${hint}\n`,
      );
    } else {
      io.stderr(`concord: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    return command === 'merge' ? MERGE_ERROR : EXIT_ERROR;
  }
}

interface ParsedArgs {
  positional: string[];
  url?: string;
  token?: string;
  output?: string;
  baseVersion?: number;
  help: boolean;
}

function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '-h' || arg === '--help') out.help = true;
    else if (arg === '--url') out.url = value();
    else if (arg === '--token') out.token = value();
    else if (arg === '-o' || arg === '--output') out.output = value();
    else if (arg === '--base-version') {
      // Digits only: Number() would also take "0x10", "1e3" and " 7".
      const v = value();
      if (!/^[1-9][0-9]*$/.test(v)) throw new UsageError('--base-version needs a version number');
      out.baseVersion = Number(v);
    } else if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else out.positional.push(arg);
  }
  return out;
}

async function mergeCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 3) throw new UsageError('merge needs BASE MINE THEIRS');
  const [base, mine, theirs] = await Promise.all(args.map((file) => readText(file, { binary: false })));
  const result = threeWayMerge(base, mine, theirs);
  io.stdout(result.text);
  return Math.min(result.conflicts.length, MERGE_MAX);
}

function clientFor(parsed: ParsedArgs, io: CliIo): ConcordClient {
  return new ConcordClient({
    baseUrl: parsed.url ?? io.env.CONCORD_URL ?? 'http://127.0.0.1:3000',
    token: parsed.token ?? io.env.CONCORD_TOKEN,
    fetch: io.fetch,
  });
}

async function getCommand(args: string[], parsed: ParsedArgs, io: CliIo): Promise<number> {
  if (args.length !== 1 || args[0] === '') throw new UsageError('get needs ID');
  if (parsed.output !== undefined) await refuseUnsavedEdits(args[0], parsed.output);
  const document = await clientFor(parsed, io).getDocument(args[0]);
  if (parsed.output === undefined) {
    io.stdout(document.content);
    return 0;
  }
  await writeAtomically(parsed.output, document.content);
  await writeBase(parsed.output, document);
  io.stderr(`concord: wrote ${parsed.output} (version ${document.version})\n`);
  return 0;
}

async function saveCommand(args: string[], parsed: ParsedArgs, io: CliIo): Promise<number> {
  if (args.length !== 2 || args[0] === '') throw new UsageError('save needs ID FILE');
  const [id, file] = args;
  const client = clientFor(parsed, io);
  const content = await readText(file, { binary: true });
  if (/^<<<<<<< mine\r?$/m.test(content) && /^>>>>>>> theirs\r?$/m.test(content)) {
    io.stderr(`concord: ${file} still holds conflict markers; resolve them first\n`);
    return EXIT_ERROR;
  }
  const base = await readBase(client, id, file, parsed.baseVersion);
  const result = await client.saveDocument(id, { content }, { base });
  if (result.status === 'saved') {
    // FILE first: a sidecar moved ahead of a FILE left unmerged would make the next save
    // send the unmerged text over the merged version, undoing the others' changes.
    if (result.merged) await writeAtomically(file, result.document.content);
    await writeBase(file, result.document);
    const how = result.merged ? `, merged with changes made meanwhile (${file} updated)` : '';
    io.stderr(`concord: saved version ${result.document.version}${how}\n`);
    return 0;
  }
  // A human must decide. The file gets the markers; its base becomes the current version,
  // so the resolved file is saved over `current` by the next `concord save`.
  await writeAtomically(file, result.merge.text);
  await writeBase(file, result.current);
  const who = result.current.updatedBy.displayName;
  io.stderr(
    `concord: ${result.merge.conflicts.length} conflict(s) with version ${result.current.version} by ${who}; ` +
      `markers written to ${file}. Resolve them and run "concord save ${id} ${file}" again.\n`,
  );
  return EXIT_CONFLICT;
}

async function readBase(
  client: ConcordClient,
  id: string,
  file: string,
  version: number | undefined,
): Promise<BaseRecord> {
  if (version !== undefined) return toBase(await client.getVersion(id, version));
  let text: string;
  try {
    text = await readFile(baseFileFor(file), 'utf8');
  } catch {
    throw new UsageError(
      `no base for ${file}: fetch it with "concord get ${id} -o ${file}" first, or name the version it started from with --base-version N`,
    );
  }
  const record = parseBaseRecord(text);
  if (
    record === null ||
    record.id !== id ||
    typeof record.version !== 'number' ||
    typeof record.etag !== 'string' ||
    typeof record.content !== 'string' ||
    typeof record.title !== 'string'
  ) {
    throw new UsageError(`${baseFileFor(file)} does not describe document ${id}`);
  }
  return { id, version: record.version, etag: record.etag, title: record.title, content: record.content };
}

/** A sidecar's JSON, unchecked; null when it is not JSON. */
function parseBaseRecord(text: string): Partial<BaseRecord> | null {
  try {
    return JSON.parse(text) as Partial<BaseRecord> | null;
  } catch {
    return null;
  }
}

function toBase(document: ConcordDocument): BaseRecord {
  return {
    id: document.id,
    version: document.version,
    etag: document.etag,
    title: document.title,
    content: document.content,
  };
}

async function writeBase(file: string, document: ConcordDocument): Promise<void> {
  await writeAtomically(baseFileFor(file), `${JSON.stringify(toBase(document))}\n`);
}

/**
 * A file's text. Bytes that are not UTF-8 would be decoded to U+FFFD and the original lost
 * on the next write, so such a file is refused; so is a binary one where `binary` is false.
 */
async function readText(file: string, options: { binary: boolean }): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (!options.binary && bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
    throw new Error(`cannot merge binary file ${file}`);
  }
  try {
    // ignoreBOM keeps a byte order mark in the text, so the file round-trips unchanged.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${file} is not UTF-8 text; convert it first (e.g. iconv -t UTF-8)`);
  }
}

/**
 * `get -o` over a file fetched earlier that was edited since (or holds conflict markers)
 * would throw those edits away; refuse instead.
 */
async function refuseUnsavedEdits(id: string, file: string): Promise<void> {
  let base: string;
  let current: string;
  try {
    [base, current] = await Promise.all([readFile(baseFileFor(file), 'utf8'), readFile(file, 'utf8')]);
  } catch {
    return; // no earlier fetch, or no file: nothing to lose
  }
  if (parseBaseRecord(base)?.content !== current) {
    throw new Error(
      `${file} has changes that are not saved; save them with "concord save ${id} ${file}", or move the file away first`,
    );
  }
}

/** Write through a temporary file and rename, so a crash never leaves half a file. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.concord-tmp-${process.pid}`);
  try {
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    // A failed write (FILE is a directory, the folder is missing) leaves no stray temporary file.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
