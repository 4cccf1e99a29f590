import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { threeWayMerge } from '../merge';
import type { ConcordDocument } from '../protocol';
import { ConcordApiError, ConcordClient, type ConcordClientOptions } from '../sdk';

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
      io.stderr(`concord: the server answered ${error.status} ${error.code}: ${error.problem.detail}\n`);
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
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new UsageError('--base-version needs a version number');
      out.baseVersion = v;
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
  const [base, mine, theirs] = await Promise.all(args.map((file) => readFile(file, 'utf8')));
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
  if (args.length !== 1) throw new UsageError('get needs ID');
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
  if (args.length !== 2) throw new UsageError('save needs ID FILE');
  const [id, file] = args;
  const client = clientFor(parsed, io);
  const content = await readFile(file, 'utf8');
  if (/^<<<<<<< mine\r?$/m.test(content) && /^>>>>>>> theirs\r?$/m.test(content)) {
    io.stderr(`concord: ${file} still holds conflict markers; resolve them first\n`);
    return EXIT_ERROR;
  }
  const base = await readBase(client, id, file, parsed.baseVersion);
  const result = await client.saveDocument(id, { content }, { base });
  if (result.status === 'saved') {
    await writeBase(file, result.document);
    if (result.merged) await writeAtomically(file, result.document.content);
    const how = result.merged ? ', merged with changes made meanwhile (FILE updated)' : '';
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
  const record = JSON.parse(text) as Partial<BaseRecord>;
  if (
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

/** Write through a temporary file and rename, so a crash never leaves half a file. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.concord-tmp-${process.pid}`);
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, file);
}
