/**
 * Every sentence the bot itself says to a customer, one catalog per locale (the activity's
 * `locale`: "fr-FR", "fr-CA" and "fr" read French, everything else English), then the handoff's
 * customer sentences (`handoffTexts`) and what a human agent is told (`agentTexts`), in English.
 * The form's own sentences (the scripted intro, the thank-you) live in its `FormSpec`, word for word.
 *
 * Values that come from the org (choice labels, Case numbers) are escaped for markdown by the
 * caller of each function that takes one (see `escapeMarkdown`), since Web Chat, Teams and the
 * Playground render message text as markdown.
 */
import { escapeMarkdown } from '../cards/markdown';

export interface Texts {
  locale: 'en' | 'fr';
  /** "You chose 🛠 Renovation Work. Send it?" */
  confirmChoice(label: string): string;
  sendButton: string;
  changeButton: string;
  /** After "Change": the choices follow. */
  changePrompt: string;
  /** "not X", "anything but X": what was understood, then the choices. */
  negated(labels: readonly string[]): string;
  /** A question about choices: one line per choice explained, then the form again. */
  explanationHeading: string;
  noExplanation(labels: readonly string[]): string;
  /** Plain text above the choices offered as suggested actions, after an explanation. */
  tapOrType: string;
  /** "I don't know", "none of these", "any one is fine". */
  refusal: string;
  /** Several candidates ("2 or 3"). */
  several(labels: readonly string[]): string;
  /** The numbered list of choices, after one of the replies above. */
  choicesList(question: string, labels: readonly string[]): string;
  /** A message that is no answer at all (English uses the form's own `reAsk`). */
  notRecognised: string;
  /** The form wants its card (several inputs): a typed message cannot fill it. */
  useTheCard: string;
  unknownButton: string;
  noPersonHere: string;
  /** A handoff target was there but could not be reached (its channel refused the request). */
  nobodyCanJoin: string;
  /** A person took the chat (the agent relay's take, or the panel's takeover from the Case). */
  personJoined: string;
  /** The person handed the chat back to the bot. */
  backWithBot: string;
  formStillOpen(caseNumber: string): string;
  /** Before a new form that replaces older ones of this conversation. */
  replacesEarlier(caseNumber: string): string;
  /** Told once, in the conversation of a form a newer one replaced. */
  supersededNotice(caseNumber: string): string;
  /** A click on a card a newer form replaced. */
  supersededCard: string;
  /** The answer arrived after a later one, which stays on the Case. */
  laterAnswerKept(caseNumber: string): string;
  tooLong(max: number): string;
  /** Status line of the form card once sent, then once on the Case. */
  formSent: string;
  formSaved(caseNumber: string): string;
  help: string;
  devHelp: string;
  hello: string;
  devOnly: string;
  devUsage: string;
  startNotSetUp: string;
  startRefused(reason: string): string;
  invalidCaseRef(message: string): string;
  caseNotFound: string;
  caseClosed(caseNumber: string): string;
  /** Too many forms started in a minute (this chat or this Case): nothing new was started. */
  tooManyStarts(retryAfterSeconds: number): string;
  couldNotStart: string;
  expiredNotice(caseNumber: string): string;
  failedNotice(caseNumber: string): string;
}

