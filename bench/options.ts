/** Command-line knobs of `npm run bench`, validated: a bad value stops the run with a clear message. */
export interface BenchOptions {
  help: boolean;
  quick: boolean;
  medium: boolean;
  json: boolean;
  /** `--check`: exit non-zero when a figure misses its target. */
  check: boolean;
  out: string | undefined;
  warmup: number;
  /** `rate` undefined: half the throughput the at-once phase measured in the same run. */
  steady: { rate: number | undefined; seconds: number };
  burst: number;
  pending: { sessions: number; concurrency: number; eventBurst: number };
  baseline: { sizes: number[]; events: number; stepTimeoutMs: number };
  timeoutMs: number;
  maxOldSpaceMb: number;
  /** Turns sent to the floor bot (bare turns on the same edge); 0 skips. */
  floorTurns: number;
  /** Customers at once in the one-vs-two-instances phase over Azurite; 0 skips it. */
  azuriteSessions: number;
  /**
   * `--storage`: the bot's storage for the round-trip phases, one run per store in the order given; the
   * first also runs the pending, baseline and floor phases. Blob and table run on Azurite the bench starts.
   */
  storages: BenchStorage[];
  /**
   * `--host`: the bot's host for the round-trip and floor phases, in the order given (default both,
   * botbuilder first). The first host also runs every other store of `--storage` and the pending,
   * baseline and instances phases; each other host runs the round trips on the first store and its
   * own SDK's floor bot.
   */
  hosts: BenchHost[];
  /** Directory for the bot process's V8 CPU profile (`--cpu-prof`), written when it stops. */
  botCpuProf: string | undefined;
}

export type BenchStorage = 'memory' | 'blob' | 'table';

/** The bot's host: botbuilder (`npm start`) or the Microsoft 365 Agents SDK (`npm run start:agents`). */
export type BenchHost = 'botbuilder' | 'agents';
export const BENCH_HOSTS: readonly BenchHost[] = ['botbuilder', 'agents'];

