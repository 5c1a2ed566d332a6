/**
 * The typed answer to "You chose … Send it?": only a whole, plain yes sends. A negation, a
 * question, or a yes mixed with anything else never does, in either catalog.
 */
import { confirmationReply } from '../../dialogs/confirmationReply';
import { textsFor } from '../../dialogs/texts';

const en = textsFor('en-us');
const fr = textsFor('fr-fr');

describe('confirmationReply', () => {
  it.each(['yes', 'Yes!', 'y', 'ok.', '  send it  ', 'yes please', 'That’s right', 'that is right', 'go ahead!', 'correct', 'right'])(
    'English "%s" is a yes',
    (text) => {
      expect(confirmationReply(en, text)).toEqual({ kind: 'yes' });
    },
  );

  it.each(['oui', 'Oui !', 'd’accord', "c'est ça", 'exact', 'yes'])('French "%s" is a yes', (text) => {
    expect(confirmationReply(fr, text)).toEqual({ kind: 'yes' });
  });

  // Each holds a yes-word somewhere: a pattern not anchored at both ends would send them.
  it.each([
    'not right, education',
    'not right',
    "that's not right",
    'not ok',
    'not sure',
    "I'm not sure",
    "don't send it",
    'do not send',
    'never send it',
    'yes no',
    'yes, but change it',
    'ok, renovation work',
    'right? no',
    'is that right?',
    'sure?',
    'okay maybe',
    'yesterday',
    'you',
    'no yes',
  ])('English "%s" is not a yes', (text) => {
    expect(confirmationReply(en, text).kind).not.toBe('yes');
  });

  it.each(["pas d'accord", "ce n'est pas ça", 'oui mais non', 'non oui', 'ok, éducation'])('French "%s" is not a yes', (text) => {
    expect(confirmationReply(fr, text).kind).not.toBe('yes');
  });

  it.each(['no', 'Nope.', 'n', 'change', 'change it', 'wrong', 'not that', 'no thanks', 'cancel'])('English "%s" is a plain no', (text) => {
    expect(confirmationReply(en, text)).toEqual({ kind: 'no' });
  });

  it.each(['non', 'Non.', 'modifier', 'pas ça', 'annuler', 'no'])('French "%s" is a plain no', (text) => {
    expect(confirmationReply(fr, text)).toEqual({ kind: 'no' });
  });

  it('reads "no, <answer>" as a change with the new answer, in both catalogs', () => {
    expect(confirmationReply(en, 'no, education')).toEqual({ kind: 'no', instead: 'education' });
    expect(confirmationReply(en, 'change it: vehicle purchase')).toEqual({ kind: 'no', instead: 'vehicle purchase' });
    expect(confirmationReply(fr, 'non : éducation')).toEqual({ kind: 'no', instead: 'éducation' });
    // An English no in the French catalog, as customers mix.
    expect(confirmationReply(fr, 'no, education')).toEqual({ kind: 'no', instead: 'education' });
  });

  // A no or a "no, <answer>" counts only at the start and for the whole message.
  it.each([
    ['en', en, 'I said no, education'],
    ['en', en, 'no, education\nvehicle'],
    ['fr', fr, "j'ai dit non, éducation"],
    ['fr', fr, 'non, éducation\nvéhicule'],
    ['fr', fr, 'pourquoi pas ça'],
  ])('%s: reads %j as a new answer, not a no', (_locale, texts, text) => {
    expect(confirmationReply(texts, text)).toEqual({ kind: 'other' });
  });

  it.each([
    ['en', en, 'no , education', 'education'],
    ['en', en, 'no,education', 'education'],
    ['en', en, 'no  -  vehicle', 'vehicle'],
    ['fr', fr, 'non, éducation', 'éducation'],
    ['fr', fr, 'non,éducation', 'éducation'],
    ['fr', fr, 'modifier ; véhicule', 'véhicule'],
  ])('%s: reads %j as a change to %j, whatever the spacing around the punctuation', (_locale, texts, text, instead) => {
    expect(confirmationReply(texts, text)).toEqual({ kind: 'no', instead });
  });

  it('treats anything else as a new answer, not as yes or no', () => {
    expect(confirmationReply(en, 'education')).toEqual({ kind: 'other' });
    expect(confirmationReply(en, 'not right, education')).toEqual({ kind: 'other' });
    expect(confirmationReply(en, 'nothing')).toEqual({ kind: 'other' });
    expect(confirmationReply(en, '')).toEqual({ kind: 'other' });
  });
});
