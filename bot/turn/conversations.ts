/**
 * What the bot keeps per customer conversation, and the operations on it that the customer's turns
 * (CoworkBot), the session's proactive effects (ProactiveEffects) and the agent relay share: the
 * open form's state, the recent sessions, the form cards, ending a session's form, saving.
 *
 * It needs nothing but conversation state, the stored sessions and the forms, so the composition
 * root builds it first and hands it to everything that works in a customer's conversation. The
 * form's conversation itself needs the core: CoworkBot builds it on `formState`.
 */
import type { CoworkTurn } from '../../dialogs/coworkTurn';
import type { ConcurrentConversationState, StateProperty } from './concurrentConversationState';
import type { FormSpec } from '../../cowork/domain/formSpec';
import type { CoworkSession } from '../../cowork/domain/session';
import type { Log } from '../../util/log';
import type { FormState, FormStateStore } from '../../dialogs/formConversation';
import { FormCardUpdates, type FormCardRef } from '../../dialogs/formCardUpdates';

export interface ConversationsDeps {
  conversationState: ConcurrentConversationState;
  /** The stored sessions (the same repository the core writes). */
  sessions: { get(sessionKey: string): Promise<CoworkSession | undefined>; getMany(sessionKeys: readonly string[]): Promise<CoworkSession[]> };
  forms: (formId: string) => FormSpec | undefined;
  log: Log;
}

/** Recent sessions of a conversation, newest last: a card submit is checked against these. */
const RECENT_SESSIONS = 10;
/** The last turns an agent taking the chat over from the Case is shown (each text cut to MAX_TURN_TEXT). */
export const RECENT_TURNS = 12;
const MAX_TURN_TEXT = 1000;

/** One line of what was said in the chat: by the customer, or by the bot. */
export interface ChatTurn {
  at: string;
  who: 'Customer' | 'Bot';
  text: string;
}

export class Conversations {
  /** The open form's state (`coworkForm`; read from botbuilder-dialogs' `dialogState` of earlier versions). */
  readonly formState: FormStateStore;
  readonly formCards: FormCardUpdates;
  private readonly recentSessions: StateProperty<string[]>;
  private readonly recentTurns: StateProperty<ChatTurn[]>;
  private readonly legacyForm: StateProperty<LegacyDialogState>;

  constructor(private readonly deps: ConversationsDeps) {
    const state = deps.conversationState;
    this.legacyForm = state.createProperty<LegacyDialogState>('dialogState');
    this.formState = formStateStore(state.createProperty<FormState>(FORM_PROPERTY), this.legacyForm);
    this.recentSessions = state.createProperty<string[]>('coworkSessions');
    this.recentTurns = state.createProperty<ChatTurn[]>('coworkTurns');
    this.formCards = new FormCardUpdates(state.createProperty<FormCardRef[]>('coworkFormCards'), deps.log);
  }

  /**
   * At the start of a turn's pipeline (inside the conversation's queue): nothing a state load read along
   * before it (a route selector's, outside the queue) answers a question of the turn (`HumanOwnership.owner`).
   */
  beginTurn(context: CoworkTurn): void {
    this.deps.conversationState.forgetAlong(context);
  }

  /** Saves the conversation's state (dialogs, recent sessions, form cards) at the end of a turn. */
  save(context: CoworkTurn): Promise<void> {
    return this.deps.conversationState.saveChanges(context);
  }

  /**
   * Keeps this turn's words in the conversation's last turns (saved with the state, no extra write):
   * the customer's typed text now, and every text message the bot sends during that turn.
   */
  async recordTurns(context: CoworkTurn): Promise<void> {
    const add = async (who: ChatTurn['who'], text: string | undefined): Promise<void> => {
      if (!text) return;
      const turns = (await this.recentTurns.get(context, [])) ?? [];
      await this.recentTurns.set(context, [...turns, { at: new Date().toISOString(), who, text: text.slice(0, MAX_TURN_TEXT) }].slice(-RECENT_TURNS));
    };
    // Typed messages only: a card submit's turn writes no state of its own (one storage write per
    // session less), and what the customer chose on the card reaches the panel as a status anyway.
    if (context.activity.type !== 'message' || !context.activity.text || context.activity.value !== undefined) return;
    await add('Customer', context.activity.text);
    context.onSendActivities(async (_ctx, activities, next) => {
      for (const activity of activities) if (activity.type === 'message') await add('Bot', activity.text);
      return next();
    });
  }