export const USAGE = `Usage: npm run bench -- [options]

  --quick                 small sizes, under a minute
  --medium                10,000 waiting, baseline up to 1,000, under five minutes
  --json                  print every figure as JSON on stdout (progress stays on stderr)
  --check                 exit with status 2 when a figure misses its target (each is printed with ✓ or ✗)
  --out FILE              also write the JSON report to FILE
  --rate N                steady arrival rate, sessions/s (default: half the sessions/s measured
                          with --burst at once in the same run, which runs first)
  --seconds N             steady run length in seconds (default 10; medium 5; quick 3)
  --burst N               customers at once for throughput (default 1000; medium 500; quick 200)
  --pending N             sessions waiting at once (default 100000; medium 10000; quick 1500; 0 skips)
  --pending-concurrency N /cowork requests in flight while creating them (default 200)
  --event-burst N         events published per burst (default 1000; quick 500)
  --baseline-sizes A,B,.. one-stream-per-session sizes to ramp through (default 100,1000,10000,100000
                          capped at --pending; medium 100,1000; quick 100,300; "none" skips)
  --baseline-events N     events published per baseline step (default 200; quick 100)
  --baseline-timeout S    seconds a baseline step may take before it counts as failed (default 120; medium 60; quick 20)
  --timeout S             seconds a customer waits for a card or thank-you (default 60)
  --floor-turns N         bare turns (same HTTP edge and adapter, state, one reply, no co-work) to
                          measure the CPU floor of a turn (default 3000; medium 2000; quick 1000; 0 skips)
  --instances-azurite N   one bot instance, then two, over Azurite (Blob Storage on loopback), N
                          customers at once each (default 0: skipped)
  --storage S[,S..]       the bot's storage: memory (default), blob or table (Azurite's blob or table
                          service, started by the bench on 127.0.0.1 with telemetry off); several,
                          comma-separated, run the round trips once per store in the same run (the
                          first store also runs the other phases), e.g. --storage table,memory,blob
  --host H[,H]            the bot's host: botbuilder (npm start) and/or agents (the Microsoft 365
                          Agents SDK, npm run start:agents); default botbuilder,agents: both in one
                          run, each against its own SDK's bare-turn floor, reported side by side.
                          The first host runs every --storage store and the pending, baseline and
                          instances phases; the others run the round trips on the first store only
                          (host x store would multiply the run: for the Agents host on blob, use
                          --host agents --storage blob)
  --bot-cpu-prof DIR      write V8 CPU profiles of the bot to DIR and of the floor bot to DIR/floor
                          (the first host's; another host's in DIR/HOST and DIR/HOST/floor; open
                          in Chrome DevTools)
  --max-old-space MB      heap limit of the bot and baseline processes (default 8192)
`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"\n\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (['quick', 'medium', 'json', 'check', 'help'].includes(name)) flags.set(name, true);
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value\n\n${USAGE}`);
      flags.set(name, value);
    }
  }
  const known = [
    'quick',
    'medium',
    'json',
    'check',
    'help',
    'out',
    'rate',
    'seconds',
    'burst',
    'pending',
    'pending-concurrency',
    'event-burst',
    'baseline-sizes',
    'baseline-events',
    'baseline-timeout',
    'timeout',
    'max-old-space',
    'warmup',
    'bot-cpu-prof',
    'floor-turns',
    'instances-azurite',
    'storage',
    'host',
  ];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n\n${USAGE}`);

  const quick = flags.get('quick') === true;
  const medium = flags.get('medium') === true;
  if (quick && medium) throw new Error(`--quick and --medium cannot be combined\n\n${USAGE}`);
  /** The default of a size: quick, medium, or the full run. */
  const size = (q: number, m: number, full: number): number => (quick ? q : medium ? m : full);
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw === true || !Number.isInteger(value) || value < min || value > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
    return value;
  };
  const pending = int('pending', size(1500, 10_000, 100_000), 0, 1_000_000);
  const sizesRaw = flags.get('baseline-sizes');
  let sizes: number[];
  if (sizesRaw === undefined) sizes = (quick ? [100, 300] : medium ? [100, 1000] : [100, 1000, 10_000, 100_000]).filter((s) => s <= Math.max(pending, 100));
  else if (sizesRaw === 'none') sizes = [];
  else {
    sizes = String(sizesRaw)
      .split(',')
      .map((s) => Number(s.trim()));
    if (sizes.some((s) => !Number.isInteger(s) || s < 1) || sizes.some((s, i) => i > 0 && s <= (sizes[i - 1] ?? 0))) {
      throw new Error(`--baseline-sizes must be increasing whole numbers separated by commas, got "${String(sizesRaw)}"`);
    }
  }
  const out = flags.get('out');
  const prof = flags.get('bot-cpu-prof');
  const storageRaw = flags.get('storage') ?? 'memory';
  const storages = String(storageRaw)
    .split(',')
    .map((s) => s.trim());
  if (storageRaw === true || storages.some((s) => !['memory', 'blob', 'table'].includes(s)) || new Set(storages).size !== storages.length)
    throw new Error(`--storage must be memory, blob or table (or several of them, comma-separated, each once), got "${String(storageRaw)}"`);
  const hostRaw = flags.get('host') ?? BENCH_HOSTS.join(',');
  const hosts = String(hostRaw)
    .split(',')
    .map((s) => s.trim());
  if (hostRaw === true || hosts.some((h) => !(BENCH_HOSTS as readonly string[]).includes(h)) || new Set(hosts).size !== hosts.length)
    throw new Error(`--host must be botbuilder or agents (or both, comma-separated, each once), got "${String(hostRaw)}"`);
  return {
    help: flags.get('help') === true,
    quick,
    medium,
    json: flags.get('json') === true,
    check: flags.get('check') === true,
    out: typeof out === 'string' ? out : undefined,
    warmup: int('warmup', 50, 0, 10_000),
    steady: { rate: flags.has('rate') ? int('rate', 100, 1, 10_000) : undefined, seconds: int('seconds', size(3, 5, 10), 1, 3600) },
    burst: int('burst', size(200, 500, 1000), 1, 100_000),
    pending: { sessions: pending, concurrency: int('pending-concurrency', 200, 1, 10_000), eventBurst: int('event-burst', quick ? 500 : 1000, 1, 100_000) },
    baseline: {
      sizes,
      events: int('baseline-events', quick ? 100 : 200, 1, 100_000),
      stepTimeoutMs: int('baseline-timeout', size(20, 60, 120), 1, 3600) * 1000,
    },
    timeoutMs: int('timeout', 60, 1, 3600) * 1000,
    maxOldSpaceMb: int('max-old-space', 8192, 256, 65536),
    floorTurns: int('floor-turns', size(1000, 2000, 3000), 0, 1_000_000),
    botCpuProf: typeof prof === 'string' ? prof : undefined,
    azuriteSessions: int('instances-azurite', 0, 0, 100_000),
    storages: storages as BenchStorage[],
    hosts: hosts as BenchHost[],
  };
}
