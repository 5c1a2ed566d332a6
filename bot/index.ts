/**
 * `npm start`: the bot on botbuilder (restify, CloudAdapter). `npm run start:agents` runs the same
 * bot on the Microsoft 365 Agents SDK (bot/agents/start.ts).
 */
import { runBot } from './main';
import { startBot } from './startBot';

runBot(startBot);
