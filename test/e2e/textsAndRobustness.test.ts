/**
 * Texts and robustness, end to end: the catalog follows the activity's locale (French shipped),
 * the seed's scripted sentences stay word for word, a malformed conversationUpdate is ignored
 * without an apology, and an unknown card action gets a plain answer.
 */
import { agentTexts, textsFor } from '../../dialogs/texts';
import { sim, suiteBot, testHost } from '../harness/botUnderTest';
import type { EmulatorConversation } from '../harness/emulatorChannel';
import { oneCase, startForm, waitUntil } from '../harness/coworkSteps';
import { RecordingLog } from '../harness/recordingLog';

const INTRO = 'A form regarding the use of funds must be completed, I am sending you the form in the chat window';

async function reply(chat: EmulatorConversation, activity: Record<string, unknown>): Promise<string> {
  const before = chat.texts.length;
  await chat.post(activity);
  await chat.waitFor(() => chat.texts.length > before, 10_000, 'a reply');
  return chat.texts[before]!;
}

describe('texts and robustness', () => {
  const log = new RecordingLog();
  const t = suiteBot({ log });

  it.each([['"someone"'], ['{"id":1}'], ['[null]'], ['[{"name":"no id"}]'], ['42']])(
    'ignores a conversationUpdate whose membersAdded is %s, with a debug log',
    async (membersAdded) => {
      const chat = t.conversation();
      // The Agents SDK's activity schema refuses a membersAdded that is no list of objects: that host
      // answers 400 (the request is wrong) where botbuilder takes the activity and the bot ignores it.
      const schemaRefuses = testHost() === 'agents' && membersAdded !== '[{"name":"no id"}]';
      const logged = schemaRefuses ? 'rejected activity: the Agents SDK schema refuses it' : 'conversationUpdate ignored: malformed membersAdded';
      const before = log.entries.filter((e) => e.msg === logged).length;
      const response = await chat.post({ type: 'conversationUpdate', membersAdded: JSON.parse(membersAdded) as unknown });
      expect(response.status).toBe(schemaRefuses ? 400 : 200);
      await waitUntil(() => log.entries.filter((e) => e.msg === logged).length > before, 'the debug log');
      expect(log.entries.filter((e) => e.msg === logged).at(-1)?.level).toBe('debug');
      expect(chat.received).toEqual([]);
      // The conversation still works.
      await chat.join();
      await chat.waitForText('Hello! I am the co-work bot');
    },
  );

  it('answers an unknown card action plainly', async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const form = await startForm(chat, c.caseNumber);
    expect(await reply(chat, { type: 'message', value: { cowork: 'dance', formToken: form.formToken }, channelData: { postBack: true } })).toBe(
      'I did not understand that button.',
    );
    expect(
      sim(t)
        .org.publishedEvents('Use_of_Funds__e')
        .filter((e) => e.payload.Correlation_Id__c === c.caseId),
    ).toHaveLength(0);
  });

  it('speaks the activity locale: French help, French start errors; the seed sentences stay in English', async () => {
    const chat = t.conversation();
    expect(await reply(chat, { type: 'message', text: 'aide', locale: 'fr-FR' })).toContain('Je suis le bot de co-travail');
    expect(await reply(chat, { type: 'message', text: '/cowork 99999999', locale: 'fr-FR' })).toBe(
      "Je n'ai pas trouvé ce dossier, ou je n'ai pas le droit de l'ouvrir. Vérifiez son numéro ou son Id ; s'il est juste, votre conseiller peut vous envoyer le formulaire.",
    );
    expect(await reply(chat, { type: 'message', text: 'help', locale: 'en-GB' })).toContain('I am the co-work bot');
    const c = oneCase(sim(t).org);
    const english = t.conversation();
    await startForm(english, c.caseNumber);
    expect(english.texts).toContain(INTRO);
  });

  it("runs a whole form in French for a French locale: the form's own sentences too", async () => {
    const c = oneCase(sim(t).org);
    const chat = t.conversation();
    const before = chat.cards.length;
    await chat.post({ type: 'message', text: `/cowork ${c.caseNumber}`, locale: 'fr-FR' });
    await chat.waitForCard(before + 1);
    expect(chat.texts).toContain("Un formulaire concernant l'utilisation des fonds doit être rempli, je vous l'envoie dans la fenêtre de discussion");
    const card = chat.cards[before] as { actions?: Array<{ data?: Record<string, unknown> }> };
    const formToken = card.actions?.find((a) => a.data?.cowork === 'submit')?.data?.formToken;
    await chat.post({ type: 'message', value: { cowork: 'submit', formToken, useOfFunds: 'Education' }, channelData: { postBack: true }, locale: 'fr-FR' });
    await chat.waitForText('Merci, votre réponse a été envoyée.');
    await chat.waitForText("Merci d'avoir rempli le questionnaire 😃, nous avons noté que l'utilisation des fonds concerne 🎓 Education");
    await waitUntil(() => sim(t).org.getRecord('Case', c.caseId)?.Use_of_Funds__c === 'Education', 'the Case update');
    await waitUntil(() => chat.updates.some((u) => JSON.stringify(u.attachments ?? []).includes('✅ Enregistré sur le dossier')), 'the card saved, in French');
  });

  it('escapes org labels in every catalog sentence that takes one', () => {
    for (const locale of ['en', 'fr']) {
      const texts = textsFor(locale);
      const label = '*Bold* [link](http://x.example) <b>';
      for (const sentence of [
        texts.confirmChoice(label),
        texts.negated([label]),
        texts.several([label, label]),
        texts.formSaved(label),
        texts.choicesList('Q?', [label]),
      ]) {
        expect(sentence).not.toContain('*Bold*');
        expect(sentence).not.toContain('[link](');
        expect(sentence).toContain('\\*Bold\\*');
      }
    }
    // What an agent reads: labels from the org, the agent's own typing echoed, a refusal's text.
    for (const sentence of [
      agentTexts.unknownChoice('*Bold*', '*Bold* [link](http://x.example)'),
      agentTexts.published('00001026', '*Bold* [link](http://x.example)'),
      agentTexts.answerArrived('00001026', '*Bold* [link](http://x.example)'),
      agentTexts.caseNotUpdated('00001026', 'FIELD_CUSTOM_VALIDATION_EXCEPTION: *Bold* [link](http://x.example)'),
    ]) {
      expect(sentence).not.toContain('[link](');
      expect(sentence).toContain('\\*Bold\\*');
    }
  });
});
