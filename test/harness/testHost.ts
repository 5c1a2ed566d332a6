/** Which host the end-to-end tests run the bot on: `COWORK_TEST_HOST` (botbuilder by default, or agents). */
export type TestHost = 'botbuilder' | 'agents';

/** The host the tests run on: `COWORK_TEST_HOST` (botbuilder by default). */
export function testHost(): TestHost {
  const host = process.env.COWORK_TEST_HOST ?? 'botbuilder';
  if (host !== 'botbuilder' && host !== 'agents') throw new Error(`COWORK_TEST_HOST: "${host}" is no host (example: COWORK_TEST_HOST=agents)`);
  return host;
}