  /** The conversation's last turns, oldest first. */
  async lastTurns(context: CoworkTurn): Promise<ChatTurn[]> {
    return (await this.recentTurns.get(context, [])) ?? [];
  }

  /** Remembers a session started in this conversation (the newest last). */
  async addSession(context: CoworkTurn, sessionKey: string): Promise<void> {
    const recent = (await this.recentSessions.get(context, [])) ?? [];
    await this.recentSessions.set(context, [...recent, sessionKey].slice(-RECENT_SESSIONS));
  }

  /** The session a card's form token names, among this conversation's recent sessions only. */
  async sessionForSubmit(context: CoworkTurn, value: Readonly<Record<string, unknown>>): Promise<CoworkSession | undefined> {
    const keys = (await this.recentSessions.get(context, [])) ?? [];
    // A batch read: a refused session of this conversation's recent ones costs only itself.
    const sessions = await this.deps.sessions.getMany(keys);
    return sessions.find((s) => typeof value.formToken === 'string' && s.formToken === value.formToken);
  }

  /** The conversation's newest co-work session, if any. */
  async latestSession(context: CoworkTurn): Promise<CoworkSession | undefined> {
    const keys = (await this.recentSessions.get(context, [])) ?? [];
    const last = keys[keys.length - 1];
    return last === undefined ? undefined : this.deps.sessions.get(last);
  }

  /** In a proactive turn for `sessionKey`: ends the session's form if it is the open one. */
  async endForm(context: CoworkTurn, sessionKey: string): Promise<void> {
    if ((await this.formState.get(context))?.sessionKey === sessionKey) {
      // Deleted on the condition that it is this session's form, judged again on whatever another instance's
      // turn stored since this turn loaded (the thank-you's turn loads before it sends: a form opened meanwhile stays).
      await this.deps.conversationState.deleteWhere(context, FORM_PROPERTY, (value) => formOfSession(value, sessionKey));
      await this.legacyForm.delete(context);
    }
    await this.save(context);
  }

  /**
   * In a proactive turn for `sessionKey`, once `endForm` has loaded the state (nothing more is read): the
   * session's form card, when its id is known (see `FormCardUpdates.cardWithId`).
   */
  formCardOf(context: CoworkTurn, sessionKey: string): Promise<FormCardRef | undefined> {
    return this.formCards.cardWithId(context, sessionKey);
  }

  /**
   * In a proactive turn once the session's answer is on the Case: its form card says so. With `card` (the
   * session's card with its id, as `formCardOf` found it in an earlier turn of this session) the turn reads
   * no conversation state; without, it reads it to find the card.
   */
  async formSaved(context: CoworkTurn, session: CoworkSession, card?: FormCardRef): Promise<void> {
    const form = this.deps.forms(session.formId);
    if (form) await this.formCards.showSaved(context, session, form, card);
    await this.save(context);
  }
}

/** Where the open form's state is kept in the conversation's state. */
const FORM_PROPERTY = 'coworkForm';

function formOfSession(value: unknown, sessionKey: string): boolean {
  return typeof value === 'object' && value !== null && (value as { sessionKey?: unknown }).sessionKey === sessionKey;
}

/** botbuilder-dialogs' stack, as versions before the host-neutral form stored it (the form's dialog id was `coworkForm`). */
interface LegacyDialogState {
  dialogStack?: Array<{ id?: unknown; state?: unknown }>;
}

/**
 * The open form's state in `coworkForm`. A conversation whose form was opened by an earlier version
 * has it on botbuilder-dialogs' stack (`dialogState`): read from there once, then moved.
 */
function formStateStore(current: StateProperty<FormState>, legacy: StateProperty<LegacyDialogState>): FormStateStore {
  return {
    async get(turn) {
      const state = await current.get(turn);
      if (state) return state;
      const stack = (await legacy.get(turn))?.dialogStack;
      const top = stack?.[stack.length - 1];
      const old = top?.id === 'coworkForm' ? (top.state as Partial<FormState> | undefined) : undefined;
      if (typeof old?.sessionKey !== 'string') return undefined;
      const moved: FormState = { sessionKey: old.sessionKey, ...(old.pending ? { pending: old.pending } : {}) };
      await current.set(turn, moved);
      await legacy.delete(turn);
      return moved;
    },
    set: (turn, state) => current.set(turn, state),
    async clear(turn) {
      await current.delete(turn);
      await legacy.delete(turn);
    },
  };
}
