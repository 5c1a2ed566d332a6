/**
 * Co-work on the Microsoft 365 Agents SDK, for a host agent: mount it in your `AgentApplication`
 * (`mountCowork`), serve the app (`serveAgents`, or the SDK's `createAgentRequestHandler` on your
 * own server). `npm run start:agents` runs bot/agents/start.ts.
 */
export { mountCowork, type MountCoworkOptions } from './mountCowork';
export { serveAgents, type AgentsHttp, type ServeAgentsOptions } from './agentsServer';
export { agentsAuthConfig, createAgentsAdapter } from './agentsAuth';
export { agentsTurn } from './agentsTurn';