const en: Texts = {
  locale: 'en',
  confirmChoice: (label) => `You chose ${escapeMarkdown(label)}. Send it?`,
  sendButton: 'Send',
  changeButton: 'Change',
  changePrompt: 'All right, nothing was sent. Which one do you choose?',
  negated: (labels) =>
    labels.length > 0
      ? `I understood that it is not ${orList(labels, 'or')}, so I did not take that as an answer. Which one is it?`
      : 'I did not take that as an answer. Which one is it?',
  explanationHeading: 'Here is what the choices mean:',
  tapOrType: 'Tap a choice, or type it:',
  noExplanation: (labels) =>
    labels.length > 0
      ? `I have no explanation for ${orList(labels, 'or')} here; your agent can tell you more. Nothing was sent.`
      : 'I did not take that question as an answer. Nothing was sent.',
  refusal: 'No problem, nothing was sent. Take your time: pick one when you know, or ask your agent.',
  several: (labels) => `I understood ${orList(labels, 'or')}: please choose one. Nothing was sent.`,
  choicesList: (question, labels) => `${escapeMarkdown(question)}\n\n${labels.map((l, i) => `${i + 1}. ${escapeMarkdown(l)}`).join('\n')}`,
  notRecognised: 'Sorry, I did not recognise that answer. Please pick one of these (you can also type its number):',
  useTheCard: 'Please fill in the form card; here it is again.',
  unknownButton: 'I did not understand that button.',
  noPersonHere: 'Sorry, no person is available in this chat. I am still here to help you.',
  nobodyCanJoin: 'Sorry, nobody can join this chat right now. I am still here to help you.',
  personJoined: 'A person has joined this chat: you are now talking to them, not to the bot.',
  backWithBot: 'You are back with the co-work bot.',
  formStillOpen: (caseNumber) =>
    `The form for Case ${escapeMarkdown(caseNumber)} is still open: use the card above, or type your answer. Your agent sees it on the Case.`,
  replacesEarlier: (caseNumber) => `This new form for Case ${escapeMarkdown(caseNumber)} replaces the one sent earlier, which no longer takes answers.`,
  supersededNotice: (caseNumber) =>
    `A newer form for Case ${escapeMarkdown(caseNumber)} replaced this one, so this one no longer takes answers and nothing was changed. Please use the newest form.`,
  supersededCard: 'A newer form replaced this one, so nothing was changed. Please use the most recent form.',
  laterAnswerKept: (caseNumber) =>
    `Your answer for Case ${escapeMarkdown(caseNumber)} arrived after a later one, which stays on the Case. Your agent can change it if needed.`,
  tooLong: (max) => `That message is too long for me (more than ${max} characters). Please send a shorter one.`,
  formSent: '📨 Sent: waiting for Salesforce to confirm…',
  formSaved: (caseNumber) => `✅ Saved on Case ${escapeMarkdown(caseNumber)}`,
  help: [
    'I am the co-work bot: I send you the forms your Case needs and keep your agent in sync with your answers.',
    'When your agent starts a form for your Case, it appears here. Type "help" to see this again.',
  ].join('\n\n'),
  devHelp: 'Developer mode: type `/cowork <CaseNumber or Case Id>` to start a co-work session (e.g. `/cowork 00001026`).',
  hello: 'Hello!',
  devOnly: 'The /cowork command is only available in developer mode.',
  devUsage: 'Usage: `/cowork <CaseNumber or Case Id>`, for example `/cowork 00001026`.',
  startNotSetUp: 'Sorry, I cannot start a form here: this bot is not set up to accept start requests.',
  startRefused: (reason) => `Sorry, I cannot start this form: ${reason}.`,
  invalidCaseRef: (message) => `I could not use that Case reference: ${escapeMarkdown(message)}`,
  caseNotFound:
    'I could not find that Case, or I am not allowed to open it. Please check the Case number or Id; if it is right, your agent can send you the form.',
  caseClosed: (caseNumber) => `Case ${escapeMarkdown(caseNumber)} is closed, so there is no form to complete for it.`,
  tooManyStarts: (seconds) =>
    `Several forms were just started here, so I am not starting another one right now. Please use the form you already have, or try again in ${seconds} seconds.`,
  couldNotStart: 'Sorry, I could not start the form.',
  expiredNotice: (caseNumber) =>
    `The form for Case ${escapeMarkdown(caseNumber)} has expired without an answer, so nothing was changed. Your agent can send you a new one.`,
  failedNotice: (caseNumber) =>
    `Your answer was received, but Case ${escapeMarkdown(caseNumber)} could not be updated with it. Your agent has been told and will follow up.`,
};

