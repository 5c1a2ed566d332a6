/**
 * The use-of-funds questionnaire of the original co-work pattern: one question whose choices are
 * the org's `Case.Use_of_Funds__c` picklist, answered through the `Use_of_Funds__e` event.
 */
import type { FormSpec } from '../formSpec';
import { validateFormSpec } from '../formSpecCheck';

export const USE_OF_FUNDS_FORM: FormSpec = validateFormSpec({
  id: 'use-of-funds',
  title: 'Use of funds',
  topic: '/event/Use_of_Funds__e',
  correlationField: 'Correlation_Id__c',
  sessionKeyField: 'Session_Key__c',
  inputs: [
    {
      id: 'useOfFunds',
      kind: 'choice',
      label: 'What will the funds be used for?',
      factTitle: 'Use of funds',
      required: true,
      choices: {
        kind: 'picklist',
        caseField: 'Use_of_Funds__c',
        // By the values of the project's own picklist (salesforce/force-app); an org with other values simply has no explanation for them.
        descriptions: {
          'Renovation Work': 'repairing, renovating or extending a home you own.',
          'Debt Consolidation': 'paying off several existing loans or card debts with this one, so one repayment replaces many.',
          'Vehicle Purchase': 'buying a car, a motorbike or another vehicle.',
          Education: 'tuition, courses, training or study costs.',
          Other: 'anything else: your agent will ask you for the details.',
        },
      },
      eventField: { name: 'Use_of_Fund_Reason__c', length: 255 },
      caseField: 'Use_of_Funds__c',
    },
  ],
  messages: {
    intro: 'A form regarding the use of funds must be completed, I am sending you the form in the chat window',
    acknowledgement: 'Thank you, your answer has been sent. One moment please…',
    alreadyReceived: 'We have already received your answer to this form, thank you.',
    thankYou: 'Thank you for completing the questionnaire 😃, we have noted that the use of funds concerns {useOfFunds}',
    reAsk: 'Sorry, I did not recognise that answer. {question} Please pick one of these (you can also type its number):\n{choices}',
    refusals: {
      staleForm: 'This form is no longer active, so nothing was changed. Please use the most recent form in this chat.',
      invalidAnswer: 'Sorry, that answer could not be accepted.',
      tooLong: 'That message is too long to be an answer. Please pick one of the choices on the form.',
    },
  },
  // The question and the choices are the org's (labels as the org shows them); the bot's sentences in French.
  translations: {
    fr: {
      intro: "Un formulaire concernant l'utilisation des fonds doit être rempli, je vous l'envoie dans la fenêtre de discussion",
      acknowledgement: 'Merci, votre réponse a été envoyée. Un instant, s’il vous plaît…',
      alreadyReceived: 'Nous avons déjà reçu votre réponse à ce formulaire, merci.',
      thankYou: "Merci d'avoir rempli le questionnaire 😃, nous avons noté que l'utilisation des fonds concerne {useOfFunds}",
      reAsk: "Désolé, je n'ai pas reconnu cette réponse. {question} Choisissez l'une de ces réponses (vous pouvez aussi taper son numéro) :\n{choices}",
      refusals: {
        staleForm: "Ce formulaire n'est plus actif, rien n'a donc été modifié. Merci d'utiliser le formulaire le plus récent de cette conversation.",
        invalidAnswer: "Désolé, cette réponse n'a pas pu être acceptée.",
        tooLong: "Ce message est trop long pour être une réponse. Choisissez l'une des réponses du formulaire.",
      },
    },
  },
  resultCard: {
    title: 'Questionnaire completed',
    imageFile: 'questionnaire-completed.png',
    imageAltText: 'A green check mark',
  },
});
