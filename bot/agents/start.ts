/**
 * `npm run start:agents`: the bot on the Microsoft 365 Agents SDK (AgentApplication, its CloudAdapter
 * and JWT middleware), same port (3978), endpoint (/api/messages), simulator and banner as `npm start`.
 */
import { runBot } from '../main';
import { startAgentsBot } from './startAgentsBot';

runBot(startAgentsBot);