const fr: Texts = {
  locale: 'fr',
  confirmChoice: (label) => `Vous avez choisi ${escapeMarkdown(label)}. L'envoyer ?`,
  sendButton: 'Envoyer',
  changeButton: 'Modifier',
  changePrompt: "D'accord, rien n'a été envoyé. Lequel choisissez-vous ?",
  negated: (labels) =>
    labels.length > 0
      ? `J'ai compris que ce n'est pas ${orList(labels, 'ou')}, je ne l'ai donc pas pris comme réponse. Lequel est-ce ?`
      : "Je n'ai pas pris cela comme une réponse. Lequel est-ce ?",
  explanationHeading: 'Voici ce que signifient les choix :',
  tapOrType: 'Touchez un choix, ou tapez-le :',
  noExplanation: (labels) =>
    labels.length > 0
      ? `Je n'ai pas d'explication pour ${orList(labels, 'ou')} ici ; votre conseiller pourra vous en dire plus. Rien n'a été envoyé.`
      : "Je n'ai pas pris cette question comme une réponse. Rien n'a été envoyé.",
  refusal: "Pas de souci, rien n'a été envoyé. Prenez votre temps : choisissez quand vous savez, ou demandez à votre conseiller.",
  several: (labels) => `J'ai compris ${orList(labels, 'ou')} : merci d'en choisir un seul. Rien n'a été envoyé.`,
  choicesList: (question, labels) => `${escapeMarkdown(question)}\n\n${labels.map((l, i) => `${i + 1}. ${escapeMarkdown(l)}`).join('\n')}`,
  notRecognised: "Désolé, je n'ai pas reconnu cette réponse. Choisissez-en une (vous pouvez aussi taper son numéro) :",
  useTheCard: 'Merci de remplir le formulaire ; le voici à nouveau.',
  unknownButton: "Je n'ai pas compris ce bouton.",
  noPersonHere: "Désolé, personne n'est disponible dans cette conversation. Je suis toujours là pour vous aider.",
  nobodyCanJoin: 'Désolé, personne ne peut rejoindre cette conversation pour le moment. Je suis toujours là pour vous aider.',
  personJoined: 'Une personne a rejoint cette conversation : vous parlez maintenant avec elle, et non plus avec le bot.',
  backWithBot: 'Vous êtes de nouveau avec le bot co-work.',
  formStillOpen: (caseNumber) =>
    `Le formulaire du dossier ${escapeMarkdown(caseNumber)} est toujours ouvert : utilisez la carte ci-dessus ou tapez votre réponse. Votre conseiller la verra sur le dossier.`,
  replacesEarlier: (caseNumber) =>
    `Ce nouveau formulaire pour le dossier ${escapeMarkdown(caseNumber)} remplace celui envoyé plus tôt, qui n'accepte plus de réponse.`,
  supersededNotice: (caseNumber) =>
    `Un formulaire plus récent pour le dossier ${escapeMarkdown(caseNumber)} remplace celui-ci : il n'accepte plus de réponse et rien n'a été modifié. Merci d'utiliser le plus récent.`,
  supersededCard: "Un formulaire plus récent remplace celui-ci, rien n'a donc été modifié. Merci d'utiliser le plus récent.",
  laterAnswerKept: (caseNumber) =>
    `Votre réponse pour le dossier ${escapeMarkdown(caseNumber)} est arrivée après une réponse plus récente, qui reste sur le dossier. Votre conseiller peut la modifier si besoin.`,
  tooLong: (max) => `Ce message est trop long pour moi (plus de ${max} caractères). Merci d'en envoyer un plus court.`,
  formSent: '📨 Envoyé : en attente de la confirmation de Salesforce…',
  formSaved: (caseNumber) => `✅ Enregistré sur le dossier ${escapeMarkdown(caseNumber)}`,
  help: [
    'Je suis le bot de co-travail : je vous envoie les formulaires dont votre dossier a besoin et je tiens votre conseiller informé de vos réponses.',
    'Quand votre conseiller lance un formulaire pour votre dossier, il apparaît ici. Tapez « aide » pour revoir ce message.',
  ].join('\n\n'),
  devHelp: 'Mode développeur : tapez `/cowork <numéro ou Id du dossier>` pour lancer une session (par exemple `/cowork 00001026`).',
  hello: 'Bonjour !',
  devOnly: "La commande /cowork n'est disponible qu'en mode développeur.",
  devUsage: 'Utilisation : `/cowork <numéro ou Id du dossier>`, par exemple `/cowork 00001026`.',
  startNotSetUp: "Désolé, je ne peux pas lancer de formulaire ici : ce bot n'est pas configuré pour accepter les demandes de lancement.",
  startRefused: (reason) => `Désolé, je ne peux pas lancer ce formulaire : ${reason}.`,
  invalidCaseRef: (message) => `Je n'ai pas pu utiliser cette référence de dossier : ${escapeMarkdown(message)}`,
  caseNotFound:
    "Je n'ai pas trouvé ce dossier, ou je n'ai pas le droit de l'ouvrir. Vérifiez son numéro ou son Id ; s'il est juste, votre conseiller peut vous envoyer le formulaire.",
  caseClosed: (caseNumber) => `Le dossier ${escapeMarkdown(caseNumber)} est clos : il n'y a pas de formulaire à remplir.`,
  tooManyStarts: (seconds) =>
    `Plusieurs formulaires viennent d'être ouverts ici, je n'en ouvre pas d'autre pour l'instant. Utilisez le formulaire que vous avez déjà, ou réessayez dans ${seconds} secondes.`,
  couldNotStart: "Désolé, je n'ai pas pu lancer le formulaire.",
  expiredNotice: (caseNumber) =>
    `Le formulaire du dossier ${escapeMarkdown(caseNumber)} a expiré sans réponse, rien n'a donc été modifié. Votre conseiller peut vous en envoyer un nouveau.`,
  failedNotice: (caseNumber) =>
    `Votre réponse a bien été reçue, mais le dossier ${escapeMarkdown(caseNumber)} n'a pas pu être mis à jour. Votre conseiller est prévenu et reviendra vers vous.`,
};

