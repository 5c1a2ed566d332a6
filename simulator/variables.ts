/** The environment variables `npm run simulator` (simulator/main.ts) reads, with their defaults. */
export const SIMULATOR_VARIABLES = {
  restPort: 'SIMULATOR_REST_PORT',
  pubSubPort: 'SIMULATOR_PUBSUB_PORT',
  keepaliveSeconds: 'SIMULATOR_KEEPALIVE_SECONDS',
  idleCloseSeconds: 'SIMULATOR_IDLE_CLOSE_SECONDS',
  deliveryAllocation: 'SIMULATOR_DELIVERY_ALLOCATION',
  // Read by envOptions.ts (shared with the bot's embedded simulator).
  messaging: 'SIMULATOR_MESSAGING',
} as const;
