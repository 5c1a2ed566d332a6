/**
 * The simulator's org features from the environment, read the same way by `npm run simulator`
 * and by the bot's embedded simulator: SIMULATOR_MESSAGING=off starts an org without Messaging
 * (no MessagingSession; the salesforce/messaging package is refused, force-app deploys).
 */
import { ConfigError, type Env } from '../util/configError';
import type { SimulatorOptions } from './index';

export function simulatorEnvOptions(env: Env): Pick<SimulatorOptions, 'messaging'> {
  const raw = env['SIMULATOR_MESSAGING'];
  if (raw === undefined || raw === '' || raw === 'on') return {};
  if (raw === 'off') return { messaging: false };
  throw new ConfigError('SIMULATOR_MESSAGING', `"${raw}" is neither on nor off`, 'off');
}