/**
 * What the bot says to a customer around a handoff and after a restart. English only: there is no
 * French for these yet (a French conversation reads them in English, as before).
 */
export const handoffTexts = {
  requested: 'I am asking a person to join this chat. Please stay here: they will answer you in this conversation.',
  failed: 'Sorry, no one could take this chat right now. I am still here to help you.',
  backWithBot: en.backWithBot,
  personJoined: en.personJoined,
  timedOut: 'Sorry, no one could join this chat in time, so I am taking it back. I am still here to help you.',
  /** Back with the bot: where the customer's form stands (labels already escaped by the caller, where they need it). */
  formWaiting: (caseNumber: string) => `The form for Case ${caseNumber} is still waiting for your answer: use the card above, or type your answer.`,
  answerWaiting: (caseNumber: string, labels: string) => `I have your answer for Case ${caseNumber} (${labels}) and I am waiting for Salesforce to confirm it.`,
  answerRecorded: (caseNumber: string, labels: string) => `Your answer for Case ${caseNumber} is recorded: ${labels}. There is nothing more to fill in.`,
  formExpired: (caseNumber: string) => `The form for Case ${caseNumber} expired without an answer. Your agent can send you a new one.`,
  caseNotUpdated: (caseNumber: string) => `Your answer for Case ${caseNumber} was received, but the Case could not be updated. Your agent will follow up.`,
  /** A form from before a restart (bot/turn/lostForm.ts). */
  lostForm:
    'Sorry, I was restarted and lost this form, so your answer was not sent and nothing was changed. Here is the form again: please send your answer once more.',
} as const;

