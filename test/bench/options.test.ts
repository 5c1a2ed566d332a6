/**
 * `npm run bench` measures both hosts in one run unless told otherwise (`--host`), and a mistyped
 * host or store stops the run at once with a message naming the values it takes, instead of a
 * long run that measured the wrong thing.
 */
import { parseOptions, USAGE } from '../../bench/options';

describe('bench --host', () => {
  it('measures both hosts by default, botbuilder first', () => {
    expect(parseOptions(['--quick']).hosts).toEqual(['botbuilder', 'agents']);
  });

  it('takes one host, or both in the order given (the first runs the other phases)', () => {
    expect(parseOptions(['--host', 'agents']).hosts).toEqual(['agents']);
    expect(parseOptions(['--host=botbuilder']).hosts).toEqual(['botbuilder']);
    expect(parseOptions(['--host', 'agents, botbuilder']).hosts).toEqual(['agents', 'botbuilder']);
  });

  it.each([
    ['--host', 'restify'],
    ['--host', 'agents,agents'],
    ['--host', 'botbuilder,'],
    ['--host=', undefined],
  ])('refuses %s %s with the values it takes', (flag, value) => {
    const argv = value === undefined ? [flag] : [flag, value];
    expect(() => parseOptions(argv)).toThrow(/--host must be botbuilder or agents \(or both, comma-separated, each once\), got "/);
  });

  it('refuses --host without a value', () => {
    expect(() => parseOptions(['--quick', '--host'])).toThrow(/--host needs a value/);
  });

  it('combines with --storage: every store, and both hosts, in one run', () => {
    const options = parseOptions(['--quick', '--storage', 'table,memory', '--host', 'botbuilder,agents']);
    expect(options.storages).toEqual(['table', 'memory']);
    expect(options.hosts).toEqual(['botbuilder', 'agents']);
  });

  it('refuses a store it does not know, with the stores it takes', () => {
    expect(() => parseOptions(['--storage', 'cosmos'])).toThrow(/--storage must be memory, blob or table .*got "cosmos"/);
  });

  it('says in --help what the host option does and how it combines with --storage', () => {
    expect(USAGE).toMatch(/--host H\[,H\]/);
    expect(USAGE).toMatch(/default botbuilder,agents/);
    expect(USAGE).toMatch(/the others run the round trips on the first store only/);
  });
});
