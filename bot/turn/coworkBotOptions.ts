/**
 * What the turn logic (`CoworkBot`, coworkBot.ts) is built with: the core, the conversation's state,
 * the form, the start settings, human handoff, the agent relay's turns, mounting, links, the recogniser.
 */
import type { CoworkService } from '../../cowork/coworkService';
import type { FormSpec } from '../../cowork/domain/formSpec';
import type { CaseLinks } from '../../cowork/stores/links';
import type { AnswerRecognizer } from '../../dialogs/answerRecognizer';
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import type { Log } from '../../util/log';
import type { HandoffProtocol } from '../handoff/handoffProtocol';
import type { Conversations } from './conversations';

export interface CoworkBotOptions {
  service: CoworkService;
  /** The conversation's dialogs, recent sessions and form cards (shared with the proactive effects and the agent relay). */
  conversations: Conversations;
  form: FormSpec;
  devCommands: boolean;
  startSecret: string | undefined;
  /** Longest lifetime of a cowork.start token, in seconds (default 15 minutes). */
  startTokenMaxSeconds?: number;
  log: Log;
  /**
   * Human handoff (customer side). A person is offered only where it has a target for the
   * card's chat (`HandoffProtocol.offeredOnCard`); without it, asking for one is answered "not available".
   */
  handoff?: HandoffProtocol;
  /** Takes the turns of agent conversations (the local agent relay); resolves true when it handled the turn. */
  agentTurn?: (context: CoworkTurn) => Promise<boolean>;
  /** Whether a turn is of an agent's conversation (`agentTurn` would take it), asked without acting. */
  isAgentConversation?: (context: CoworkTurn) => Promise<boolean>;
  /**
   * Mounted in another bot: take only co-work's activities (start, card submits, `/cowork`, the
   * handoff protocol, answers to an open form) and leave greetings, help and everything else to
   * the host bot.
   */
  mounted?: boolean;
  /** Case → conversation links (`cowork.link`), for the agent's requests from the Case. */
  links?: CaseLinks;
  /** Understands typed answers; the built-in one by default. Its answers are always confirmed before they are sent. */
  recognizer?: AnswerRecognizer;
}