/** What the bot tells a human agent (the relay's conversation, or the agent's side of a handoff). English. */
export const agentTexts = {
  help: [
    'Agent relay commands:',
    '- `/agent login <key>`: log in with the agent key',
    '- `/agent list`: customers waiting for a person, with their Case and co-work state',
    '- `/agent take <number or conversation id>`: take a waiting customer',
    '- anything else you type goes to the customer you took (cards too); card buttons never run commands',
    "- `/agent answer <choice>`: answer the form on the customer's behalf (publishes the event for the Case)",
    '- `/agent done`: hand the conversation back to the bot',
    '- `/agent logout`',
  ].join('\n'),
  cardClick: 'Card buttons cannot run agent commands or reach the customer: type the command (or your message) instead.',
  relayOff: 'The agent relay is off: set COWORK_AGENT_KEY to enable it.',
  loggedOut: 'Logged out.',
  tooManyKeys: (retryInSeconds: number) => `Too many wrong keys from this conversation. Try again in ${retryInSeconds} s.`,
  badKey: 'That agent key is not valid.',
  loggedIn: (agentId: string, help: string) => `Logged in as agent ${agentId}.\n\n${help}`,
  /** One page of `/agent list` (numbers are the ones `/agent take` uses), and how to see the next. */
  waiting: (lines: readonly string[], first: number, last: number, total: number, nextPage: number | undefined) =>
    `Customers waiting for a person (${first}–${last} of ${total}):\n\n${lines.join('\n')}` +
    (nextPage !== undefined ? `\n\nNext page: \`/agent list ${nextPage}\`.` : ''),
  noSuchPage: (pages: number) =>
    pages === 1
      ? 'There is 1 page of waiting customers: `/agent list`.'
      : `There are ${pages} pages of waiting customers: \`/agent list 1\` to \`/agent list ${pages}\`.`,
  noneWaiting: 'No customer is waiting for a person.',
  talkingTo: (who: string) => `You are talking to: ${who}.`,
  ownConversation: 'You cannot take your own conversation: take a customer from another one.',
  takenFirst: 'Someone else took that customer first.',
  notWaitingForPerson: 'That customer is not waiting for a person (handed back, taken by someone else, or never asked). See `/agent list`.',
  nowTalkingTo: (who: string, notes: string) => `You are now talking to ${who}. What you type goes to the customer; \`/agent done\` hands back.${notes}`,
  noTypedForm: 'This customer has no form a typed answer can fill.',
  unknownChoice: (typed: string, choices: string) =>
    `I could not tell which choice "${escapeMarkdown(typed)}" is. The choices are: ${escapeMarkdown(choices)}.`,
  published: (caseNumber: string, labels: string) =>
    `Published for Case ${escapeMarkdown(caseNumber)}: ${escapeMarkdown(labels)}. You will see the answer when the event arrives.`,
  notWaiting: (caseNumber: string, state: string) => `The form for Case ${caseNumber} is no longer waiting for an answer (${state}).`,
  publishFailed: 'Publishing the answer failed; please try again.',
  notTalking: 'You are not talking to a customer.',
  handedBack: (who: string) => `Handed back to the bot: ${who}.`,
  handedBackUnreachable: (who: string) =>
    `Handed back to the bot: ${who}. The handoff has ended, but the customer could not be told: their chat cannot be reached any more.`,
  notDelivered: "Your message could not be delivered: the customer's chat cannot be reached. `/agent done` ends the handoff.",
  notTalkingHelp: 'You are not talking to a customer. `/agent list` shows who is waiting; `/agent help` lists the commands.',
  describe: (caseText: string, state: string, userId: string, requestedAt: string) =>
    `${caseText}, co-work state ${state}, customer ${userId}, asked at ${requestedAt}`,
  caseText: (caseNumber: string | null, caseId: string | null) => (caseNumber ? `Case ${caseNumber} (${caseId ?? '?'})` : 'no Case yet'),
  /** Who a customer's line comes from, for the agent. */
  customer: (caseNumber: string | null) => (caseNumber ? `Customer (Case ${caseNumber})` : 'Customer'),
  customerWrote: (who: string, text: string) => `${who} wrote: ${text}`,
  customerSentNoText: (who: string) => `${who} sent no text.`,
  customerAttached: (who: string, attachments: readonly string[]) => `${who} also sent ${attachments.join(', ')} (not shown to you for safety).`,
  inactiveButton: (who: string) => `${who} pressed a button on a form that is not active.`,
  customerSubmitted: (who: string, reply: string) => `${who} submitted the form. What the bot would have answered: ${reply}`,
  /** A session's news while a person owns the chat. */
  answerArrived: (caseNumber: string, labels: string) =>
    `The answer arrived for Case ${escapeMarkdown(caseNumber)}: ${escapeMarkdown(labels)}. The Case is being updated. The customer has not been thanked by the bot: what to say is up to you.`,
  formExpired: (caseNumber: string) => `The form for Case ${caseNumber} expired without an answer; nothing was changed.`,
  aboutCase: (caseNumber: string, text: string) => `Case ${caseNumber}: ${text}`,
  caseNotUpdated: (caseNumber: string, failure: string) =>
    `The answer for Case ${escapeMarkdown(caseNumber)} was received, but the Case could not be updated (${escapeMarkdown(failure)}).`,
} as const;

/** What the coworkPanel on the Case shows about a takeover (plain text: the panel renders no markup). */
export const panelTexts = {
  personRequested: 'The customer asked for a person: take the chat over from here, or answer the form for them.',
  noChat: 'No customer chat is linked to this Case: the customer needs to be in a chat with the bot first.',
  takenOver: (agent: string) =>
    `${agent} has the chat: the customer's messages appear here, and what you send reaches them. The bot says nothing until you hand back.`,
  heldBy: (holder: string) => `${holder} has this chat: it cannot be taken over until they hand it back.`,
  notSent: (holder: string) => `Not sent: ${holder} has this chat, not you.`,
  notHeld: 'Not sent: take the chat over first.',
  undelivered: 'Your last message did not reach the customer (their chat could not be reached); nothing else was lost.',
  handedBack: 'The bot has the chat again; the transcript is saved on the Case as a comment.',
  handedBackUnsaved: (why: string) => `The bot has the chat again, but the transcript could not be saved on the Case (${why}).`,
  alreadyBack: 'The bot already has this chat.',
  someone: 'another agent',
} as const;

export function textsFor(locale: string | undefined): Texts {
  return /^fr\b/i.test(locale ?? '') ? fr : en;
}

function orList(labels: readonly string[], or: string): string {
  const escaped = labels.map((l) => escapeMarkdown(l));
  if (escaped.length <= 1) return escaped.join('');
  return `${escaped.slice(0, -1).join(', ')} ${or} ${escaped[escaped.length - 1]}`;
}
